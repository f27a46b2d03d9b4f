from django.urls import path

from ducha.pilots import views

app_name = "pilots"
urlpatterns = [
    path("pilots/", views.register, name="register"),
    path("pilots/pilots.xlsx", views.export, name="export"),
    path("pilots/<int:pk>/", views.detail, name="detail"),
    path("office/pilots/", views.office_list, name="office"),
    path("office/pilots/new/", views.office_new, name="new"),
    path("office/pilots/<int:pk>/", views.office_detail, name="office_detail"),
    path("office/pilots/<int:pk>/edit/", views.office_edit, name="edit"),
    path("office/pilots/<int:pk>/step/", views.office_step, name="step"),
    path("office/pilots/<int:pk>/practices/", views.practice_add, name="practice_add"),
    path("office/pilots/practices/<int:pk>/", views.practice_edit, name="practice_edit"),
]
