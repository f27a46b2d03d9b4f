"""Scores for a year or a quarter, by unit, area or leader, from the boards of its months;
and the counties' own league table, each county scored on the boards of its own ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from django.conf import settings

from ducha.boards.league import below as counties
from ducha.boards.league import league
from ducha.boards.publication import month_entries, unit_ratings
from ducha.lib import clock
from ducha.org.models import Jurisdiction
from ducha.ratings.scoring import Score, score
from ducha.supervision.ladder import deductions

GROUPS = ("unit", "area", "leader", "county")
__all__ = ["GROUPS", "counties", "period_months", "scores"]


def period_months(year: int, quarter: int | None = None, today: dt.date | None = None):
    """The months of the period that have ended (a month is rated once it is over)."""
    today = today or clock.today()
    months = range(1, 13) if quarter is None else range(3 * quarter - 2, 3 * quarter + 1)
    return [dt.date(year, m, 1) for m in months if dt.date(year, m, 1) < today.replace(day=1)]


def scores(
    year: int,
    quarter: int | None = None,
    by: str = "unit",
    today: dt.date | None = None,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> list[Score]:
    """Published boards count as published; months not yet published count as they stand.

    By unit, area or leader: inside `jurisdiction` (None: the home one). By county: the
    jurisdictions directly below it, each scored on its own tasks' rated task-months by the
    same rule (SPEC.md §2) — a league table of its own, never mixed with the departments'
    (boards/league.py, which the city's monthly poster reads too)."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    months = period_months(year, quarter, today)
    if by == "county":
        return league(months, jurisdiction).scores
    rows = [row for month in months for row in month_entries(month, jurisdiction=jurisdiction)]
    result = score(unit_ratings(rows, by), settings.DUCHA_POINTS)
    if by == "unit":
        return deducted(result, deductions(months, jurisdiction))
    return result


@dataclass(frozen=True)
class Deducted(Score):
    """A unit's score less the points of the accountability steps the office confirmed with
    a deduction (问责扣分, off unless a rule sets one); `before` is the score by the marks."""

    deduction: Decimal = Decimal(0)
    before: Decimal = Decimal(0)

    def as_json(self, key: str = "unit") -> dict:
        return super().as_json(key) | {
            "before": float(self.before),
            "deduction": float(self.deduction),
        }


def deducted(result: list[Score], taken: dict[str, Decimal]) -> list[Score]:
    """The scores less each unit's deductions, ranked again in SPEC §2's order. With no
    deduction for any unit scored, `result` itself: the output is what it was without."""
    if not any(s.name in taken for s in result):
        return result
    base = [f.name for f in fields(Score)]
    rows = [
        Deducted(
            **{name: getattr(s, name) for name in base} | {"score": s.score - taken.get(s.name, 0)},
            deduction=Decimal(taken.get(s.name, 0)).quantize(Decimal("0.1")),
            before=s.score,
        )
        for s in result
    ]
    rows.sort(key=lambda s: (-s.score, -s.horse, s.snail, s.name))
    out, rank, last = [], 0, None
    for place, s in enumerate(rows, 1):
        merit = (s.score, s.horse, s.snail)
        if merit != last:
            rank, last = place, merit
        out.append(replace(s, rank=rank))
    return out
