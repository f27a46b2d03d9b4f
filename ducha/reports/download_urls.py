from django.urls import path

from ducha.reports import downloads

app_name = "ledger_templates"
urlpatterns = [
    path("office/ledger/template/ledger.xlsx", downloads.ledger, name="ledger"),
    path("office/ledger/template/progress.xlsx", downloads.progress, name="progress"),
    path("me/template.xlsx", downloads.mine, name="mine"),
]
