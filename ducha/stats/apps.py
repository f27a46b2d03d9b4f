from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "ducha.stats"
    verbose_name = "数据看板"
