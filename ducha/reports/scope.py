"""Looking up a task, a report or a file for a person: one helper per model, used by every
view. The rules themselves are written once: data scope as querysets
(`Task.objects.visible_to(user)`, `Report.objects.visible_to(user)`,
`Evidence.objects.visible_to(user)`), role questions on the user (`user.can_edit(report)`).

Anything out of scope is a 404, so that a unit cannot even learn which other reports exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ducha.ledger.models import Task
from ducha.reports.models import Evidence, Report


def get_task_for_user(user, code: str) -> Task:
    """A code is unique within a jurisdiction: the person's own is the one they work in."""
    tasks = Task.objects.visible_to(user).select_related("area", "leader", "lead_unit")
    try:
        return tasks.get(jurisdiction_id=getattr(user, "jurisdiction_id", None), code=code)
    except Task.DoesNotExist:
        raise Http404("没有这项任务，或您无权查看") from None


def get_report_for_user(user, pk: int) -> Report:
    try:
        return Report.objects.visible_to(user).select_related("task", "unit").get(pk=pk)
    except Report.DoesNotExist:
        raise Http404("没有这份报送，或您无权查看") from None


def get_evidence_for_user(user, pk: int) -> Evidence:
    try:
        return Evidence.objects.visible_to(user).select_related("report").get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404("没有这个文件，或您无权下载") from None


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("您没有权限进行此操作")
