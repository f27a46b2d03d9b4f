from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "ducha.forecast"
    verbose_name = "滑坡预警"
