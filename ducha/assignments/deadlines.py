"""Deadline warnings of 交办事项, for `ducha tick`: the unit is told once when an item it still
owes (not signed for, being handled, or returned) comes near its deadline, and once when it
passes it (the office too). What was sent is marked on the item, and the message's key is the
item's, so a second run sends nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ducha.assignments import urgency
from ducha.assignments.models import Assignment
from ducha.assignments.workflow import url
from ducha.lib import clock
from ducha.notify.api import send
from ducha.org.models import User

BY_TICK = "ducha tick"
OWED = (Assignment.State.ISSUED, *Assignment.AWAITING_ANSWER)


def due(now: dt.datetime) -> list[str]:
    """Warn of the items that became near or overdue since the last run. The lines to print."""
    today = clock.local(now).date()
    owed = Assignment.objects.filter(state__in=OWED)
    near = owed.graded(urgency.NEAR, today).filter(near_warned_on__isnull=True)
    overdue = owed.graded(urgency.OVERDUE, today).filter(overdue_warned_on__isnull=True)
    lines = [_warn(pk, today, urgency.NEAR) for pk in near.values_list("pk", flat=True)]
    lines += [_warn(pk, today, urgency.OVERDUE) for pk in overdue.values_list("pk", flat=True)]
    return [line for line in lines if line]


@transaction.atomic
def _warn(pk: int, today: dt.date, which: str) -> str:
    item = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("unit", "jurisdiction")
        .get(pk=pk)
    )
    field = "near_warned_on" if which == urgency.NEAR else "overdue_warned_on"
    if item.state not in OWED or item.urgency(today) != which or getattr(item, field):
        return ""  # answered, or warned by another tick, meanwhile
    setattr(item, field, today)
    item.save(update_fields=[field])
    number, unit = item.document_number, item.unit.name
    people = list(User.objects.of_units([item.unit_id]))
    if which == urgency.NEAR:
        days = item.days_left(today)
        subject = f"交办事项临期提醒：{number}「{item.title}」还有 {days} 天到期"
        body = (
            f"交办事项{number}「{item.title}」的办理时限是{item.deadline:%Y-%m-%d}，"
            f"还有 {days} 天。请按时办理并反馈。"
        )
        line = f"交办事项 {number}（{unit}）临期，已提醒"
    else:
        people += User.objects.offices_of(item.jurisdiction)
        subject = f"交办事项逾期：{number}「{item.title}」"
        body = (
            f"交办事项{number}「{item.title}」的办理时限{item.deadline:%Y-%m-%d}已过，"
            f"{unit}尚未反馈办理情况，请立即办理并反馈。"
        )
        line = f"交办事项 {number}（{unit}）逾期，已提醒"
    send(
        people,
        kind=f"assignment_{which}",
        subject=subject,
        body=body,
        key=f"assignment:{item.pk}:{which}",
        url=url(item),
        jurisdiction=item.jurisdiction,
        by_name=BY_TICK,
        units=[item.unit_id],
    )
    return line
