from django.core.management.base import BaseCommand, CommandError

from ducha.api import tokens
from ducha.ledger.blanks import UnknownUnit, unit_named
from ducha.lib import clock
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)

BY = "ducha api-token"


class Command(BaseCommand):
    help = (
        "签发接口令牌（--unit 单位 --scope read|report），列出（--list）或吊销（--revoke 前缀）；"
        "令牌只在签发时显示一次"
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="令牌所属单位（全称或简称）")
        parser.add_argument(
            "--scope", help="read：只读本单位的报送；report：还可保存、提交报送和上传材料"
        )
        parser.add_argument("--name", default="", help="令牌名称，如对接系统的名字")
        parser.add_argument("--list", action="store_true", help="列出已签发的令牌")
        parser.add_argument("--revoke", metavar="PREFIX", help="吊销前缀为 PREFIX 的令牌")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        if options["list"]:
            return self._list(options)
        if options["revoke"]:
            return self._revoke(options["revoke"])
        if not options["unit"] or not options["scope"]:
            raise CommandError(
                "签发令牌须写 --unit 单位 和 --scope read|report（或用 --list、--revoke 前缀）"
            )
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        try:
            unit = unit_named(options["unit"], jurisdiction)
        except UnknownUnit as e:
            raise CommandError(f"--unit：{e}（辖区：{jurisdiction.name}）") from None
        try:
            issued = tokens.issue_token(unit, options["scope"], name=options["name"], by_name=BY)
        except tokens.TokenError as e:
            raise CommandError(str(e)) from None
        token = issued.token
        # The token alone on stdout (TOKEN=$(ducha api-token …) keeps it); the words beside.
        self.stderr.write(
            f"已为 {jurisdiction.name} {unit.name} 签发接口令牌（{token.get_scope_display()}），"
            f"前缀 {token.prefix}。令牌只显示这一次，系统只保存其摘要；"
            "请经安全渠道交给对接系统的管理员：",
            style_func=str,  # words, not an error
        )
        self.stdout.write(issued.secret)

    def _list(self, options):
        jurisdiction = (
            chosen_jurisdiction(options["jurisdiction"]) if options["jurisdiction"] else None
        )
        rows = list(tokens.tokens_of(jurisdiction))
        if not rows:
            self.stdout.write("没有签发过接口令牌")
            return
        for t in rows:
            used = (
                clock.local(t.last_used_at).strftime("%Y-%m-%d %H:%M")
                if t.last_used_at
                else "未用过"
            )
            state = f"已吊销 {clock.local(t.revoked_at):%Y-%m-%d %H:%M}" if t.revoked_at else "有效"
            self.stdout.write(
                f"{t.prefix}  {t.scope:<6}  {t.jurisdiction.slug}  {t.unit.name}  {t.name}  "
                f"签发 {clock.local(t.created_at):%Y-%m-%d %H:%M}  最近使用 {used}  {state}"
            )

    def _revoke(self, prefix: str):
        try:
            token = tokens.find(prefix)
        except tokens.TokenError as e:
            raise CommandError(str(e)) from None
        if tokens.revoke(token, by_name=BY):
            self.stdout.write(f"已吊销 {token.unit.name} 的接口令牌 {token.prefix}")
        else:
            self.stdout.write(f"令牌 {token.prefix} 早已吊销")
