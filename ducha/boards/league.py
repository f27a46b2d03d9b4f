"""The league table of the jurisdictions right below one — a city's counties (县市区) — each
ranked by the rule of SPEC.md §2 on its own tasks' ratings, read from its own boards: a
month it has published as published; a month it has not as it stands for the office's
yearly table, and not at all on a public poster or workbook.

A table of its own, never rows among the lead units' (boards/units.py): a county is not
measured against a city department. The city ledger's units of the kind "county" (a
county's government leading a city task) stay where they are, among the city's lead units;
this table scores each county on its own ledger. The assessment's yearly table
(`ducha scores --by county`, /office/counties/) and the city's monthly poster and workbook
are both this one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings

from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, month_entries
from ducha.ledger.cascade import children
from ducha.lib.months import format_month
from ducha.org.models import Jurisdiction
from ducha.ratings.scoring import Score, score

# What the jurisdictions below are called in a heading, by their level; 县（市、区） is how a
# city's notices name its counties.
BELOW_NAMES = {Jurisdiction.Level.COUNTY: "县（市、区）", Jurisdiction.Level.CITY: "市"}


@dataclass(frozen=True)
class League:
    below: list[Jurisdiction]  # every jurisdiction right below, in its order
    scores: list[Score]  # in rank order; those with no rated task-month are not ranked
    unpublished: frozenset[str]  # the names of those counted (in part) as they stand

    @property
    def unrated(self) -> list[Jurisdiction]:
        ranked = {s.name for s in self.scores}
        return [j for j in self.below if j.name not in ranked]

    @property
    def heading_name(self) -> str:
        """县（市、区） below a city, 市 below a province (in Chinese: a notice's words)."""
        level = self.below[0].level if self.below else Jurisdiction.Level.COUNTY
        return BELOW_NAMES.get(level, str(level))


def below(jurisdiction: Jurisdiction | None = None) -> list[Jurisdiction]:
    """The jurisdictions right below `jurisdiction` (None: the home one), in their order."""
    return children(Jurisdiction.objects.resolve(jurisdiction))


def league(
    months: Sequence[dt.date],
    jurisdiction: Jurisdiction | None = None,
    points: Mapping[str, int] | None = None,
    *,
    published_only: bool = False,
) -> League:
    """The jurisdictions right below `jurisdiction` ranked on their own tasks' rated
    task-months in `months`, each month from its own board (SPEC.md §2's score).

    `published_only`: what a public document shows — a county's month counts only once
    that county has published it (its office posts its own figures, not the city)."""
    places = below(jurisdiction)
    published = _published(places, months)
    ratings = (
        (place.name, row["rating"])
        for place in places
        for month in months
        if not published_only or (place.pk, month) in published
        for row in month_entries(month, jurisdiction=place)
    )
    ranked = score(ratings, points or settings.DUCHA_POINTS)
    unpublished = frozenset(
        p.name for p in places if any((p.pk, month) not in published for month in months)
    )
    return League(places, ranked, unpublished)


def _published(places: list[Jurisdiction], months: Iterable[dt.date]) -> dict:
    """{(jurisdiction pk, month): sha256 of its newest version} of the boards published."""
    if not places:
        return {}
    home = next((p.pk for p in places if p.home), None)
    rows = (
        Publication.objects.filter(reduce(or_, (chain_filter(p) for p in places)))
        .filter(month__in=list(months))
        .order_by("version")
        .values_list("jurisdiction_id", "month", "sha256")
    )
    # Ordered by version: the newest of each month is written last.
    return {(jid or home, month): sha for jid, month, sha in rows}


def state(month: dt.date, jurisdiction: Jurisdiction | None = None) -> str | None:
    """What the public league of `month` below `jurisdiction` (published boards only) is
    read from, as a short tag for a cache key: "" when there is nothing below, else the
    hashes of the boards published below (a county publishing later changes it)."""
    places = below(jurisdiction)
    if not places:
        return ""
    published = _published(places, [month])
    parts = [f"{p.slug}:{published.get((p.pk, month), '-')}" for p in places]
    text = f"{format_month(month)}|" + "|".join(parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
