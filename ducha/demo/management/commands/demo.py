from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ducha.boards.publication import chain_head
from ducha.demo.seeding import (
    DEMO_PASSWORD,
    DEMO_TODAY,
    demo_logins,
    publish_demo_boards,
    seed_demo,
)
from ducha.org.models import User


class Command(BaseCommand):
    help = "建立德州2021演示数据（可重复运行），然后启动网站"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只建立数据，不启动网站")
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )

    def handle(self, *args, **options):
        if not settings.DUCHA_TODAY:
            settings.DUCHA_TODAY = DEMO_TODAY  # the demo lives in January 2022
        call_command("migrate", interactive=False, verbosity=0)
        data, ledger, progress = seed_demo()
        self.stdout.write(
            f"德州2021演示：{len(data.tasks)} 项任务，"
            f"{sum(len(t.nodes) for t in data.tasks)} 个节点，{len(data.progress)} 条月度进展"
        )
        if ledger.changed or progress.changed:
            self.stdout.write(
                f"  本次写入：任务新增 {ledger.tasks_created}，节点新增 {ledger.created}，"
                f"进展新增 {progress.created}、更新 {progress.updated}"
            )
        else:
            self.stdout.write("  数据已是最新，未作改动")
        boards = publish_demo_boards()
        if boards:
            self.stdout.write(f"  已发布 2021年 {len(boards)} 个月的四色公示")
        head = chain_head()
        if head:
            self.stdout.write(f"  发布链头 SHA-256：{head.sha256}")
        self.stdout.write(f"  演示日期：{settings.DUCHA_TODAY}（可用 DUCHA_TODAY 改变）")
        roles = dict(User.Role.choices)
        self.stdout.write("")
        self.stdout.write(f"登录账号（密码均为 {DEMO_PASSWORD}）：")
        for login in demo_logins(data):
            where = login.unit or login.leader or ""
            self.stdout.write(f"  {login.username:<10} {roles[login.role]:<8} {where}")
        if options["no_serve"]:
            return
        addr = options["addr"]
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"网站： http://{addr}/    管理后台： http://{addr}/admin/")
        )
        call_command("runserver", addr, use_reloader=False, skip_checks=True)
