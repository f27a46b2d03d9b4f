from django.urls import path

from ducha.opendoor import views

app_name = "opendoor"
urlpatterns = [
    path("open-door/", views.suggestion_form, name="form"),
    path("open-door/status/", views.status, name="status"),
    path("open-door/stats/", views.stats, name="stats"),
    path("office/suggestions/", views.office_list, name="office"),
    path("office/suggestions/export/", views.office_export, name="export"),
    path("office/suggestions/<int:pk>/", views.office_detail, name="detail"),
]
