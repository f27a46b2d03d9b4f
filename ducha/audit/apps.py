from django.apps import AppConfig
from django.db.models.signals import post_save


class AuditConfig(AppConfig):
    name = "ducha.audit"
    verbose_name = "审计日志"

    def ready(self):
        from django.contrib.admin.models import LogEntry

        from ducha.audit.admin import record_user_change

        post_save.connect(record_user_change, sender=LogEntry, dispatch_uid="audit_user_change")
