"""Next month's likely ostriches and snails, each with its plain reason, from what was known
at the end of the month before (nothing later is read, so a backtest is honest).

The rule is `forecast.rules.forecast` (pure); this module loads a month and names the tasks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ducha.forecast import loading
from ducha.forecast.rules import Thresholds, forecast
from ducha.org.models import Jurisdiction


@dataclass(frozen=True)
class Slip:
    task_code: str
    task_title: str
    lead_unit: str  # the primary lead unit's name
    likely: str  # "ostrich" or "snail" (a key of ducha.ratings.marks.MARKS)
    reasons: tuple[tuple[str, str], ...]  # (machine code, Chinese sentence naming the node)
    task_id: int | None = None
    # Each reason's parts, in the order of `reasons`, for a page in another language.
    parts: tuple[tuple[tuple[str, str], ...], ...] = ()


def likely_slips(month: dt.date, jurisdiction: Jurisdiction | None = None) -> list[Slip]:
    """The tasks likely to be rated ostrich or snail in `month`, from data up to the month
    before it; sorted by task code."""
    return slips(month, loading.Past(jurisdiction))


def slips(month: dt.date, past: loading.Past, limits: Thresholds | None = None) -> list[Slip]:
    """`likely_slips` over months already loaded (the backtest forecasts a year with one)."""
    limits = limits or loading.thresholds()
    lines = loading.task_lines(past.jurisdiction)
    out = []
    for known in past.known(month, limits):
        found = forecast(known, limits)
        if found is None:
            continue
        pk, title, unit = lines.get(known.code, (None, "", ""))
        out.append(
            Slip(
                task_code=known.code,
                task_title=title,
                lead_unit=unit,
                likely=found.likely,
                reasons=tuple((f.code, f.text) for f in found.flags),
                task_id=pk,
                parts=tuple(f.args for f in found.flags),
            )
        )
    return sorted(out, key=lambda s: s.task_code)
