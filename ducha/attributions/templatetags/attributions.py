"""延误归因 on other apps' pages: /me/'s count of claims awaiting the unit's answer, the
report page's claim links, and the accepted attributions beside a published override on the
public task page and board.

Tags of this app's rather than the views' context, so that the boards and the reports (below
attributions) never import it. The public pages ask the database only when a published
override is an attribution's (its reason starts with PREFIX), then once for the whole page:
their query counts stay what they were, and constant.
"""

from __future__ import annotations

from django import template

from ducha.attributions.models import PREFIX, Attribution
from ducha.lib.months import parse_month

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("attributions/_awaiting.html", takes_context=True)
def awaiting_answer(context):
    """/me/: how many claims wait for the person's unit to answer (one query)."""
    user = _user(context)
    if user is None or not user.is_unit_member:
        return {"count": 0}
    found = Attribution.objects.awaiting_answer_of(user.unit_id)
    return {"count": found.filter(jurisdiction_id=user.jurisdiction_id).count()}


@register.simple_tag(takes_context=True)
def can_claim_delay(context, task) -> bool:
    """The report page: may this person claim a delay on the task (which has co-units)?"""
    user = _user(context)
    if user is None or not user.is_authenticated or not user.can_claim_delay(task):
        return False
    return task.co_unit_links.exists()


@register.inclusion_tag("attributions/_task_attributions.html")
def task_attributions(task, history):
    """The public task page: accepted attributions of the months whose published override
    is theirs, with the months' labels."""
    wanted = {
        h["month"]: h["reason"] for h in history if (h.get("reason") or "").startswith(PREFIX)
    }
    if not wanted:
        return {"rows": []}
    found = Attribution.objects.filter(task=task, month__in=list(wanted))
    rows = [
        a
        for a in found.filter(state=Attribution.State.ACCEPTED)
        .select_related("node", "unit", "override")
        .order_by("month", "pk")
        if a.override is not None and wanted.get(a.month) == a.override.reason
    ]
    return {"rows": rows}


@register.simple_tag
def board_attributions(groups, month_text: str, base: str) -> dict[str, list[Attribution]]:
    """The board: {task code: accepted attributions shown beside its reasons}, for the rows
    whose published override is an attribution's; one query for the whole board."""
    wanted = {
        row["task"]: row["override"]["reason"]
        for group in groups
        for row in group["rows"]
        if row.get("override") and (row["override"].get("reason") or "").startswith(PREFIX)
    }
    if not wanted:
        return {}
    try:
        month = parse_month(month_text)
    except ValueError:
        return {}
    found = Attribution.objects.filter(
        state=Attribution.State.ACCEPTED, month=month, task__code__in=list(wanted)
    )
    if base.startswith("/j/"):
        found = found.filter(jurisdiction__slug=base.removeprefix("/j/").strip("/"))
    else:
        found = found.filter(jurisdiction__home=True)
    out: dict[str, list[Attribution]] = {}
    for a in found.select_related("task", "node", "unit", "override").order_by("pk"):
        if a.override is not None and wanted.get(a.task.code) == a.override.reason:
            out.setdefault(a.task.code, []).append(a)
    return out


@register.filter
def attributions_of(found: dict, code: str) -> list[Attribution]:
    return found.get(code, []) if found else []
