from django.urls import path, register_converter

from ducha.lib.converters import MonthConverter
from ducha.reports import views

register_converter(MonthConverter, "yyyymm")

app_name = "reports"
urlpatterns = [
    path("me/", views.my_tasks, name="my_tasks"),
    path("reports/<str:code>/<yyyymm:month>/", views.report, name="report"),
    path("reports/<int:pk>/evidence/", views.upload_evidence, name="upload_evidence"),
    path("evidence/<int:pk>/", views.download_evidence, name="evidence"),
    path("office/", views.office, name="office"),
    path("office/override/", views.override, name="override"),
    path("office/publication/", views.publication, name="publication"),
    path("office/ledger/", views.ledger, name="ledger"),
    path("office/ledger/export/", views.ledger_export, name="ledger_export"),
]
