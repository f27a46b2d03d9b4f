from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "ducha.audit"
    verbose_name = "审计日志"

    def ready(self):
        from ducha.lib.append_only import reinstall_after_migrate

        # A migration that rebuilt the table on SQLite dropped its append-only trigger.
        post_migrate.connect(
            reinstall_after_migrate("audit_auditentry"),
            sender=self,
            dispatch_uid="audit_append_only",
            weak=False,
        )
