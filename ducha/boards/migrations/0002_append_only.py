"""Published boards are append-only: on PostgreSQL a trigger refuses UPDATE and DELETE.

(SQLite has no roles to keep the application from dropping a trigger, and Django's test
flush deletes rows there; `ducha verify` is what catches tampering on SQLite.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ducha_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ducha: % on % is refused: published records are append-only',
        TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER publication_append_only BEFORE UPDATE OR DELETE ON boards_publication
    FOR EACH ROW EXECUTE FUNCTION ducha_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS publication_append_only ON boards_publication;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def add_lock_row(apps, schema_editor):
    apps.get_model("boards", "ChainLock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_initial")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(add_lock_row, migrations.RunPython.noop),
    ]
