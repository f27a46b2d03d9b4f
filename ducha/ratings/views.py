"""The office's override of a month's rating (a reason required, audited), and the marks'
colours as a stylesheet generated from their one definition (marks.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ducha.ledger.models import Task
from ducha.lib import params
from ducha.lib.access import office_required
from ducha.lib.months import format_month
from ducha.ratings.display import CSS, MARKS, shown
from ducha.ratings.monthly import override_rating


@require_safe
def marks_css(request):
    response = HttpResponse(CSS, content_type="text/css; charset=utf-8")
    # Pages link it with ?v=<hash of the palette>: a changed palette is a new URL.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@office_required
@require_http_methods(["GET", "POST"])
def override(request):
    """GET: the override form for one task (a partial for htmx); POST: apply it."""
    data = request.POST if request.method == "POST" else request.GET
    month = params.month(data)
    if month is None:  # a write, or its form, names its month: never a guess
        raise params.BadParameter("month", _("请写明月份（YYYY-MM）"))
    # The office overrides its own jurisdiction's tasks alone (a code is unique only within
    # one): the city office reads its counties' months and changes none of them.
    tasks = Task.objects.filter(jurisdiction=request.user.jurisdiction_id)
    task = get_object_or_404(tasks, code=data.get("task", ""))
    if not request.user.runs(task.jurisdiction_id):
        raise PermissionDenied
    context = {
        "task": task,
        "month": month,
        "rating_choices": [(key, m.name) for key, m in MARKS.items()],
        "chosen": request.POST.get("rating", ""),
        "reason": request.POST.get("reason", ""),
    }
    if request.method == "GET":
        template = "ratings/override.html#form" if request.htmx else "ratings/override.html"
        return render(request, template, context)
    try:
        o = override_rating(
            task, month, context["chosen"], context["reason"], by=request.user, request=request
        )
    except ValueError as e:
        # The page again with what was chosen and typed, and the reason it was refused.
        return render(request, "ratings/override.html", context | {"error": str(e)}, status=400)
    name = shown(o.rating or None).name if o.rating else _("系统评价")
    messages.success(
        request, _("%(code)s 的评价已调整为%(name)s") % {"code": task.code, "name": name}
    )
    return redirect(f"{reverse('desk:office')}?month={format_month(month)}#preview")
