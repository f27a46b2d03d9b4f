from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "ducha.supervision"
    verbose_name = "督办问责"

    def ready(self):
        from ducha.boards.signals import board_published
        from ducha.supervision.ladder import on_board_published

        # Each posted board is read against its jurisdiction's ladder: proposals, never
        # actions (the office confirms each). The rules' defaults are written on first use.
        board_published.connect(on_board_published, dispatch_uid="supervision_ladder")
