from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ducha.ledger"
    verbose_name = "改革任务台账"

    def ready(self):
        from django.urls import register_converter

        from ducha.ledger.codes import TaskCodeConverter

        # <taskcode:code> in the boards' and the reports' URLs: the importer's alphabet.
        register_converter(TaskCodeConverter, "taskcode")
