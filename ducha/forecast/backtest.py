"""How the forecast would have done: each published month M of a year forecast from the
data up to M-1 and checked against M's board (positive: ostrich or snail)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter
from ducha.forecast import loading
from ducha.forecast.rules import SLIPPING, Thresholds
from ducha.forecast.slips import slips
from ducha.lib.months import format_month
from ducha.org.models import Jurisdiction


@dataclass(frozen=True)
class Score:
    month: dt.date | None  # None: the year's totals
    predicted: int
    actual: int
    hits: int

    @property
    def precision(self) -> float | None:
        """Of the tasks flagged, the share that slipped (percent); None when none flagged."""
        return 100 * self.hits / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Of the tasks that slipped, the share flagged (percent); None when none slipped."""
        return 100 * self.hits / self.actual if self.actual else None

    def as_json(self) -> dict:
        return {
            "month": None if self.month is None else format_month(self.month),
            "predicted": self.predicted,
            "actual": self.actual,
            "hits": self.hits,
            "precision": _rounded(self.precision),
            "recall": _rounded(self.recall),
        }


def _rounded(share: float | None) -> float | None:
    return None if share is None else round(share, 1)


@dataclass(frozen=True)
class Backtest:
    year: int
    months: tuple[Score, ...]

    @property
    def total(self) -> Score:
        return Score(
            None,
            sum(s.predicted for s in self.months),
            sum(s.actual for s in self.months),
            sum(s.hits for s in self.months),
        )

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "months": [s.as_json() for s in self.months],
            "total": self.total.as_json(),
        }


def published_months(year: int, jurisdiction: Jurisdiction | None = None) -> list[dt.date]:
    return sorted(
        set(
            Publication.objects.filter(chain_filter(jurisdiction), month__year=year).values_list(
                "month", flat=True
            )
        )
    )


def backtest(
    year: int, jurisdiction: Jurisdiction | None = None, limits: Thresholds | None = None
) -> Backtest:
    """Every published month of `year`: forecast from the months before, checked against its
    latest published board. Each month is read once, whatever the year's length."""
    limits = limits or loading.thresholds()
    past = loading.Past(jurisdiction)
    scores = []
    for month in published_months(year, jurisdiction):
        flagged = {s.task_code for s in slips(month, past, limits)}
        slipped = {code for code, r in past.ratings(month).items() if r in SLIPPING}
        scores.append(Score(month, len(flagged), len(slipped), len(flagged & slipped)))
    return Backtest(year, tuple(scores))
