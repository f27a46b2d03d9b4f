from django.urls import path, re_path

from ducha.boards import views
from ducha.lib.pagecache import public_page

app_name = "boards"
urlpatterns = [
    path("", public_page(views.latest_board), name="latest"),
    re_path(r"^board/(?P<month>[0-9]{4}-[0-9]{2})/$", public_page(views.board), name="board"),
    re_path(
        r"^board/(?P<month>[0-9]{4}-[0-9]{2})\.(?P<fmt>json|csv|xlsx|pdf)$",
        views.download,
        name="download",
    ),
    path("tasks/<taskcode:code>/", public_page(views.task_detail), name="task"),
]
