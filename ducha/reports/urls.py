from django.urls import path, register_converter

from ducha.lib.converters import MonthConverter
from ducha.reports import views

register_converter(MonthConverter, "yyyymm")

app_name = "reports"
urlpatterns = [
    path("me/", views.my_tasks, name="my_tasks"),
    path("reports/<taskcode:code>/<yyyymm:month>/", views.report, name="report"),
    path("evidence/<int:pk>/", views.download_evidence, name="evidence"),
]
