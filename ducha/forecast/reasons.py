"""The forecast's reasons in the reader's language: a Chinese page shows each sentence as the
rules wrote it, an English one says it again from its parts (as ratings/reasons.py does)."""

from __future__ import annotations

from django.utils.translation import get_language, gettext

from ducha.forecast.slips import Slip
from ducha.lib.dates import month_label
from ducha.lib.months import parse_month
from ducha.ratings.display import MARKS

SENTENCES = {
    "overdue": lambda a: (
        gettext(
            "节点%(node)s「%(title)s」应于%(due)s完成，至%(month)s底仍未完成（进度%(percent)s%%）"
        )
        % a
    ),
    "due_low": lambda a: (
        gettext("节点%(node)s「%(title)s」本月到期，上月仍未启动") % a
        if a.get("status") == "not_started"
        else gettext("节点%(node)s「%(title)s」本月到期，上月进度仅%(percent)s%%") % a
    ),
    "still": lambda a: (
        gettext("节点%(node)s「%(title)s」连续%(months)s个月进度没有变化（%(percent)s%%）") % a
    ),
    "history": lambda a: (
        gettext("近%(window)s个月中有%(bad)s个月被评为%(ostrich)s或%(snail)s")
        % {**a, "ostrich": MARKS["ostrich"].name, "snail": MARKS["snail"].name}
    ),
}


def _parts(args: tuple[tuple[str, str], ...]) -> dict:
    parts = dict(args)
    for key in ("month", "due"):
        if parts.get(key):
            parts[key] = month_label(parse_month(parts[key]))
    return parts


def slip_reasons(slip: Slip) -> list[str]:
    """Each reason of `slip` as the reader's language says it."""
    chinese = (get_language() or "zh-hans").startswith("zh")
    out = []
    for k, (code, text) in enumerate(slip.reasons):
        args = slip.parts[k] if k < len(slip.parts) else None
        if chinese or args is None or code not in SENTENCES:
            out.append(text)
            continue
        try:
            out.append(SENTENCES[code](_parts(args)))
        except (KeyError, ValueError):
            out.append(text)
    return out
