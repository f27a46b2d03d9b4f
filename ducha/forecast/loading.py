"""The ORM side of the forecast: what the end of a month knew, in a few bulk queries.

The node histories come from the rating's own loader (`ratings.facts.load_facts`: for month
M, every node summarised over the rows of months before M, whatever M's own rows say), the
past ratings from the published boards (computed only for a month not yet published). Each
month is loaded once per `Past`, so a year's backtest reads every month once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from ducha.boards.publication import posted
from ducha.forecast.rules import Known, Thresholds
from ducha.ledger.models import Task
from ducha.lib.months import add_months, index
from ducha.org.models import Jurisdiction, of_jurisdiction
from ducha.ratings.facts import load_facts
from ducha.ratings.monthly import rate_month
from ducha.ratings.rules import MonthFacts


def thresholds() -> Thresholds:
    """The defaults, but for the 进度 an office calls too low a month before the due month."""
    return Thresholds(low_percent=settings.DUCHA_FORECAST_LOW_PERCENT)


class Past:
    """The months before a forecast month of one jurisdiction (None: the home one), each
    read once: the node histories as of a month's start, and the ratings of a month."""

    def __init__(self, jurisdiction: Jurisdiction | None = None):
        # The home jurisdiction as None: its boards and tasks, without a join for naming it.
        self.jurisdiction = None if jurisdiction is None or jurisdiction.home else jurisdiction
        self._facts: dict[dt.date, dict[str, MonthFacts]] = {}
        self._ratings: dict[dt.date, dict[str, str | None]] = {}

    def before(self, month: dt.date) -> dict[str, MonthFacts]:
        """Each task as the start of `month` knows it: `history` covers the months before it
        (`current`, the month's own rows, is there too and must not be read)."""
        if month not in self._facts:
            facts = load_facts(month, jurisdiction=self.jurisdiction)
            self._facts[month] = {f.code: f for f in facts}
        return self._facts[month]

    def ratings(self, month: dt.date) -> dict[str, str | None]:
        """The month's ratings as published (the latest version), or as they stand now when
        it is not published."""
        if month not in self._ratings:
            board = posted(month, jurisdiction=self.jurisdiction)
            if board is not None:
                found = {t["task"]: t["rating"] for t in board["tasks"]}
            else:
                found = {
                    r.task: r.rating for r in rate_month(month, jurisdiction=self.jurisdiction)
                }
            self._ratings[month] = found
        return self._ratings[month]

    def known(self, month: dt.date, limits: Thresholds) -> list[Known]:
        """Every task of the jurisdiction as the end of the month before `month` knew it."""
        now = self.before(month)
        earlier = self.before(add_months(month, -limits.still_months))
        past = [self.ratings(add_months(month, -k)) for k in range(limits.window, 0, -1)]
        return [
            Known(
                code=code,
                nodes=f.nodes,
                month=index(month),
                history=f.history,
                earlier=earlier[code].history if code in earlier else {},
                ratings=tuple(r.get(code) for r in past),
                start=f.start,
                status=f.status,
            )
            for code, f in now.items()
        ]


def task_lines(jurisdiction: Jurisdiction | None = None) -> dict[str, tuple[int, str, str]]:
    """Each task's (id, title, primary lead unit's name) by code, in one query."""
    rows = Task.objects.filter(of_jurisdiction(jurisdiction)).values_list(
        "code", "id", "title", "lead_unit__name"
    )
    return {code: (pk, title, unit) for code, pk, title, unit in rows}
