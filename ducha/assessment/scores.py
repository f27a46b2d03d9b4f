"""Scores for a year or a quarter, by unit, area or leader, from the boards of its months;
and the counties' own league table, each county scored on the boards of its own ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from ducha.boards.league import below as counties
from ducha.boards.league import league
from ducha.boards.publication import lead_units, month_entries, posted, unit_ratings
from ducha.lib import clock
from ducha.org.models import Jurisdiction
from ducha.ratings.scoring import Score, ranked, score
from ducha.supervision.ladder import deductions

GROUPS = ("unit", "area", "leader", "county")
# What each grouping ranks, in a file's words (Chinese), and its key in JSON.
LABELS = {
    "unit": ("牵头单位", "units"),
    "area": ("领域", "areas"),
    "leader": ("分管市领导", "leaders"),
    "county": ("县市区", "counties"),
}
__all__ = ["GROUPS", "LABELS", "counties", "period_months", "scores", "unit_year"]


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
    minimum: int = 0,
    published_only: bool = False,
) -> list[Score]:
    """Published boards count as published; months not yet published count as they stand,
    or not at all when `published_only` (what the public may read: no deductions either).

    By unit, area or leader: inside `jurisdiction` (None: the home one). By county: the
    jurisdictions directly below it, each scored on its own tasks' rated task-months by the
    same rule (SPEC.md §2) — a league table of its own, never mixed with the departments'
    (boards/league.py, which the city's monthly poster reads too).

    `minimum`: only those with at least this many rated task-months are ranked, the others
    follow unranked (scoring.ranked); 0 ranks everyone, as SPEC §2 and §4 say."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    months = period_months(year, quarter, today)
    if by == "county":
        result = league(months, jurisdiction, published_only=published_only).scores
    else:
        rows = [row for month in months for row in entries(month, jurisdiction, published_only)]
        result = score(unit_ratings(rows, by), settings.DUCHA_POINTS)
        if by == "unit" and not published_only:
            result = deducted(result, deductions(months, jurisdiction))
    return ranked(result, minimum) if minimum else result


def entries(
    month: dt.date, jurisdiction: Jurisdiction | None = None, published_only: bool = False
) -> list[dict]:
    """The month's board rows; with `published_only`, none for a month not published."""
    if published_only:
        board = posted(month, jurisdiction=jurisdiction)
        return board["tasks"] if board else []
    return month_entries(month, jurisdiction=jurisdiction)


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
    return ranked(rows)


@dataclass(frozen=True)
class Standing:
    """A unit's year-to-date score and rank at a month's end, and how many were ranked."""

    score: Score | None  # None: no rated task-month yet
    ranked: int


@dataclass(frozen=True)
class UnitYear:
    """One lead unit's year: its tasks' marks month by month, its score in each month alone
    (by the marks), and its year-to-date standing at each month's end under the minimum."""

    name: str
    months: list[dt.date]
    tasks: list[dict]  # {"task", "title", "marks": [a rating or None, for each month]}
    monthly: list[Score | None]
    standings: list[Standing]

    @property
    def current(self) -> Standing | None:
        return self.standings[-1] if self.standings else None


def unit_year(
    name: str,
    year: int,
    today: dt.date | None = None,
    *,
    jurisdiction: Jurisdiction | None = None,
    minimum: int = 0,
) -> UnitYear:
    """The unit named `name` in `year`, from the same boards as `scores` (each month read
    once); its standing at the last month's end is its row of `scores(year, minimum=…)`."""
    months = period_months(year, None, today)
    boards = [month_entries(month, jurisdiction=jurisdiction) for month in months]
    tasks: dict[str, dict] = {}
    for index, rows in enumerate(boards):
        for row in rows:
            if name in lead_units(row):
                blank = {"task": row["task"], "marks": [None] * len(months)}
                task = tasks.setdefault(row["task"], blank)
                task["title"] = row["title"]  # as the newest board says
                task["marks"][index] = row["rating"]

    def own(table: list[Score]) -> Score | None:
        return next((s for s in table if s.name == name), None)

    points = settings.DUCHA_POINTS
    monthly = [own(score(unit_ratings(rows), points)) for rows in boards]
    standings, so_far = [], []
    for index, rows in enumerate(boards):
        so_far += rows
        table = deducted(
            score(unit_ratings(so_far), points), deductions(months[: index + 1], jurisdiction)
        )
        table = ranked(table, minimum)
        standings.append(Standing(own(table), sum(1 for s in table if s.rank is not None)))
    return UnitYear(
        name, months, sorted(tasks.values(), key=lambda t: t["task"]), monthly, standings
    )


def unranked_reason(minimum: int) -> str:
    """What a page or a workbook says beside a unit not ranked (in the active language)."""
    return _("评定任务月数不足%(n)s个，不参与排名") % {"n": minimum}
