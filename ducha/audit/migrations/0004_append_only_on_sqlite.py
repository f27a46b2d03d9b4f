"""The audit log is append-only on SQLite too (the trigger was PostgreSQL's alone)."""

from django.db import migrations

from ducha.lib.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_task_code_and_month")]
    operations = [
        migrations.RunPython(*trigger_operations("audit_auditentry", "audit_entry_append_only")),
    ]
