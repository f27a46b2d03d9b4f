"""挂图作战's writes, one transactional function each, audited in the same transaction: the
responsible unit's monthly report on a project (PROJECT_REPORTED), and the office's register
of projects and their phases (PROJECT_SAVED).

Who may is asked here too (`user.can_report_project`, `user.keeps_registers`), so no path
around the views writes without its rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.ledger.checks import progress_problems, stored_percent
from ducha.lib import clock
from ducha.lib.dates import month_label
from ducha.lib.months import first_of, format_month
from ducha.org.models import named
from ducha.warmap.models import Phase, PhaseProgress, Project, ProjectMonth

Status = PhaseProgress.Status


class Invalid(Exception):
    """What the form must show again: messages keyed by the form's field names."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("；".join(m for ms in errors.values() for m in ms))


@dataclass(frozen=True)
class PhaseInput:
    status: str
    percent: int | None = None
    done_on: dt.date | None = None
    note: str = ""


def field(phase_id: int, name: str) -> str:
    """A phase line's field name in the report form (and the key of its errors)."""
    return f"phase-{phase_id}-{name}"


# The month's report -------------------------------------------------------------------------


def finished_before(project: Project, month: dt.date) -> dict[int, PhaseProgress]:
    """{phase id: the row that first said 已完成}, for the phases done before `month`: done
    stays done (SPEC §2), and the report asks about them no more."""
    found: dict[int, PhaseProgress] = {}
    rows = PhaseProgress.objects.filter(project=project, month__lt=month, status=Status.DONE)
    for row in rows.order_by("month"):
        found.setdefault(row.phase_id, row)
    return found


def open_phases(project: Project, month: dt.date) -> tuple[list[Phase], dict[int, PhaseProgress]]:
    """The phases a report for `month` asks about, and those finished before it."""
    done = finished_before(project, month)
    phases = [p for p in project.phases.all() if p.pk not in done]
    return phases, done


def prefill(project: Project, month: dt.date, phases: list[Phase]) -> dict[int, PhaseInput]:
    """Each phase's line as the form starts: the month's own row if saved, else the last
    known state (its note only when it is the month's)."""
    latest: dict[int, PhaseProgress] = {}
    for row in PhaseProgress.objects.filter(project=project, month__lte=month).order_by("month"):
        latest[row.phase_id] = row
    out = {}
    for phase in phases:
        row = latest.get(phase.pk)
        if row is None:
            out[phase.pk] = PhaseInput(Status.NOT_STARTED)
            continue
        own = row.month == month
        out[phase.pk] = PhaseInput(
            row.status,
            row.percent,
            row.done_on if row.status == Status.DONE else None,
            row.note if own else "",
        )
    return out


def reportable(month: dt.date) -> bool:
    """A month can be reported once it has begun: never one after the current month."""
    return month <= first_of(clock.today())


@transaction.atomic
def report_month(
    project: Project,
    user,
    month: dt.date,
    *,
    lines: dict[int, PhaseInput],
    invested: Decimal,
    note: str = "",
    request=None,
) -> Project:
    """The responsible unit's report of `month`: each open phase's state and the month's
    investment done. Refused whole, with every problem named by its field."""
    month = first_of(month)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not user.can_report_project(project):
        raise PermissionDenied(_("只有项目的责任单位可以报送进展"))
    if not reportable(month):
        raise Invalid(
            {"__all__": [_("%(month)s 还没有到，不能报送") % {"month": month_label(month)}]}
        )
    phases, _done = open_phases(project, month)
    by_id = {p.pk: p for p in phases}
    errors = problems(by_id, month, lines, invested)
    if errors:
        raise Invalid(errors)

    existing = {r.phase_id: r for r in PhaseProgress.objects.filter(project=project, month=month)}
    new, changed = [], []
    for phase_id, given in lines.items():
        row = existing.get(phase_id) or PhaseProgress(
            project=project, phase_id=phase_id, month=month
        )
        row.status = given.status
        row.percent = stored_percent(given.status, given.percent)
        row.done_on = given.done_on
        row.note = given.note.strip()
        row.reported_by = user
        (changed if row.pk else new).append(row)
    now = clock.now()
    for row in changed:
        row.updated_at = now  # bulk_update stamps nothing itself
    PhaseProgress.objects.bulk_update(
        changed, ["status", "percent", "done_on", "note", "reported_by", "updated_at"]
    )
    PhaseProgress.objects.bulk_create(new)
    ProjectMonth.objects.update_or_create(
        project=project,
        month=month,
        defaults={"invested": invested, "note": note.strip(), "reported_by": user},
    )
    settle_actual_dates(list(by_id.values()))
    record(
        "project_reported",
        actor=user,
        request=request,
        target=project,
        detail={
            "month": format_month(month),
            "code": project.code,
            "phases": len(lines),
            "done": sum(1 for line in lines.values() if line.status == Status.DONE),
            "invested": str(invested),
            **named(project.jurisdiction),
        },
    )
    return project


