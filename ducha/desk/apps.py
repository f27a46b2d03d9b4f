from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "ducha.desk"
    verbose_name = "改革办工作台"
