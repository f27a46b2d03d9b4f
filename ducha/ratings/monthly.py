"""A month's ratings as the office sees them: the rules' results with overrides applied."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.lib.dates import month_label
from ducha.org.models import Jurisdiction, of_jurisdiction
from ducha.ratings import inputs, marks, rules
from ducha.ratings.facts import load_facts
from ducha.ratings.models import Override


@dataclass(frozen=True)
class TaskRating:
    task: str
    rating: str | None  # what is in force: the override if there is one
    computed: str | None  # what the rules say
    reasons: tuple[rules.Reason, ...]
    facts: rules.MonthFacts
    override: Override | None = None

    @property
    def expected(self) -> bool:
        """Expected to report this month: exactly when the rules rate the task (SPEC §2)."""
        return self.computed is not None

    @property
    def reported(self) -> bool:
        """The month has progress rows, approved online or imported from a spreadsheet."""
        return bool(self.facts.current)

    def as_json(self) -> dict:
        return {
            "task": self.task,
            "rating": self.rating,
            "reasons": [{"code": r.code, "text": r.text} for r in self.reasons],
        }


def _override_reason(o: Override) -> rules.Reason:
    was, now = marks.name(o.computed or None), marks.name(o.rating or None)
    args = (("from", o.computed or ""), ("to", o.rating or ""), ("reason", o.reason))
    return rules.Reason("override", f"改革办将评价由{was}调整为{now}：{o.reason}", args)


# Recent results by (inputs version, month, jurisdiction, task ids): the desk, /me/ and the
# publication check rate the same month again and again between two writes. Process-local,
# unpickled.
_recent: OrderedDict[tuple, list[TaskRating]] = OrderedDict()
RECENT = 64


def forget() -> None:
    _recent.clear()


def rate_month(
    month: dt.date, tasks=None, jurisdiction: Jurisdiction | None = None
) -> list[TaskRating]:
    """Every task's rating for `month`, sorted by task code: the tasks of `jurisdiction`
    (None: the home one), or those of `tasks`, a queryset (which names its own tasks,
    whatever their jurisdiction, unless `jurisdiction` is given too).

    Five queries; none but the version's when the month was rated since the last write to
    anything a rating reads. Inside a transaction (publishing, overriding) always computed."""
    ids = None if tasks is None else tuple(sorted(tasks.values_list("id", flat=True)))
    if jurisdiction is not None and jurisdiction.home and ids is None:
        jurisdiction = None  # the same tasks as None: one cache entry, and no join needed
    seen = inputs.version()
    scope = None if jurisdiction is None else jurisdiction.pk
    key = (seen, month, scope, ids)
    # get() and tolerated misses: a threaded server's other thread may evict meanwhile.
    hit = _recent.get(key) if seen is not None else None
    if hit is not None:
        with contextlib.suppress(KeyError):
            _recent.move_to_end(key)
        return hit
    out = _rate(month, ids, jurisdiction)
    # Keep it only if nothing was written while it was read: then it is one committed state.
    if seen is not None and inputs.version() == seen:
        _recent[key] = out
        while len(_recent) > RECENT:
            with contextlib.suppress(KeyError):
                _recent.popitem(last=False)
    return out


def _rate(
    month: dt.date, ids: tuple[int, ...] | None, jurisdiction: Jurisdiction | None
) -> list[TaskRating]:
    facts = load_facts(month, None if ids is None else list(ids), jurisdiction=jurisdiction)
    # Task codes are unique within a jurisdiction only: the overrides of the same tasks.
    chosen = Override.objects.filter(month=month)
    if ids is not None:
        chosen = chosen.filter(task_id__in=ids)
    if ids is None or jurisdiction is not None:
        chosen = chosen.filter(of_jurisdiction(jurisdiction, "task__"))
    overrides: dict[str, Override] = {}
    for o in chosen.select_related("task").order_by("id"):
        overrides[o.task.code] = o  # the latest row wins
    out = []
    for task in facts:
        result = rules.decide(task)
        o = overrides.get(task.code)
        if o is not None and o.rating:
            reasons = (*result.reasons, _override_reason(o))
            out.append(TaskRating(task.code, o.rating, result.rating, reasons, task, o))
        else:
            out.append(TaskRating(task.code, result.rating, result.rating, result.reasons, task))
    return out


@transaction.atomic
def override_rating(
    task, month: dt.date, rating: str, reason: str, by=None, by_name: str = "", request=None
) -> Override:
    """Set (or with a blank rating, withdraw) the office's rating of `task` for `month`."""
    reason = reason.strip()
    if not reason:
        raise ValueError(_("调整评价必须写明理由"))
    if rating and rating not in rules.RATINGS:
        raise ValueError(_("「%(rating)s」不是四色评价之一") % {"rating": rating})
    computed = next(iter(rate_month(month, type(task).objects.filter(pk=task.pk)))).computed
    if rating and computed is None:
        raise ValueError(
            _("%(code)s 在 %(month)s 不参与评价，不能调整")
            % {"code": task.code, "month": month_label(month)}
        )
    override = Override.objects.create(
        task=task,
        month=month,
        computed=computed or "",
        rating=rating,
        reason=reason,
        by=by,
        by_name=by_name,
    )
    record(
        "rating_overridden",
        actor=by,
        actor_name=by_name,
        request=request,
        target=task,
        detail={"month": f"{month:%Y-%m}", "from": computed, "to": rating, "reason": reason},
    )
    return override
