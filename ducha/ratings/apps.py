from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_triggers(sender, using, **kwargs):
    """After every migrate: a migration that rebuilt a table (SQLite does, to alter one)
    dropped its triggers; without them the rating inputs' version would stand still."""
    from django.db import connections

    from ducha.ratings import inputs
    from ducha.ratings.models import InputsVersion

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {*inputs.TABLES, inputs.VERSION} <= tables:
        return  # migrating backwards, or not there yet
    inputs.install(connection)
    InputsVersion.objects.using(using).get_or_create(pk=1)
    inputs.forget_checks()


class RatingsConfig(AppConfig):
    name = "ducha.ratings"
    verbose_name = "四色评价"

    def ready(self):
        post_migrate.connect(_reinstall_triggers, sender=self, dispatch_uid="ratings_triggers")
