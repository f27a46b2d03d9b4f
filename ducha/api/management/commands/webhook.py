from django.core.management.base import BaseCommand, CommandError

from ducha.api import webhooks
from ducha.api.models import Webhook
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)

BY = "ducha webhook"


class Command(BaseCommand):
    help = (
        "公示推送地址：add 网址（登记，显示签名密钥一次）、list（列出）、remove 编号（删除）；"
        "每次发布公示都向本辖区登记的地址推送"
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="add|list|remove")
        add = actions.add_parser("add", help="登记一个推送地址")
        add.add_argument("url", help="接收推送的网址（主机须在 DUCHA_WEBHOOK_HOSTS 之内）")
        add_jurisdiction_argument(add)
        listing = actions.add_parser("list", help="列出推送地址")
        add_jurisdiction_argument(listing)
        remove = actions.add_parser("remove", help="删除一个推送地址（连同其推送记录）")
        remove.add_argument("id", type=int, help="编号（见 list）")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "add":
            jurisdiction = chosen_jurisdiction(options["jurisdiction"])
            try:
                hook = webhooks.add(options["url"], jurisdiction, by_name=BY)
            except webhooks.WebhookError as e:
                raise CommandError(str(e)) from None
            self.stdout.write(f"已为 {jurisdiction.name} 登记推送地址 {hook.pk}：{hook.url}")
            self.stdout.write(f"签名密钥（只显示这一次）：{hook.secret}")
        elif action == "list":
            hooks = Webhook.objects.select_related("jurisdiction").order_by("pk")
            if options["jurisdiction"]:
                hooks = hooks.filter(jurisdiction=chosen_jurisdiction(options["jurisdiction"]))
            if not hooks:
                self.stdout.write("没有登记推送地址")
            for hook in hooks:
                state = "启用" if hook.active else "停用"
                self.stdout.write(f"{hook.pk}  {hook.jurisdiction.slug}  {state}  {hook.url}")
        else:
            hook = Webhook.objects.select_related("jurisdiction").filter(pk=options["id"]).first()
            if hook is None:
                raise CommandError(
                    f"没有编号为 {options['id']} 的推送地址（见 ducha webhook list）"
                )
            webhooks.remove(hook, by_name=BY)
            self.stdout.write(f"已删除推送地址 {options['id']}：{hook.url}")
