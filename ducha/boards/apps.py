from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "ducha.boards"
    verbose_name = "月度公示"
