from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _home(sender, using="default", **kwargs) -> None:
    """Every row belongs to a jurisdiction, the home one by default: make it whenever the
    tables exist without it (a flushed test database, a restored empty one)."""
    from django.db import connections

    from ducha.org.models import Jurisdiction, ensure_home

    if Jurisdiction._meta.db_table in connections[using].introspection.table_names():
        ensure_home()


class OrgConfig(AppConfig):
    name = "ducha.org"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        post_migrate.connect(_home, sender=self, dispatch_uid="org_home_jurisdiction")
