from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ducha.ledger"
    verbose_name = "改革任务台账"
