"""/healthz for load balancers, /metrics for Prometheus: neither writes anything."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ducha.ops import health, metrics
from ducha.ops.access import may_read_metrics


@require_safe
@never_cache
def healthz(request):
    """200 "ok" when the database answers and the shared storage can be written; 503 with
    what failed otherwise. Open to all: it says nothing but which part is down."""
    problems = health.problems()
    if problems:
        return HttpResponse("\n".join(problems) + "\n", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def metrics_view(request):
    """The figures for Prometheus, to an allowed address or the token's bearer. Anyone else
    is told there is nothing here, as for any path that does not exist."""
    if not may_read_metrics(request):
        raise Http404
    return HttpResponse(metrics.render(metrics.collect()), content_type=metrics.CONTENT_TYPE)
