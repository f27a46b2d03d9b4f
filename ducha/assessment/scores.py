"""Scores for a year or a quarter, by unit, area or leader, from the boards of its months."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from ducha.boards.publication import month_entries, unit_ratings
from ducha.lib import clock
from ducha.ratings.scoring import Score, score

GROUPS = ("unit", "area", "leader")


def period_months(year: int, quarter: int | None = None, today: dt.date | None = None):
    """The months of the period that have ended (a month is rated once it is over)."""
    today = today or clock.today()
    months = range(1, 13) if quarter is None else range(3 * quarter - 2, 3 * quarter + 1)
    return [dt.date(year, m, 1) for m in months if dt.date(year, m, 1) < today.replace(day=1)]


def scores(
    year: int, quarter: int | None = None, by: str = "unit", today: dt.date | None = None
) -> list[Score]:
    """Published boards count as published; months not yet published count as they stand."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    rows = [row for month in period_months(year, quarter, today) for row in month_entries(month)]
    return score(unit_ratings(rows, by), settings.DUCHA_POINTS)
