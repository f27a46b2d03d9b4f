"""The audit log page: newest first, in words, filtered by person, action, task and month,
with the chain's status."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from ducha.audit.log import verify_log
from ducha.audit.models import AuditEntry
from ducha.audit.words import describe
from ducha.lib.dates import month_label
from ducha.lib.months import format_month, parse_month_or

PER_PAGE = 50


def can_read_log(user) -> bool:
    return user.is_authenticated and user.sees_everything


@login_required
def log(request):
    if not can_read_log(request.user):
        raise PermissionDenied
    entries = AuditEntry.objects.order_by("-seq")
    action = request.GET.get("action", "")
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    actor = request.GET.get("actor", "")
    if actor.isdigit():
        entries = entries.filter(actor_id=int(actor))
    task = request.GET.get("task", "").strip()
    if task:
        entries = entries.filter(task_code=task)
    month = parse_month_or(request.GET.get("month"), None)
    if month:
        entries = entries.filter(month=month)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    actors = get_user_model().objects.filter(
        pk__in=AuditEntry.objects.filter(actor__isnull=False).values("actor_id")
    )
    logged = AuditEntry.objects.order_by()
    context = {
        "page": page,
        "shown": [(entry, describe(entry)) for entry in page],
        "problems": verify_log(),
        "actions": AuditEntry.Action.choices,
        "actors": actors.order_by("username").only("username", "full_name"),
        "months": [
            (format_month(m), month_label(m))
            for m in logged.exclude(month=None).dates("month", "month", order="DESC")
        ],
        "task_codes": logged.exclude(task_code="")
        .values_list("task_code", flat=True)
        .distinct()
        .order_by("task_code"),
        "action": action,
        "actor": actor,
        "task": task,
        "month": format_month(month) if month else "",
    }
    return render(request, "audit/log.html", context)
