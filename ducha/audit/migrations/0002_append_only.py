"""The audit log is append-only: a trigger refuses UPDATE and DELETE."""

from django.db import migrations

from ducha.lib.append_only import trigger_operations


def add_lock_row(apps, schema_editor):
    apps.get_model("audit", "AuditLock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(*trigger_operations("audit_auditentry", "audit_entry_append_only")),
        migrations.RunPython(add_lock_row, migrations.RunPython.noop),
    ]
