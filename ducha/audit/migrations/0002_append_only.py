"""The audit log is append-only: on PostgreSQL a trigger refuses UPDATE and DELETE.

The function is shared with the publication chain (boards 0002); CREATE OR REPLACE keeps
either migration free to run first. On SQLite `verify_log()` is what catches tampering.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ducha_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ducha: % on % is refused: published records are append-only',
        TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION ducha_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def add_lock_row(apps, schema_editor):
    apps.get_model("audit", "AuditLock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(add_lock_row, migrations.RunPython.noop),
    ]
