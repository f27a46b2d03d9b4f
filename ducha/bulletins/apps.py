from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "ducha.bulletins"
    verbose_name = "通报与盘点"
