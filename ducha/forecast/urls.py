from django.urls import path

from ducha.forecast import views

app_name = "forecast"
urlpatterns = [
    path("office/forecast/", views.forecast, name="forecast"),
]
