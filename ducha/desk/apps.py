from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "ducha.desk"
    verbose_name = "改革办工作台"

    def ready(self):
        from ducha.boards.signals import board_published
        from ducha.desk.reminders import on_board_published

        # Each posted board goes to its lead units and leaders (ducha.desk.reminders).
        board_published.connect(on_board_published, dispatch_uid="desk_posted_digests")
