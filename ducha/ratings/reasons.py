"""Rating reasons in the reader's language.

The rules write each reason as a Chinese sentence (what a published board records) plus its
parts. A Chinese page shows the sentence as written; an English page says it again from the
parts. A reason without parts (a board published before they were recorded) stays Chinese.
"""

from __future__ import annotations

from django.utils.translation import get_language, gettext, pgettext

from ducha.lib.dates import month_label
from ducha.lib.months import parse_month
from ducha.ratings.display import shown

# The Chinese sentence of each code with its parts as placeholders: the English catalogue
# translates these.
SENTENCES = {
    "not_active": lambda a: gettext("任务已%(status)s，不参与评价") % a,
    "no_nodes": lambda a: gettext("任务没有节点，不参与评价"),
    "not_started": lambda a: gettext("任务自%(start)s起参与评价") % a,
    "all_done": lambda a: gettext("全部节点已于此前完成，不再参与评价"),
    "not_reported": lambda a: gettext("%(month)s未报送进展") % a,
    "overdue": lambda a: (
        gettext("节点%(node)s「%(title)s」应于%(due)s完成，至%(month)s底未完成") % a
    ),
    "no_progress": lambda a: gettext("本月没有实质进展"),
    "on_track": lambda a: gettext("已报送进展，节点均未到期，按计划推进"),
    "late": lambda a: gettext("节点%(node)s「%(title)s」应于%(due)s完成，%(month)s才完成") % a,
    "early": lambda a: gettext("节点%(node)s「%(title)s」计划%(due)s完成，%(month)s提前完成") % a,
    "on_time": lambda a: gettext("节点%(node)s「%(title)s」按期于%(month)s完成") % a,
    "override": lambda a: gettext("改革办将评价由%(from)s调整为%(to)s：%(reason)s") % a,
}
PROGRESS = {
    "done": lambda a: gettext("节点%(node)s本月完成") % a,
    "percent": lambda a: gettext("节点%(node)s进度由%(before)s%%提高到%(now)s%%") % a,
    "started": lambda a: gettext("节点%(node)s本月启动") % a,
}
STATUS = {
    "suspended": lambda: pgettext("task status", "暂停"),
    "cancelled": lambda: pgettext("task status", "取消"),
}


def _parts(args: dict) -> dict:
    parts = dict(args)
    for key in ("month", "due", "start"):
        if parts.get(key):
            parts[key] = month_label(parse_month(parts[key]))
    for key in ("from", "to"):
        if key in parts:
            parts[key] = shown(parts[key] or None).name
    if "status" in parts:
        parts["status"] = STATUS.get(parts["status"], lambda: parts["status"])()
    return parts


def reason_text(reason: dict) -> str:
    """One reason ({"code", "text", "args"}) as the reader's language says it."""
    if (get_language() or "zh-hans").startswith("zh") or "args" not in reason:
        return reason["text"]
    args = reason["args"]
    try:
        if reason["code"] == "progress":
            return PROGRESS[args["how"]](_parts(args))
        return SENTENCES[reason["code"]](_parts(args))
    except (KeyError, ValueError):  # a code or part this version does not know
        return reason["text"]


def reason_texts(reasons: list[dict]) -> list[str]:
    return [reason_text(r) for r in reasons]
