from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ducha.boards.publication import chain_head
from ducha.demo.registers import seed_registers
from ducha.demo.seeding import (
    DEMO_PASSWORD,
    DEMO_TODAY,
    demo_logins,
    publish_demo_boards,
    seed_counties,
    seed_demo,
    seed_january,
    seed_mailboxes,
    strangers,
    work_to_do,
)
from ducha.ledger.models import Node, Task
from ducha.org.models import User


def refuse_a_real_database() -> None:
    """The demo resets the accounts it names and prints one password for all of them: it
    runs only outside production, on a database that holds no one else (seeding.strangers)."""
    if settings.DUCHA_PRODUCTION:
        raise CommandError(
            "DUCHA_PRODUCTION=1：这是生产环境，ducha demo 不会写入演示数据。"
            "请在不设 DUCHA_PRODUCTION 的环境里，用单独的数据库运行演示。"
        )
    others = strangers()
    if others:
        shown = "、".join(others[:5]) + (f" 等 {len(others)} 个" if len(others) > 5 else "")
        raise CommandError(
            f"数据库中有不属于演示的账号（{shown}），ducha demo 不会改动这个数据库。"
            "请换一个空数据库运行演示，例如 DATABASE_URL=sqlite:///var/demo.sqlite3 ducha demo"
        )


class Command(BaseCommand):
    help = "建立德州2021演示数据（可重复运行），然后启动网站"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只建立数据，不启动网站")
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )

    def handle(self, *args, **options):
        refuse_a_real_database()
        if not settings.DUCHA_TODAY:
            settings.DUCHA_TODAY = DEMO_TODAY  # 8 Feb 2022: January to close and post
        # The printed logins sign in with their password alone; every page says so.
        settings.DUCHA_MFA_REQUIRED = False
        call_command("migrate", interactive=False, verbosity=0)
        data, ledger, progress = seed_demo()
        self.stdout.write(
            f"德州2021演示：{Task.objects.count()} 项任务，{Node.objects.count()} 个节点，"
            f"{len(data.progress)} 条2021年月度进展"
        )
        if ledger.changed or progress.changed:
            self.stdout.write(
                f"  本次写入：任务新增 {ledger.tasks_created}，节点新增 {ledger.created}，"
                f"进展新增 {progress.created}、更新 {progress.updated}"
            )
        else:
            self.stdout.write("  数据已是最新，未作改动")
        counties = seed_counties(data)
        taken = sum(len(c.taken) for c in counties)
        self.stdout.write(
            f"  {len(counties)} 个县市区：各自台账 "
            f"{min(c.ledger_size for c in counties)}–{max(c.ledger_size for c in counties)} 项"
            f"（承接市级任务共 {taken} 项次），2021年月度进展"
        )
        boards = publish_demo_boards()
        if boards:
            self.stdout.write(f"  已发布 2021年各月四色公示（市级及各县市区共 {len(boards)} 期）")
        seed_mailboxes()
        if seed_january(data):
            self.stdout.write("  2022年1月：各单位报送进行中（截止2月5日），改革办待审核、待发布")
        for line in seed_registers():
            self.stdout.write(f"  {line}")
        head = chain_head()
        if head:
            self.stdout.write(f"  发布链头 SHA-256：{head.sha256}")
        self.stdout.write(f"  演示日期：{settings.DUCHA_TODAY}（可用 DUCHA_TODAY 改变）")
        roles = dict(User.Role.choices)
        self.stdout.write("")
        self.stdout.write(f"登录账号（密码均为 {DEMO_PASSWORD}）：")
        for login in demo_logins(data):
            user = User.objects.select_related("jurisdiction").get(username=login.username)
            where = login.unit or login.leader or ""
            if login.jurisdiction:
                where = f"{user.jurisdiction.name}·{where}"
            todo = work_to_do(user)
            self.stdout.write(f"  {login.username:<9} {roles[login.role]:<6} {where:<10} {todo}")
        if options["no_serve"]:
            return
        addr = options["addr"]
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"网站： http://{addr}/    管理后台： http://{addr}/admin/")
        )
        call_command("runserver", addr, use_reloader=False, skip_checks=True)
