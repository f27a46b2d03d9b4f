"""The cascade as the office above reads it (一竿子插到底): reconciliation — pushed but not
taken up, taken up without nodes, counties behind the city — and the county grid, each
county's mark for a task month by month.

A month's standing of a task — its mark and its nodes' states — is read as the boards read
it: from the jurisdiction's published board when that month is published, else rated as it
stands (only the tasks asked for, never a county's whole ledger). The rules of pushing and
taking up are the ledger's, in `ducha.ledger.cascade`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db.models import Count, Q

from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter
from ducha.ledger.cascade import level_word
from ducha.ledger.models import Cascade, Task
from ducha.org.models import Jurisdiction
from ducha.ratings import rules
from ducha.ratings.marks import needs_attention
from ducha.ratings.monthly import rate_month

CACHE_SECONDS = 7 * 24 * 3600  # keyed by a publication's hash: never stale

# A month's standing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A task in one month: its mark (None: not rated) and each node's status by code."""

    rating: str | None
    nodes: dict[str, str] = field(default_factory=dict)


def _chains_of(jurisdictions: Iterable[Jurisdiction]) -> Q:
    """The publications of these jurisdictions' chains (the home one's by `chain_filter`)."""
    places = list(jurisdictions)
    found = Q(jurisdiction_id__in=[j.pk for j in places if not j.home])
    return reduce(or_, (chain_filter(j) for j in places if j.home), found)


def _published(
    tasks: list[Task], months: list[dt.date]
) -> dict[tuple[int, dt.date], Standing | None]:
    """{(task pk, month): standing} from the latest published boards of the tasks'
    jurisdictions, for the months each has published (None: its board does not list the
    task).

    One query for the publications' hashes; each board is read once and kept under its
    hash (which fixes its content), so a second query only for boards not cached yet."""
    places = {t.jurisdiction_id: t.jurisdiction for t in tasks}
    if not tasks or not months:
        return {}
    home = next((pk for pk, j in places.items() if j.home), None)
    latest: dict[tuple[int, dt.date], tuple[int, str]] = {}
    metas = (
        Publication.objects.filter(_chains_of(places.values()), month__in=months)
        .order_by("version")
        .values_list("pk", "jurisdiction_id", "month", "sha256")
    )
    for pk, place, month, sha in metas:
        latest[(place if place is not None else home, month)] = (pk, sha)
    keys = {sha: f"ducha:cascade:{sha}" for _, sha in latest.values()}
    found = cache.get_many(list(keys.values()))
    boards = {sha: found[key] for sha, key in keys.items() if key in found}
    missing = [pk for pk, sha in latest.values() if sha not in boards]
    if missing:
        fresh = {}
        rows = Publication.objects.filter(pk__in=missing).values_list("sha256", "snapshot")
        for sha, text in rows:
            boards[sha] = {
                t["task"]: (t["rating"], {n["code"]: n["status"] for n in t["nodes"]})
                for t in json.loads(text)["tasks"]
            }
            fresh[keys[sha]] = boards[sha]
        cache.set_many(fresh, CACHE_SECONDS)
    out: dict[tuple[int, dt.date], Standing | None] = {}
    for task in tasks:
        for month in months:
            meta = latest.get((task.jurisdiction_id, month))
            if meta is not None:
                entry = boards[meta[1]].get(task.code)
                out[(task.pk, month)] = Standing(entry[0], entry[1]) if entry else None
    return out


def _as_it_stands(
    jurisdiction: Jurisdiction, tasks: list[Task], month: dt.date
) -> dict[tuple[int, dt.date], Standing | None]:
    """Tasks of one jurisdiction in a month it has not published, rated as they stand
    (rate_month's five queries for all of them)."""
    ids = {t.code: t.pk for t in tasks}
    chosen = Task.objects.filter(pk__in=list(ids.values()))
    out: dict[tuple[int, dt.date], Standing | None] = {(pk, month): None for pk in ids.values()}
    for r in rate_month(month, chosen, jurisdiction):
        states = {s.code: s.status for s in rules.node_states(r.facts)}
        out[(ids[r.task], month)] = Standing(r.rating, states)
    return out


def standings(
    tasks: Iterable[Task], months: Iterable[dt.date], *, published_only: bool = False
) -> dict[tuple[int, dt.date], Standing | None]:
    """{(task pk, month): standing} for tasks of any jurisdictions (each with its
    `jurisdiction` loaded), as `month_entries` reads a month: the published board's rows
    where the task's jurisdiction has published that month (one or two queries in all),
    else as it stands — five queries per jurisdiction and month not published — or None
    with `published_only`."""
    tasks = list({t.pk: t for t in tasks}.values())
    months = sorted(set(months))
    out = _published(tasks, months)
    waiting: dict[tuple[int, dt.date], list[Task]] = {}
    for task in tasks:
        for month in months:
            if (task.pk, month) not in out:
                waiting.setdefault((task.jurisdiction_id, month), []).append(task)
    for (_, month), group in waiting.items():
        if published_only:
            out |= {(t.pk, month): None for t in group}
        else:
            out |= _as_it_stands(group[0].jurisdiction, group, month)
    return out


# Reconciliation -------------------------------------------------------------------------


