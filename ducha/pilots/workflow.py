"""改革试点 writes: a pilot registered or edited, its status moved one step, a practice
recorded. One transactional function per write, its audit entry in the same transaction; the
rule (`user.keeps_registers(jurisdiction)`) is asked of the locked row.

A status moves one step forward at a time (已批复 → 推进中 → 已评估 → 已复制推广); the
office undoes a mistaken step by moving it one step back, which forgets the date the undone
status was reached on. The step asked for names the status it goes to, so that a form
served before someone else's step is refused rather than taking two."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.lib import clock
from ducha.org.models import named
from ducha.pilots.models import Pilot, Practice

Status = Pilot.Status
PILOT_FIELDS = (
    "title",
    "level",
    "approving_body",
    "approval_number",
    "approved_on",
    "area",
    "lead_unit",
    "evaluation_due",
    "evaluation_summary",
)
PRACTICE_FIELDS = ("title", "description", "scope", "promoted_on")


class PilotError(Exception):
    """A step the pilot's state refuses; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _require(user, jurisdiction_id: int) -> None:
    if not user.keeps_registers(jurisdiction_id):
        raise PermissionDenied(_("只有本辖区改革办可以维护改革试点"))


def _detail(pilot: Pilot, **more) -> dict:
    return {"level": pilot.level, "status": pilot.status, **named(pilot.jurisdiction), **more}


def _locked(pilot: Pilot) -> Pilot:
    return (
        Pilot.objects.select_for_update(of=("self",))
        .select_related("jurisdiction")
        .get(pk=pilot.pk)
    )


@transaction.atomic
def save_pilot(pilot: Pilot, user, data: dict, tasks, *, request=None) -> Pilot:
    """Register `pilot` (unsaved, its jurisdiction set) or save the changes in `data` (the
    form's cleaned fields) and its linked tasks."""
    _require(user, pilot.jurisdiction_id)
    added = pilot.pk is None
    if not added:
        pilot = _locked(pilot)
    changed = [f for f in PILOT_FIELDS if f in data and (added or getattr(pilot, f) != data[f])]
    for field in PILOT_FIELDS:
        if field in data:
            setattr(pilot, field, data[field])
    pilot.save()
    task_ids = sorted(t.pk for t in tasks)
    before = sorted(pilot.tasks.values_list("pk", flat=True)) if not added else []
    if task_ids != before:
        pilot.tasks.set(task_ids)
        changed.append("tasks")
    record(
        "pilot_saved",
        actor=user,
        request=request,
        target=pilot,
        detail=_detail(pilot, change="added" if added else "changed", fields=changed),
    )
    return pilot


@transaction.atomic
def step(
    pilot: Pilot,
    user,
    to: str,
    *,
    on: dt.date | None = None,
    summary: str = "",
    request=None,
) -> Pilot:
    """Move the pilot to `to`: the next status (reached `on`, today by default; an
    evaluation needs its conclusion), or back to the previous one."""
    pilot = _locked(pilot)
    _require(user, pilot.jurisdiction_id)
    old = pilot.status
    if to == pilot.next_status:
        on = on or clock.today()
        if on > clock.today():
            raise PilotError(_("日期不能晚于今天"), "on")
        since = getattr(pilot, Pilot.REACHED_ON[old])
        if since and on < since:
            raise PilotError(
                _("日期不能早于“%(s)s”的日期（%(d)s）")
                % {"s": pilot.get_status_display(), "d": since.isoformat()},
                "on",
            )
        summary = summary.strip()
        if to == Status.EVALUATED:
            if not summary:
                raise PilotError(_("请填写评估结论"), "summary")
            pilot.evaluation_summary = summary
        if to == Status.PROMOTED and not pilot.practices.exists():
            raise PilotError(_("请先登记至少一条可复制推广经验"))
        setattr(pilot, Pilot.REACHED_ON[to], on)
        back = False
    elif to == pilot.previous_status:
        setattr(pilot, Pilot.REACHED_ON[old], None)
        back = True
    else:
        raise PilotError(
            _("试点当前状态为“%(now)s”，不能变更为“%(to)s”：状态只能逐级推进，或撤销上一步")
            % {
                "now": pilot.get_status_display(),
                "to": Status(to).label if to in Status.values else to[:20],
            }
        )
    pilot.status = to
    pilot.save()
    record(
        "pilot_status_changed",
        actor=user,
        request=request,
        target=pilot,
        detail=_detail(pilot, old=old, back=back),
    )
    return pilot


@transaction.atomic
def save_practice(practice: Practice, user, data: dict, *, request=None) -> Practice:
    """Record a pilot's practice (unsaved, its pilot set) or save changes to one."""
    pilot = _locked(practice.pilot)
    _require(user, pilot.jurisdiction_id)
    added = practice.pk is None
    if not added:  # as stored: a bound form has already written its values on `practice`
        practice = Practice.objects.get(pk=practice.pk, pilot=pilot)
    changed = [f for f in PRACTICE_FIELDS if f in data and getattr(practice, f) != data[f]]
    for field in PRACTICE_FIELDS:
        if field in data:
            setattr(practice, field, data[field])
    practice.pilot = pilot
    practice.save()
    pilot.save(update_fields=["updated_at"])  # its public pages show the practice
    record(
        "pilot_saved",
        actor=user,
        request=request,
        target=pilot,
        detail=_detail(
            pilot,
            change="practice_added" if added else "practice_changed",
            practice=practice.title,
            fields=changed,
        ),
    )
    return practice
