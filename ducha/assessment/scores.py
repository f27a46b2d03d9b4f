"""Scores for a year or a quarter, by unit, area or leader, from the boards of its months;
and the counties' own league table, each county scored on the boards of its own ledger."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from ducha.boards.publication import month_entries, unit_ratings
from ducha.lib import clock
from ducha.org.models import Jurisdiction
from ducha.ratings.scoring import Score, score

GROUPS = ("unit", "area", "leader", "county")


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
    same rule (SPEC.md §2) — a league table of its own, never mixed with the departments'."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    months = period_months(year, quarter, today)
    if by == "county":
        ratings = (
            (county.name, row["rating"])
            for county in counties(jurisdiction)
            for month in months
            for row in month_entries(month, jurisdiction=county)
        )
        return score(ratings, settings.DUCHA_POINTS)
    rows = [row for month in months for row in month_entries(month, jurisdiction=jurisdiction)]
    return score(unit_ratings(rows, by), settings.DUCHA_POINTS)


def counties(jurisdiction: Jurisdiction | None = None) -> list[Jurisdiction]:
    """The jurisdictions directly below `jurisdiction` (None: the home one), in order."""
    parent = Jurisdiction.objects.resolve(jurisdiction)
    return list(Jurisdiction.objects.filter(parent=parent).order_by("order", "slug"))
