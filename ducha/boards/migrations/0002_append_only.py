"""Published boards are append-only: a trigger refuses UPDATE and DELETE."""

from django.db import migrations

from ducha.lib.append_only import trigger_operations


def add_lock_row(apps, schema_editor):
    apps.get_model("boards", "ChainLock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_initial")]
    operations = [
        migrations.RunPython(*trigger_operations("boards_publication", "publication_append_only")),
        migrations.RunPython(add_lock_row, migrations.RunPython.noop),
    ]
