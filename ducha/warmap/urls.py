from django.urls import path

from ducha.warmap import views

app_name = "warmap"
urlpatterns = [
    path("war-map/", views.index, name="index"),
    path("war-map/posts/<int:pk>/", views.post, name="post"),
    path("war-map/projects/<int:pk>/", views.project, name="project"),
    path("war-map/projects/<int:pk>/report/", views.report, name="report"),
    path("war-map/projects.xlsx", views.export, name="export"),
    path("office/war-map/", views.office, name="office"),
    path("office/war-map/projects/new/", views.project_new, name="project_new"),
    path("office/war-map/projects/<int:pk>/", views.project_edit, name="project_edit"),
    path("office/war-map/projects/<int:pk>/phases/new/", views.phase_new, name="phase_new"),
    path("office/war-map/phases/<int:pk>/", views.phase_edit, name="phase_edit"),
]
