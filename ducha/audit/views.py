"""The audit log page: newest first, filtered by action and actor, with the chain's status."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from ducha.audit.log import verify_log
from ducha.audit.models import AuditEntry

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
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    actors = get_user_model().objects.filter(
        pk__in=AuditEntry.objects.filter(actor__isnull=False).values("actor_id")
    )
    context = {
        "page": page,
        "problems": verify_log(),
        "actions": AuditEntry.Action.choices,
        "actors": actors.order_by("username").only("username", "full_name"),
        "action": action,
        "actor": actor,
    }
    return render(request, "audit/log.html", context)
