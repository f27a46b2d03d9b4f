"""挂图作战 on other apps' pages: /me/'s list of the key projects the person's unit reports.

A tag of this app's rather than the view's context, so that the reports app never imports
the war map. Three queries for a unit with projects, one for any other person.
"""

from __future__ import annotations

from django import template

from ducha.lib.months import format_month
from ducha.ratings.display import shown
from ducha.warmap import rating, workflow
from ducha.warmap.models import Project

register = template.Library()


@register.inclusion_tag("warmap/_my_projects.html", takes_context=True)
def my_projects(context):
    """The unit's projects with the month's state (reported or not, its mark) and a link
    to report it; `month` is the page's (the month /me/ shows)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    month = context.get("month")
    if user is None or not user.is_unit_member or month is None:
        return {"rows": []}
    projects = list(
        Project.objects.filter(unit_id=user.unit_id, jurisdiction_id=user.jurisdiction_id)
        .exclude(status=Project.Status.CANCELLED)
        .select_related("post")
        .order_by("code")
    )
    if not projects:
        return {"rows": []}
    facts = rating.load(projects, month)
    rows = []
    for p in projects:
        f = facts[p.pk]
        rows.append(
            {
                "project": p,
                "expected": rating.expected(f, month),
                "reported": rating.reported(f, month),
                "mark": shown(rating.rate(f, month).rating),
            }
        )
    return {
        "rows": rows,
        "month": month,
        "month_text": format_month(month),
        "reportable": workflow.reportable(month),
    }
