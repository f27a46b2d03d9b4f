"""Published boards are append-only on SQLite too (the trigger was PostgreSQL's alone)."""

from django.db import migrations

from ducha.lib.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("boards", "0003_clock_stamps")]
    operations = [
        migrations.RunPython(*trigger_operations("boards_publication", "publication_append_only")),
    ]
