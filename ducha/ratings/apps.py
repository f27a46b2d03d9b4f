from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ducha.ratings"
    verbose_name = "四色评价"
