from django.urls import path, re_path

from ducha.boards import views

app_name = "boards"
urlpatterns = [
    path("", views.latest_board, name="latest"),
    re_path(r"^board/(?P<month>\d{4}-\d{2})/$", views.board, name="board"),
    re_path(
        r"^board/(?P<month>\d{4}-\d{2})\.(?P<fmt>json|csv|xlsx|pdf)$",
        views.download,
        name="download",
    ),
    path("tasks/<str:code>/", views.task_detail, name="task"),
]
