from django.urls import path

from ducha.committee import views

app_name = "committee"
urlpatterns = [
    path("committee/", views.index, name="index"),
    path("committee/new/", views.meeting_new, name="new"),
    path("committee/<int:pk>/", views.meeting_detail, name="meeting"),
    path("committee/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("committee/decisions/<int:pk>/track/", views.track, name="track"),
    path("committee/files/<int:pk>/", views.document, name="file"),
]
