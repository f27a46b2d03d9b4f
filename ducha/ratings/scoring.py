"""Unit scores from ratings (SPEC.md §2), as a pure function: no Django here.

A unit's score is the mean of the points of every rated task-month of the tasks it leads,
rounded half-up to one decimal. Units are ordered by score, then more horses, then fewer
snails, then name; a unit's rank is one more than the number of units strictly better on
(score, horses, snails), so ties share a rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from ducha.ratings import marks

DEFAULT_POINTS: Mapping[str, int] = marks.DEFAULT_POINTS


@dataclass(frozen=True)
class Score:
    name: str
    score: Decimal
    rank: int | None  # None: not ranked (fewer rated task-months than the minimum)
    horse: int
    ox: int
    ostrich: int
    snail: int

    @property
    def rated(self) -> int:
        return self.horse + self.ox + self.ostrich + self.snail

    def as_json(self, key: str = "unit") -> dict:
        return {
            key: self.name,
            "score": float(self.score),
            "rank": self.rank,
            "horse": self.horse,
            "ox": self.ox,
            "ostrich": self.ostrich,
            "snail": self.snail,
        }


def score(
    ratings: Iterable[tuple[str, str | None]], points: Mapping[str, int] = DEFAULT_POINTS
) -> list[Score]:
    """(name, rating) pairs, one per task-month, → scores in rank order. None is not rated."""
    counts: dict[str, dict[str, int]] = {}
    for name, rating in ratings:
        if rating is None:
            continue
        if rating not in points:
            raise ValueError(f"unknown rating {rating!r}")
        counts.setdefault(name, dict.fromkeys(points, 0))[rating] += 1

    rows = []
    for name, c in counts.items():
        total = sum(points[r] * n for r, n in c.items())
        mean = (Decimal(total) / Decimal(sum(c.values()))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        rows.append((name, mean, c))

    return ranked(
        Score(name, mean, 0, c["horse"], c["ox"], c["ostrich"], c["snail"])
        for name, mean, c in rows
    )


def ranked(rows: Iterable[Score], minimum: int = 0) -> list[Score]:
    """`rows` in rank order, ranked anew among those with at least `minimum` rated
    task-months (the minimum-count rule: one lucky horse does not top the table); the others
    follow in the same order with their score and counts and no rank (None)."""
    order = sorted(rows, key=lambda s: (-s.score, -s.horse, s.snail, s.name))
    # Sorted by merit first, so the units strictly better than a unit are exactly those
    # before its group of equals.
    out, rank, last = [], 0, None
    for index, s in enumerate(r for r in order if r.rated >= minimum):
        merit = (s.score, s.horse, s.snail)
        if merit != last:
            rank, last = index + 1, merit
        out.append(replace(s, rank=rank))
    return out + [replace(s, rank=None) for s in order if s.rated < minimum]
