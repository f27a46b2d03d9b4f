"""What a rule, a reason and the marks behind a proposal or notice say, in the reader's
language (the documents render them in Chinese, under `translation.override`). The marks'
names come from ratings/display.py, never spelt here."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ducha.lib.dates import month_label
from ducha.lib.months import parse_month
from ducha.ratings.display import shown
from ducha.supervision import conditions


def _month(text: str) -> str:
    try:
        return month_label(parse_month(text))
    except (TypeError, ValueError):
        return str(text)


def _mark(key: str | None) -> str:
    return str(shown(key).name)


def _join(items) -> str:
    return _("、").join(items)


def rule_condition(kind: str, mark: str, count: int) -> str:
    """The condition of a rule: 连续 2 个月评为“<mark>”."""
    words = {"n": count, "mark": _mark(mark)}
    if kind == conditions.STREAK:
        return _("连续 %(n)s 个月评为“%(mark)s”") % words
    if kind == conditions.IN_YEAR:
        return _("同一年内 %(n)s 次评为“%(mark)s”") % words
    return _("节点逾期超过 %(n)s 个月仍未完成") % words


def reason(item: dict) -> str:
    """One reason of a proposal or notice, as a sentence."""
    kind = item.get("kind")
    months = [_month(m) for m in item.get("months") or []]
    words = {"n": item.get("count", ""), "mark": _mark(item.get("mark"))}
    if kind == conditions.STREAK and months:
        words |= {"first": months[0], "last": months[-1]}
        return _("%(first)s至%(last)s连续 %(n)s 个月评为“%(mark)s”") % words
    if kind == conditions.IN_YEAR and months:
        words["months"] = _join(months)
        return _("同一年内第 %(n)s 次评为“%(mark)s”（%(months)s）") % words
    if kind == conditions.NODE_OVERDUE:
        nodes = [
            _("节点“%(code)s %(title)s”（完成时限%(due)s）")
            % {"code": n.get("code", ""), "title": n.get("title", ""), "due": _month(n.get("due"))}
            for n in item.get("nodes") or []
            if isinstance(n, dict)
        ]
        words["nodes"] = _join(nodes)
        if months:
            words["month"] = months[-1]
            return _("%(nodes)s至%(month)s逾期超过 %(n)s 个月仍未完成") % words
        return _("%(nodes)s逾期超过 %(n)s 个月仍未完成") % words
    return str(item.get("text", ""))


def reasons(items: list[dict]) -> list[str]:
    return [reason(item) for item in items if isinstance(item, dict)]


def marks(triggers: list[dict]) -> str:
    """The published marks behind a proposal or notice: 2021年5月“<mark>”、2021年6月“<mark>”."""
    return _join(
        _("%(month)s“%(mark)s”") % {"month": _month(t.get("month")), "mark": _mark(t.get("rating"))}
        for t in triggers
        if isinstance(t, dict)
    )
