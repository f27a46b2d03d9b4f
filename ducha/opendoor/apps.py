from django.apps import AppConfig


class OpendoorConfig(AppConfig):
    name = "ducha.opendoor"
    verbose_name = "开门搞改革"
