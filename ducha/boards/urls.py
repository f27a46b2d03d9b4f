from django.urls import path, re_path

from ducha.boards import views
from ducha.lib.pagecache import TASK_PAGE_STAMPS, public_page

MONTH = r"(?P<month>[0-9]{4}-[0-9]{2})"
# Every jurisdiction's boards under /j/<slug>/; the pages without it are the home one's.
JURISDICTION = r"^j/(?P<slug>[-a-zA-Z0-9_]+)/"

app_name = "boards"
urlpatterns = [
    path("", public_page(views.latest_board), name="latest"),
    re_path(rf"^board/{MONTH}/$", public_page(views.board), name="board"),
    re_path(
        rf"^board/{MONTH}\.(?P<fmt>json|csv|xlsx|pdf)$",
        views.download,
        name="download",
    ),
    path("tasks/<taskcode:code>/", public_page(views.task_detail, TASK_PAGE_STAMPS), name="task"),
    path("j/", views.jurisdictions, name="jurisdictions"),
    re_path(rf"{JURISDICTION}$", public_page(views.latest_board), name="j_latest"),
    re_path(rf"{JURISDICTION}board/{MONTH}/$", public_page(views.board), name="j_board"),
    re_path(
        rf"{JURISDICTION}board/{MONTH}\.(?P<fmt>json|csv|xlsx|pdf)$",
        views.download,
        name="j_download",
    ),
    path(
        "j/<slug:slug>/tasks/<taskcode:code>/",
        public_page(views.task_detail, TASK_PAGE_STAMPS),
        name="j_task",
    ),
]
