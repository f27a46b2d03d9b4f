from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ducha.accounts import mfa


class Command(BaseCommand):
    help = (
        "为改革办、审计或管理员账号签发一次性绑定码，用于绑定身份验证器（手机丢失后重新绑定亦同）"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="账号（用户名）")

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"没有账号 {options['username']}") from None
        if not user.needs_second_factor:
            raise CommandError(f"{user.username} 登录无需两步验证，不必签发绑定码")
        code = mfa.issue_enrolment_code(user, by_name="ducha enrolment-code")
        hours = settings.DUCHA_MFA_ENROL_HOURS
        self.stdout.write(f"{user.username} 的绑定码：{code}（{hours} 小时内有效，只能用一次）")
        self.stdout.write("请当面或经安全渠道交给本人；登录后在“启用两步验证”页输入。")
