"""Quiet hours: when the quiet period that holds a moment ends (plain data in, no Django)."""

from __future__ import annotations

import datetime as dt


def quiet_until(start: dt.time, end: dt.time, moment: dt.datetime) -> dt.datetime | None:
    """The end of the quiet period from `start` to `end` (local times of day) that holds
    `moment` (an aware local datetime), or None when `moment` is outside it. A period whose
    end comes before its start runs over midnight (22:00–07:00); one that ends where it
    starts is empty."""
    if start == end:
        return None
    t = moment.timetz().replace(tzinfo=None)
    if start < end:
        inside, days = start <= t < end, 0
    elif t >= start:
        inside, days = True, 1  # before midnight: it ends tomorrow
    else:
        inside, days = t < end, 0
    if not inside:
        return None
    day = moment.date() + dt.timedelta(days=days)
    # Wall time on that day in the moment's zone (a zoneinfo zone: that day's offset).
    return dt.datetime.combine(day, end, tzinfo=moment.tzinfo)
