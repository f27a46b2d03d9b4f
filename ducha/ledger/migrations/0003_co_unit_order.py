"""Cooperating units keep the order the ledger writes them in.

The plain many-to-many table becomes the table of an explicit model with an `order`
column. The table, its rows and its constraints stay as they are (only Django's picture of
them changes); the existing rows are numbered in the order they were added, which is the
best guess of the written order there is. The next import of the ledger sets it exactly.
"""

import django.db.models.deletion
from django.db import migrations, models


def number_existing_links(apps, schema_editor):
    CoUnit = apps.get_model("ledger", "CoUnit")
    changed, task, position = [], None, 0
    for link in CoUnit.objects.order_by("task_id", "id").only("id", "task_id", "order"):
        position = position + 1 if link.task_id == task else 1
        task = link.task_id
        link.order = position
        changed.append(link)
    CoUnit.objects.bulk_update(changed, ["order"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_clock_stamps"),
        ("org", "0003_clock_stamps"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CoUnit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "task",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="co_unit_links",
                                to="ledger.task",
                                verbose_name="任务",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="co_unit_links",
                                to="org.unit",
                                verbose_name="配合单位",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "ledger_task_co_units",
                        "unique_together": {("task", "unit")},
                    },
                ),
                migrations.AlterField(
                    model_name="task",
                    name="co_units",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="cooperating_tasks",
                        through="ledger.CoUnit",
                        to="org.unit",
                        verbose_name="配合单位",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="counit",
            name="order",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="排序"),
        ),
        migrations.AlterModelOptions(
            name="counit",
            options={
                "ordering": ["order", "id"],
                "verbose_name": "配合单位",
                "verbose_name_plural": "配合单位",
            },
        ),
        migrations.RunPython(number_existing_links, migrations.RunPython.noop),
    ]
