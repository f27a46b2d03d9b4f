from django.db import migrations

from ducha.org.areas import ensure_areas


def add_areas(apps, schema_editor):
    ensure_areas(apps.get_model("org", "Area"))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(add_areas, migrations.RunPython.noop)]
