"""A board's lead units ranked within their kind: city departments, counties, the others.

A county is not measured against a city department, so the board and the poster rank each
kind on its own. A snapshot names each task's lead unit but not its kind: the kind is read
from the units table when the board is shown (a name that is no longer there is guessed
from its form). Each group is ranked by the rule of the overall ranking (SPEC §2), over the
tasks its own units lead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise

from ducha.boards.publication import unit_ratings
from ducha.org.models import Jurisdiction, Unit
from ducha.ratings.scoring import Score, score

KINDS: tuple[str, ...] = (Unit.Kind.MUNICIPAL, Unit.Kind.COUNTY, Unit.Kind.OTHER)


@dataclass(frozen=True)
class UnitGroup:
    kind: str  # a Unit.Kind value
    label: Promise | str  # 市直部门, in the language active when it is shown
    units: list[Score]  # in rank order, ranked within the group


def kinds_of(names: Iterable[str], jurisdiction: Jurisdiction | None = None) -> dict[str, str]:
    """{unit name: kind} from the jurisdiction's units (the home one's by default) in one
    query; a name not there is guessed. Two jurisdictions may each have a unit so named."""
    wanted = set(names)
    units = Unit.objects.filter(name__in=wanted)
    # The home jurisdiction is found inside the same query.
    units = (
        units.filter(jurisdiction__home=True)
        if jurisdiction is None
        else units.filter(jurisdiction=jurisdiction)
    )
    known = dict(units.values_list("name", "kind"))
    return {
        name: known[name] if known.get(name) in KINDS else Unit.guess_kind(name) for name in wanted
    }


def units_by_kind(
    tasks: Iterable[Mapping],
    points: Mapping[str, int] | None = None,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> list[UnitGroup]:
    """A board's task rows → one ranked group per kind that leads a rated task, in KINDS order."""
    rows = list(unit_ratings(tasks))
    kinds = kinds_of((unit for unit, _ in rows), jurisdiction)
    points = points or settings.DUCHA_POINTS
    groups = []
    for kind in KINDS:
        ranked = score(((u, r) for u, r in rows if kinds[u] == kind), points)
        if ranked:
            groups.append(UnitGroup(kind, Unit.kind_label(kind, jurisdiction), ranked))
    return groups
