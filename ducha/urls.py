from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from ducha.lib.language import switch_language
from ducha.ops.views import healthz, metrics_view
from ducha.ratings.views import marks_css


def ping(request):
    """Liveness without touching the database (and the benchmarks' trivial view)."""
    return HttpResponse("pong", content_type="text/plain")


urlpatterns = [
    # The admin signs in through the same door, with the same lockout, as everyone else.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("ping", ping, name="ping"),
    path("marks.css", marks_css, name="marks_css"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("lang/<str:code>/", switch_language, name="switch_language"),
    path("accounts/", include("ducha.accounts.urls")),
    path("", include("ducha.reports.urls")),
    path("", include("ducha.desk.urls")),
    path("", include("ducha.ratings.urls")),
    path("", include("ducha.ledger.urls")),
    path("", include("ducha.boards.cascade_urls")),
    path("", include("ducha.reports.download_urls")),
    path("", include("ducha.boards.urls")),
    path("", include("ducha.notify.urls")),
    path("", include("ducha.supervision.urls")),
    path("", include("ducha.assessment.urls")),
    path("", include("ducha.stats.urls")),
    path("", include("ducha.forecast.urls")),
    path("", include("ducha.bulletins.urls")),
    path("", include("ducha.attributions.urls")),
    path("", include("ducha.committee.urls")),
    path("", include("ducha.assignments.urls")),
    path("", include("ducha.pilots.urls")),
    path("", include("ducha.opendoor.urls")),
    path("", include("ducha.warmap.urls")),
    path("api/v1/", include("ducha.api.urls")),
]

# Error pages: what happened and the way back, in the visitor's language.
handler400 = "ducha.lib.errors.bad_request"
handler403 = "ducha.lib.errors.forbidden"
handler404 = "ducha.lib.errors.not_found"
handler500 = "ducha.lib.errors.server_error"
