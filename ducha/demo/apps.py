from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ducha.demo"
    verbose_name = "德州2021演示数据"
