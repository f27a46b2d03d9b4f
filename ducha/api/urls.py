from django.urls import path

from ducha.api.api import api

urlpatterns = [path("", api.urls)]
