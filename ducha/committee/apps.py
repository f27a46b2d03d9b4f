from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "ducha.committee"
    verbose_name = "深改委会议与决定"
