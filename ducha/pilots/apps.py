from django.apps import AppConfig


class PilotsConfig(AppConfig):
    name = "ducha.pilots"
    verbose_name = "改革试点"
