from django.apps import AppConfig


class AttributionsConfig(AppConfig):
    name = "ducha.attributions"
    verbose_name = "延误归因"
