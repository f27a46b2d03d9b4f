from django.apps import AppConfig


class WarmapConfig(AppConfig):
    name = "ducha.warmap"
    verbose_name = "挂图作战"
