from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ducha.notify"
    verbose_name = "消息通知"
