from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ducha.api"
    label = "api"
    verbose_name = "数据接口"

    def ready(self):
        from ducha.api.webhooks import on_board_published
        from ducha.boards.signals import board_published

        # Each publication is pushed to the addresses its jurisdiction registered.
        board_published.connect(on_board_published, dispatch_uid="api_webhooks")
