from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ducha.reports"
    verbose_name = "月度报送"
