from django.urls import path

from ducha.stats import views

app_name = "stats"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/year/", views.year, name="year"),
]
