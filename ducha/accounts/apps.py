from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ducha.accounts"
    verbose_name = "登录与安全"
