from django.urls import path

from ducha.assignments import views

app_name = "assignments"
urlpatterns = [
    path("assignments/", views.assignment_list, name="list"),
    path("assignments/export/", views.export, name="export"),
    path("assignments/new/", views.new, name="new"),
    path("assignments/<int:pk>/", views.detail, name="detail"),
    path("assignments/<int:pk>/sign/", views.sign, name="sign"),
    path("assignments/<int:pk>/answer/", views.answer, name="answer"),
    path("assignments/<int:pk>/review/", views.review, name="review"),
    path("assignments/files/<int:pk>/", views.assignment_file, name="file"),
]
