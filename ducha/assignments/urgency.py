"""How near an item's deadline is: one grade from (deadline, today, state), shown as a labelled
badge on every page that lists items, and the question `due` asks before warning a unit.

Its own grades and classes, never the four ratings' names or colours: a deadline warning is
not a monthly rating. The function is pure; `between` is the same rule as a database filter
(tested equal to it), for the list's filter and the desk's counts.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NORMAL, NEAR, OVERDUE, CLOSED, CLOSED_LATE = "normal", "near", "overdue", "closed", "closed_late"
GRADES = (NORMAL, NEAR, OVERDUE, CLOSED, CLOSED_LATE)
OPEN_GRADES = (NORMAL, NEAR, OVERDUE)
LABELS = {
    NORMAL: _("正常"),
    NEAR: _("临期"),
    OVERDUE: _("逾期"),
    CLOSED: _("按期办结"),
    CLOSED_LATE: _("逾期办结"),
}


def grade(
    deadline: dt.date,
    today: dt.date,
    *,
    closed: bool,
    closed_on: dt.date | None = None,
    near_days: int = 3,
) -> str:
    """An open item is overdue after its deadline, near from `near_days` days before it up to
    the deadline day itself, normal before that; a closed one was closed on time or late."""
    if closed:
        return CLOSED_LATE if closed_on is not None and closed_on > deadline else CLOSED
    if today > deadline:
        return OVERDUE
    if (deadline - today).days <= near_days:
        return NEAR
    return NORMAL


def between(which: str, today: dt.date, near_days: int) -> Q:
    """The items of grade `which` on `today`, as a filter on Assignment."""
    is_open, near_from = ~Q(state="closed"), today + dt.timedelta(days=near_days)
    return {
        NORMAL: is_open & Q(deadline__gt=near_from),
        NEAR: is_open & Q(deadline__gte=today, deadline__lte=near_from),
        OVERDUE: is_open & Q(deadline__lt=today),
        CLOSED: Q(state="closed", closed_late=False),
        CLOSED_LATE: Q(state="closed", closed_late=True),
    }[which]
