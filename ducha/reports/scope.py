"""Who may see and change what: one helper per model, used by every view.

The office sees and manages everything; the auditor sees everything and changes nothing;
a unit's reporter and head see the tasks their unit leads (and their reports); a city
leader sees the tasks he is responsible for. Anything out of scope is a 404, so that a
unit cannot even learn which other reports exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ducha.boards.publication import is_published
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.reports.models import Evidence, Report


def is_office(user) -> bool:
    return user.is_authenticated and user.is_office


def sees_everything(user) -> bool:
    return user.is_authenticated and user.sees_everything


def is_unit_member(user) -> bool:
    return user.is_authenticated and user.is_unit_member


def visible_tasks(user):
    tasks = Task.objects.all()
    if sees_everything(user):
        return tasks
    if is_unit_member(user):
        return tasks.led_by(user.unit)
    if user.is_authenticated and user.is_city_leader:
        return tasks.of_leader(user.leader_id)
    return tasks.none()


def visible_reports(user):
    reports = Report.objects.all()
    if sees_everything(user):
        return reports
    return reports.filter(task__in=visible_tasks(user))


def get_task_for_user(user, code: str) -> Task:
    try:
        return visible_tasks(user).select_related("area", "leader", "lead_unit").get(code=code)
    except Task.DoesNotExist:
        raise Http404("没有这项任务，或您无权查看") from None


def get_report_for_user(user, pk: int) -> Report:
    try:
        return visible_reports(user).select_related("task", "unit").get(pk=pk)
    except Report.DoesNotExist:
        raise Http404("没有这份报送，或您无权查看") from None


def get_evidence_for_user(user, pk: int) -> Evidence:
    try:
        return Evidence.objects.select_related("report").get(
            pk=pk, report__in=visible_reports(user)
        )
    except Evidence.DoesNotExist:
        raise Http404("没有这个文件，或您无权下载") from None


def _of_lead_unit(user, task: Task) -> bool:
    return is_unit_member(user) and user.unit_id == task.lead_unit_id


def month_open(month) -> bool:
    """Units report a month until its board is posted, and never a month still ahead: a
    posted month is the record, and later months rate from it."""
    return month <= clock.today().replace(day=1) and not is_published(month)


def can_start(user, task: Task, month) -> bool:
    """The lead unit's reporter (or head) opens the month's report while the month is open."""
    return _of_lead_unit(user, task) and month_open(month)


def can_edit(user, report: Report) -> bool:
    """The lead unit's reporter (or head) while the report is a draft or sent back and its
    month is open."""
    return _of_lead_unit(user, report.task) and report.editable and month_open(report.month)


def can_withdraw(user, report: Report) -> bool:
    """The lead unit takes a submission back until its head acts on it."""
    return _of_lead_unit(user, report.task) and report.status == Report.Status.SUBMITTED


def can_approve(user, report: Report) -> bool:
    return (
        user.is_authenticated
        and user.is_unit_head
        and user.unit_id == report.task.lead_unit_id
        and report.status == Report.Status.SUBMITTED
        and month_open(report.month)
    )


def can_review(user, report: Report) -> bool:
    return is_office(user) and report.status == Report.Status.APPROVED


def can_return(user, report: Report) -> bool:
    """The office sends a unit's report back, before or after accepting it."""
    return is_office(user) and report.status in (Report.Status.APPROVED, Report.Status.ACCEPTED)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("您没有权限进行此操作")
