from django.urls import path

from ducha.ledger import views

app_name = "ledger"
urlpatterns = [
    path("office/ledger/", views.ledger, name="import"),
    path("office/ledger/confirm/", views.confirm, name="confirm"),
    path("office/ledger/export/", views.ledger_export, name="export"),
]