def _cascades_from(source_jurisdiction: Jurisdiction | None):
    above = Jurisdiction.objects.resolve(source_jurisdiction)
    return (
        Cascade.objects.filter(source__jurisdiction=above)
        .select_related("source", "jurisdiction", "task")
        .order_by("source__code", "jurisdiction__order", "jurisdiction__slug")
    )


def pushed_not_accepted(source_jurisdiction: Jurisdiction | None = None) -> list[Cascade]:
    """Tasks of `source_jurisdiction` (None: the home one) pushed down and not taken up
    yet, by task code, then county."""
    return list(_cascades_from(source_jurisdiction).filter(task__isnull=True))


def accepted_without_nodes(source_jurisdiction: Jurisdiction | None = None) -> list[Cascade]:
    """Taken up, but the county's task has no node (the task above had none when it was
    taken up, or the county's ledger removed them): nothing there can be rated."""
    taken = _cascades_from(source_jurisdiction).filter(task__isnull=False)
    return list(taken.annotate(node_count=Count("task__nodes")).filter(node_count=0))


@dataclass(frozen=True)
class Behind:
    cascade: Cascade
    rating: str | None  # the county's mark in the month
    city_rating: str | None  # the mark of the task above in the same month
    by_rating: bool  # slow or stalled while the city is ahead or on track
    nodes: list[str]  # codes of nodes done above and not done in the county
    reasons: list[str]  # in Chinese, one per ground


def behind_city(month: dt.date, source_jurisdiction: Jurisdiction | None = None) -> list[Behind]:
    """The counties behind the city in `month`, among the tasks taken up. A county's task is
    behind when, in that month:
    - it is rated ostrich or snail (slow or stalled) while the city's own task is rated
      horse or ox (ahead or on track); or
    - a node the city's task has done (by the end of the month) is not done in the county's
      task, by the same node code (nodes the county added are never compared).
    Ratings and node states are the published boards' where that month is published (the
    city's and each county's own), else as they stand."""
    taken = list(_cascades_from(source_jurisdiction).filter(task__isnull=False))
    if not taken:
        return []
    place = Jurisdiction.objects.resolve(source_jurisdiction)
    for c in taken:  # the places are loaded already: no query per task for them
        c.task.jurisdiction = c.jurisdiction
        c.source.jurisdiction = place
    found = standings([*(c.source for c in taken), *(c.task for c in taken)], [month])
    out = []
    for c in taken:
        mine, theirs = found.get((c.task_id, month)), found.get((c.source_id, month))
        rating = mine.rating if mine else None
        city_rating = theirs.rating if theirs else None
        reasons = []
        by_rating = (
            needs_attention(rating) and city_rating is not None and not needs_attention(city_rating)
        )
        if by_rating:
            reasons.append(f"{level_word(place)}评价良好，{level_word(c.jurisdiction)}评价落后")
        done_above = [code for code, s in (theirs.nodes if theirs else {}).items() if s == "done"]
        mine_nodes = mine.nodes if mine else {}
        late = [code for code in done_above if code in mine_nodes and mine_nodes[code] != "done"]
        if late:
            reasons.append(
                f"节点 {'、'.join(late)} {level_word(place)}已完成，"
                f"{level_word(c.jurisdiction)}尚未完成"
            )
        if reasons:
            out.append(Behind(c, rating, city_rating, by_rating, late, reasons))
    return out


# The county grid ------------------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    county: Jurisdiction
    cells: dict[dt.date, str | None]  # month → the county's mark (None: not rated, or no board)
    accepted: bool
    task: Task | None  # the county's task, once taken up
    # The months the county's task has a standing in: a board listing it (or, without
    # `published_only`, rated as it stands); the others are blank, not "not rated".
    listed: frozenset[dt.date]


def county_grid(
    source_task: Task, months: Iterable[dt.date], *, published_only: bool = False
) -> list[GridRow]:
    """Each county the task was pushed to, in their order, with its mark in each of
    `months` and whether it has taken the task up.

    Marks come from each county's board (`month_entries`' rule: the published board if that
    month is published, else as it stands); `published_only` (the public page) leaves the
    unpublished months blank. Queries: one for the cascades, one for the boards' hashes
    and, for boards not yet cached, one for them — the same whatever the number of counties
    and months; without `published_only`, five more for each county and month not published.
    """
    months = sorted(set(months))
    cascades = list(
        Cascade.objects.filter(source=source_task)
        .select_related("jurisdiction", "task")
        .order_by("jurisdiction__order", "jurisdiction__slug")
    )
    tasks = []
    for c in cascades:
        if c.task is not None:
            c.task.jurisdiction = c.jurisdiction
            tasks.append(c.task)
    found = standings(tasks, months, published_only=published_only) if tasks else {}
    rows = []
    for c in cascades:
        cells: dict[dt.date, str | None] = {}
        for month in months:
            standing = found.get((c.task_id, month)) if c.task_id else None
            cells[month] = standing.rating if standing else None
        listed = frozenset(m for m in months if found.get((c.task_id, m)) is not None)
        rows.append(GridRow(c.jurisdiction, cells, c.task_id is not None, c.task, listed))
    return rows
