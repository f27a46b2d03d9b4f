from django.urls import path

from ducha.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/setup/", views.enrol, name="enrol"),
]
