from django.urls import path

from ducha.desk import views

app_name = "desk"
urlpatterns = [
    path("office/", views.office, name="office"),
    path("office/publication/", views.publication, name="publication"),
    path("office/counties/", views.counties, name="counties"),
    path("office/chase/", views.chase, name="chase"),
    path("office/missing.xlsx", views.missing_xlsx, name="missing_xlsx"),
    path("audit/", views.audit_log, name="audit"),
]
