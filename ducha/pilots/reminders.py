"""Evaluation deadlines, for `ducha tick`: a pilot awaiting evaluation is brought to its lead
unit's members and its jurisdiction's office once when its deadline comes within
DUCHA_PILOT_REMIND_DAYS days, and once more when the deadline has passed unevaluated.

What was sent is the message itself: its key names the pilot, the deadline and which of
the two it is (notify.api.send writes a key once). A deadline moved later is a new deadline,
reminded afresh."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from ducha.lib import clock
from ducha.lib.months import format_day_zh
from ducha.notify.api import send
from ducha.notify.models import Message
from ducha.org.models import User
from ducha.pilots.models import Pilot

BY_TICK = "ducha tick"
NEAR, PAST = "near", "past"


def _key(pilot: Pilot, which: str) -> str:
    return f"pilot:{pilot.pk}:evaluation:{pilot.evaluation_due.isoformat()}:{which}"


def due(now: dt.datetime) -> list[str]:
    """Send the reminders due at `now`; the lines to print (none when nothing was due or
    all of it was sent before)."""
    today = clock.local(now).date()
    days = settings.DUCHA_PILOT_REMIND_DAYS
    wanted = [
        *((p, NEAR) for p in Pilot.objects.evaluation_near(today, days)),
        *((p, PAST) for p in Pilot.objects.evaluation_past(today)),
    ]
    if not wanted:
        return []
    sent = set(
        Message.objects.filter(key__in=[_key(p, w) for p, w in wanted]).values_list(
            "key", flat=True
        )
    )
    lines = []
    for pilot, which in wanted:
        if _key(pilot, which) not in sent and _remind(pilot.pk, which, today):
            lines.append(_line(pilot, which, today))
    return lines


def _line(pilot: Pilot, which: str, today: dt.date) -> str:
    days = (pilot.evaluation_due - today).days
    if which == PAST:
        return f"改革试点「{pilot.title}」评估已逾期 {-days} 天，已提醒"
    return f"改革试点「{pilot.title}」距评估期限还有 {days} 天，已提醒"


@transaction.atomic
def _remind(pk: int, which: str, today: dt.date) -> bool:
    pilot = Pilot.objects.select_related("lead_unit", "jurisdiction").get(pk=pk)
    due_on = format_day_zh(pilot.evaluation_due)
    if which == PAST:
        subject = f"改革试点评估已逾期：{pilot.title}"
        body = (
            f"{pilot.get_level_display()}改革试点「{pilot.title}」（牵头单位：{pilot.lead_unit.name}）"
            f"的评估期限为{due_on}，至今尚未完成评估，请抓紧组织评估并报改革办。"
        )
    else:
        days = (pilot.evaluation_due - today).days
        subject = f"改革试点评估临近：{pilot.title}（{due_on}）"
        body = (
            f"{pilot.get_level_display()}改革试点「{pilot.title}」（牵头单位：{pilot.lead_unit.name}）"
            f"的评估期限为{due_on}，还有 {days} 天，请提前做好评估准备。"
        )
    people = [
        *User.objects.of_units([pilot.lead_unit_id]),
        *User.objects.offices_of(pilot.jurisdiction),
    ]
    _message, new = send(
        people,
        kind=f"pilot_evaluation_{which}",
        subject=subject,
        body=body,
        key=_key(pilot, which),
        url=f"/pilots/{pilot.pk}/",
        jurisdiction=pilot.jurisdiction,
        by_name=BY_TICK,
        units=[pilot.lead_unit_id],
    )
    return new
