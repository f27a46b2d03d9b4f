from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "ducha.assignments"
    verbose_name = "交办事项"
