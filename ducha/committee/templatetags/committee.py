"""The committee on other apps' pages: the origin of a task that tracks a meeting's
decision ("来源：市委深改委2021年第2次会议决定：…"), on the public task page and the report
page. A tag of this app's, so that the boards and the reports never import it; one query."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ducha.committee.models import Decision

register = template.Library()


@register.inclusion_tag("committee/_origin.html", takes_context=True)
def task_origin(context, task):
    """The decisions `task` tracks (as a new task or a follow-up), oldest meeting first,
    each linking to its meeting for those who may read it (an anonymous visitor never: his
    page is the one cached for everyone)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    found = (
        Decision.objects.filter(task_id=task.pk)
        .select_related("meeting__jurisdiction")
        .order_by("meeting__held_on", "meeting__number", "order", "pk")
    )
    rows = []
    for decision in found:
        meeting = decision.meeting
        reads = user is not None and user.is_authenticated
        url = reverse("committee:meeting", args=[meeting.pk])
        rows.append(
            {
                "decision": decision,
                "meeting": meeting.named,
                "url": url if reads and user.reads_committee(meeting.jurisdiction_id) else "",
            }
        )
    return {"rows": rows}
