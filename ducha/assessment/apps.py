from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "ducha.assessment"
    verbose_name = "考核得分"
