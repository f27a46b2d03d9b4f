"""交办事项 on other apps' pages: the unit's open items on /me/ (what to sign for, what to
answer), a leader's instructions on his /me/, and the office desk's counts with the overdue
listed; and the urgency badge every list shows.

Tags of this app's rather than the pages' views, so that reports and desk never import it.
Each asks the database a fixed number of times, whatever the number of items.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.db.models import Count, Q

from ducha.assignments import urgency
from ducha.assignments.models import Assignment
from ducha.lib import clock

register = template.Library()

# How many open items /me/ and the desk list before linking to the whole list.
SHOWN = 20


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.filter
def urgency_label(grade: str) -> str:
    return urgency.LABELS.get(grade, "")


@register.inclusion_tag("assignments/_badge.html")
def due_badge(grade: str, days: int | None = None):
    """The labelled deadline badge: 临期 · 还有 2 天, 逾期 · 5 天, 按期办结… (`days`: until
    the deadline, negative past it)."""
    n = None
    if days is not None and grade == urgency.NEAR:
        n = days
    elif days is not None and grade == urgency.OVERDUE:
        n = -days
    return {"grade": grade, "label": urgency.LABELS[grade], "n": n}


def _rows(items, today):
    return [(item, item.urgency(today), item.days_left(today)) for item in items]


def _order_by_deadline(found):
    return found.select_related("unit", "leader").order_by("deadline", "number")


@register.inclusion_tag("assignments/_mine.html", takes_context=True)
def my_assignments(context):
    """/me/ of a unit's reporter or head: the unit's open items, soonest deadline first,
    each with what this person should do there (sign for it, answer it). Two queries."""
    user = _user(context)
    if user is None or not user.is_unit_member:
        return {"rows": []}
    found = Assignment.objects.open().filter(
        unit_id=user.unit_id, jurisdiction_id=user.jurisdiction_id
    )
    today = clock.today()
    items = list(_order_by_deadline(found)[:SHOWN])
    total = len(items) if len(items) < SHOWN else found.count()
    rows = [(item, grade, days, _todo(user, item)) for item, grade, days in _rows(items, today)]
    return {"rows": rows, "total": total, "more": total > len(rows)}


def _todo(user, item) -> str:
    if user.can_sign_for(item):
        return "sign"
    if user.can_answer_assignment(item):
        return "answer"
    return ""


@register.inclusion_tag("assignments/_leader.html", takes_context=True)
def leader_assignments(context):
    """/me/ of a city leader: the open items of his instructions, and how many he gave in
    all and how many were closed. Two queries."""
    user = _user(context)
    if user is None or not user.is_city_leader:
        return {"rows": [], "counts": None}
    found = Assignment.objects.visible_to(user)
    counts = found.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(state=Assignment.State.CLOSED)),
        open=Count("pk", filter=~Q(state=Assignment.State.CLOSED)),
    )
    today = clock.today()
    items = list(_order_by_deadline(found.open())[:SHOWN])
    return {
        "rows": _rows(items, today),
        "counts": counts,
        "more": counts["open"] > len(items),
    }


@register.inclusion_tag("assignments/_desk.html", takes_context=True)
def desk_assignments(context):
    """The office desk: the jurisdiction's items counted by state and by urgency (one
    query), and the overdue ones listed (one query)."""
    user = _user(context)
    jurisdiction = context.get("jurisdiction")
    if user is None or jurisdiction is None or not user.sees_everything:
        return {"counts": None}
    today = clock.today()
    near_days = settings.DUCHA_ASSIGNMENT_NEAR_DAYS
    found = Assignment.objects.filter(jurisdiction=jurisdiction)
    counted = {f"state_{s}": Count("pk", filter=Q(state=s)) for s in Assignment.State.values}
    counted |= {
        f"grade_{g}": Count("pk", filter=urgency.between(g, today, near_days))
        for g in urgency.OPEN_GRADES
    }
    counts = found.aggregate(**counted)
    overdue = list(
        _order_by_deadline(found.filter(urgency.between(urgency.OVERDUE, today, near_days)))[:SHOWN]
    )
    own = context.get("own", True)
    return {
        "counts": counts,
        "states": [
            (value, label, counts[f"state_{value}"]) for value, label in Assignment.State.choices
        ],
        "grades": [(g, urgency.LABELS[g], counts[f"grade_{g}"]) for g in urgency.OPEN_GRADES],
        "overdue": _rows(overdue, today),
        "more": counts["grade_overdue"] > len(overdue),
        "j_query": "" if own else f"j={jurisdiction.slug}",
        "can_assign": user.can_assign(jurisdiction.pk),
    }
