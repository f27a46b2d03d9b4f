"""The task page's 督办 section: the task's notices, for those who may read them.

A tag of this app's rather than a view's context, so that the boards (below supervision)
never import it. Nothing is asked of the database for a visitor who is not signed in: the
public page stays the same page, cached whole.
"""

from django import template

from ducha.lib import clock
from ducha.supervision.models import Notice

register = template.Library()


@register.inclusion_tag("supervision/_task_notices.html", takes_context=True)
def task_notices(context, task):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shown": False}
    today = clock.today()
    found = Notice.objects.visible_to(user).filter(task=task).select_related("unit")
    rows = [(n, n.is_overdue(today)) for n in found.order_by("-created_at", "-pk")]
    return {
        "shown": bool(rows) or user.runs(task.jurisdiction_id),
        "rows": rows,
        "task": task,
        "can_draft": user.runs(task.jurisdiction_id),
    }
