from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BoardsConfig(AppConfig):
    name = "ducha.boards"
    verbose_name = "月度公示"

    def ready(self):
        from ducha.lib.append_only import reinstall_after_migrate

        # A migration that rebuilt the table on SQLite dropped its append-only trigger.
        post_migrate.connect(
            reinstall_after_migrate("boards_publication"),
            sender=self,
            dispatch_uid="boards_append_only",
            weak=False,
        )
