from django.urls import path

from ducha.assessment import views

app_name = "assessment"
urlpatterns = [
    path("scores/", views.table, name="scores"),
    path("scores/scores.xlsx", views.workbook, name="xlsx"),
    path("scores/units/<int:pk>/", views.unit_detail, name="unit"),
    path("scores/public/", views.public, name="public"),
    path("j/<slug:slug>/scores/", views.public, name="j_public"),
]
