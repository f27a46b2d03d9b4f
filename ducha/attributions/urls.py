from django.urls import path

from ducha.attributions import views

app_name = "attributions"
urlpatterns = [
    path("attributions/", views.attribution_list, name="list"),
    path("attributions/units/", views.units, name="units"),
    path("attributions/new/<taskcode:code>/<yyyymm:month>/", views.claim, name="new"),
    path("attributions/<int:pk>/", views.detail, name="detail"),
    path("attributions/<int:pk>/answer/", views.answer, name="answer"),
    path("attributions/<int:pk>/decide/", views.decide, name="decide"),
    path("attributions/files/<int:pk>/", views.attribution_file, name="file"),
]
