from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ducha.ops"
    label = "ops"
    verbose_name = "运行监测"

    def ready(self):
        from ducha.ops import checks  # noqa: F401  (registers the settings' checks)
