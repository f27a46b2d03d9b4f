from django.urls import path

from ducha.ratings import views

app_name = "ratings"
urlpatterns = [
    path("office/override/", views.override, name="override"),
]