def problems(
    phases: dict[int, Phase], month: dt.date, lines: dict[int, PhaseInput], invested: Decimal
) -> dict[str, list[str]]:
    """Every inconsistency of a month's report, keyed by the form's field names (the
    ledger's own checks of a node's state, line by line); empty when it may be saved."""
    errors: dict[str, list[str]] = {}
    for phase_id, line in lines.items():
        if phase_id not in phases:
            errors.setdefault("__all__", []).append(
                _("阶段 %(id)s 不属于这个项目，或已于此前完成") % {"id": phase_id}
            )
            continue
        for name, message in progress_problems(line.status, month, line.done_on, line.percent):
            errors.setdefault(field(phase_id, name), []).append(message)
        done_key = field(phase_id, "done_on")
        if line.done_on is not None and line.done_on > clock.today() and done_key not in errors:
            errors[done_key] = [
                _("完成日期 %(date)s 还没有到") % {"date": line.done_on.isoformat()}
            ]
    if invested < 0:
        errors["invested"] = [_("本月完成投资不能为负数")]
    return errors


def settle_actual_dates(phases: list[Phase]) -> None:
    """A phase's actual start and end follow from its rows: it started in the first month
    reported under way (or on its completion date, when earlier), and ended on the date the
    first 已完成 row gives."""
    rows: dict[int, list[PhaseProgress]] = {p.pk: [] for p in phases}
    found = PhaseProgress.objects.filter(phase_id__in=list(rows)).order_by("month")
    for row in found:
        rows[row.phase_id].append(row)
    for phase in phases:
        start, end = actual_dates((r.month, r.status, r.done_on) for r in rows[phase.pk])
        if (phase.actual_start, phase.actual_end) != (start, end):
            phase.actual_start, phase.actual_end = start, end
            phase.save(update_fields=["actual_start", "actual_end", "updated_at"])


def actual_dates(rows) -> tuple[dt.date | None, dt.date | None]:
    """(actual start, actual end) of a phase from its rows, (month, status, done_on) in
    month order."""
    start = end = None
    for month, status, done_on in rows:
        if status == Status.NOT_STARTED:
            continue
        began = done_on if done_on and done_on < month else month
        start = began if start is None else min(start, began)
        if status == Status.DONE and end is None:
            end = done_on
    return start, end


# The office's register ----------------------------------------------------------------------


def _may_keep(user, jurisdiction_id: int | None) -> None:
    if not user.keeps_registers(jurisdiction_id):
        raise PermissionDenied(_("只有本辖区改革办可以登记重点项目"))


@transaction.atomic
def save_project(project: Project, user, *, fields: list[str], request=None) -> Project:
    """Add or change a project (its form's fields), in the office's own jurisdiction."""
    added = project.pk is None
    if added:
        project.jurisdiction_id = user.jurisdiction_id
    _may_keep(user, project.jurisdiction_id)
    project.save()
    record(
        "project_saved",
        actor=user,
        request=request,
        target=project,
        detail={
            "change": "added" if added else "changed",
            "code": project.code,
            "fields": sorted(fields),
            **named(project.jurisdiction),
        },
    )
    return project


@transaction.atomic
def save_phase(phase: Phase, user, *, fields: list[str], request=None) -> Phase:
    """Add or change a phase of a project of the office's own jurisdiction."""
    project = phase.project
    _may_keep(user, project.jurisdiction_id)
    added = phase.pk is None
    phase.save()
    Project.objects.filter(pk=project.pk).update(updated_at=clock.now())
    record(
        "project_saved",
        actor=user,
        request=request,
        target=project,
        detail={
            "change": "phase_added" if added else "phase_changed",
            "code": project.code,
            "phase": phase.code,
            "fields": sorted(fields),
            **named(project.jurisdiction),
        },
    )
    return phase
