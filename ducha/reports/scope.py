"""Looking up a task, a report or a file for a person: one helper per model, used by every
view. The rules themselves are written once: data scope as querysets
(`Task.objects.visible_to(user)`, `Report.objects.visible_to(user)`,
`Evidence.objects.visible_to(user)`), role questions on the user (`user.can_edit(report)`,
`user.reads_in(jurisdiction_id)`, `user.works_in(jurisdiction_id)`).

Anything out of scope is a 404, so that a unit cannot even learn which other reports exist,
nor a county which tasks another county has.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ducha.ledger.models import Task
from ducha.org.models import Jurisdiction
from ducha.reports.models import Evidence, Report

# The query parameter naming the jurisdiction a page of the office's shows (?j=<slug>),
# when it is not the person's own: the city office reading a county's report or desk.
PARAM = "j"


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def jurisdiction_asked(user, query) -> Jurisdiction | None:
    """The jurisdiction a page names (?j=<slug>), which this person must read; None when it
    names none: the person's own, known without a query."""
    slug = query.get(PARAM, "").strip()
    if not slug:
        return None
    found = Jurisdiction.objects.filter(slug=slug).first() if _SLUG.fullmatch(slug) else None
    if found is None or not user.reads_in(found.pk):
        raise Http404("没有这个辖区，或您无权查看")
    return found


def get_task_for_user(user, code: str, jurisdiction: Jurisdiction | None = None) -> Task:
    """A code is unique within a jurisdiction: the person's own is the one they work in,
    unless the page names another he reads (`jurisdiction`)."""
    where = getattr(user, "jurisdiction_id", None) if jurisdiction is None else jurisdiction.pk
    tasks = Task.objects.visible_to(user).select_related(
        "area", "leader", "lead_unit", "jurisdiction"
    )
    try:
        return tasks.get(jurisdiction_id=where, code=code)
    except Task.DoesNotExist:
        raise Http404("没有这项任务，或您无权查看") from None


def get_report_for_user(user, pk: int) -> Report:
    try:
        return (
            Report.objects.visible_to(user).select_related("task__jurisdiction", "unit").get(pk=pk)
        )
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
