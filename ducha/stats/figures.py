"""A month's (and a year's) numbers for the dashboards, the charts and the bulletins.

The ratings come from the published boards (as posted, never recomputed), or from the board
as it stands for a month not published yet (the office's preview); punctuality from the
month's reports, nodes from the ledger's progress. Everything in a few bulk queries,
however many tasks, units and months.

A month whose board is published has a `key` (the hashes of every board its numbers read):
its figures and charts are cached under it. The reports and nodes read beside a published
board are cached with it too: what a dashboard shows of a closed month stays as it was
first drawn, until a correction publishes a new version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max, Min

from ducha.boards.models import Publication
from ducha.boards.publication import build_board, chain_filter, whose
from ducha.ledger.models import Node, Progress, Task
from ducha.lib.months import add_months, month
from ducha.org.models import Jurisdiction, of_jurisdiction
from ducha.ratings import marks
from ducha.reports import standing

SECONDS = 30 * 24 * 3600
VERSION = "1"  # bump when what the figures hold changes: cached ones are keyed by it


@dataclass(frozen=True)
class Stack:
    """One bar split by mark: a month, an area or a source, with its count per rating key
    (None: not rated)."""

    label: str
    counts: Mapping[str | None, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, key: str | None) -> int:
        return self.counts.get(key, 0)


@dataclass(frozen=True)
class Punctuality:
    unit: str
    on_time: int
    late: int
    missing: int

    @property
    def expected(self) -> int:
        return self.on_time + self.late + self.missing


@dataclass(frozen=True)
class NodeMonth:
    month: dt.date
    due: int  # nodes due by the end of this month, since January (cumulative)
    done: int  # of the year's nodes, those done by this month (cumulative)


@dataclass(frozen=True)
class OverdueNode:
    task: str  # the task's code
    task_title: str
    node: str
    node_title: str
    due_month: dt.date
    lead_unit: str


@dataclass(frozen=True)
class Mover:
    task: str
    title: str
    before: str | None
    after: str | None
    move: str  # "up" or "down"


@dataclass
class MonthFigures:
    month: dt.date
    where: str  # "" for the home jurisdiction, 「县名」 for another
    slug: str | None  # the jurisdiction's slug, None for the home one
    published: bool
    key: str | None  # the cache key of published figures; None: a preview, drawn each time
    distribution: Stack
    trend: list[Stack]
    areas: list[Stack]
    sources: list[Stack]
    punctuality: list[Punctuality]
    nodes: list[NodeMonth]
    overdue: list[OverdueNode]
    movers: list[Mover]
    previous_published: bool = False


@dataclass
class YearFigures:
    year: int
    where: str
    slug: str | None
    key: str | None
    months: list[Stack]  # each month's distribution, published months only
    areas: list[Stack]  # task-months by area, over the published months
    sources: list[Stack]
    nodes: list[NodeMonth]
    published: list[dt.date] = field(default_factory=list)


def _home(jurisdiction: Jurisdiction | None) -> Jurisdiction | None:
    return None if jurisdiction is None or jurisdiction.home else jurisdiction


def latest_published(jurisdiction: Jurisdiction | None = None) -> dt.date | None:
    """The newest month published in `jurisdiction`'s chain (one query)."""
    return Publication.objects.filter(chain_filter(jurisdiction)).aggregate(m=Max("month"))["m"]


# Boards ----------------------------------------------------------------------------------
# Parsed rows of published boards by their hash, which fixes their content: never stale.
_rows: OrderedDict[str, list[dict]] = OrderedDict()
KEPT = 48


def _published(
    first: dt.date, last: dt.date, jurisdiction: Jurisdiction | None
) -> dict[dt.date, str]:
    """Each month from `first` to `last` that is published: its latest version's hash."""
    found: dict[dt.date, str] = {}
    for m, sha in (
        Publication.objects.filter(chain_filter(jurisdiction), month__range=(first, last))
        .order_by("month", "-version")
        .values_list("month", "sha256")
    ):
        found.setdefault(m, sha)
    return found


def _boards(shas: Iterable[str]) -> dict[str, list[dict]]:
    """The task rows of the boards with these hashes: one query for those not read yet."""
    shas = list(shas)
    out = {sha: rows for sha in shas if (rows := _rows.get(sha)) is not None}
    missing = [sha for sha in shas if sha not in out]
    if missing:
        for sha, text in Publication.objects.filter(sha256__in=missing).values_list(
            "sha256", "snapshot"
        ):
            out[sha] = _rows[sha] = json.loads(text)["tasks"]
        while len(_rows) > KEPT:
            with contextlib.suppress(KeyError):  # another thread evicted it first
                _rows.popitem(last=False)
    return out


def _key(kind: str, jurisdiction: Jurisdiction | None, shas: Iterable[str]) -> str:
    scope = jurisdiction.slug if jurisdiction else "-"
    text = "|".join([kind, VERSION, scope, *shas])
    return hashlib.sha256(text.encode()).hexdigest()


# Counting --------------------------------------------------------------------------------


def _stack(label: str, rows: Iterable[Mapping]) -> Stack:
    return Stack(label, dict(Counter(r["rating"] for r in rows)))


def _grouped(rows: Iterable[Mapping], by: str, order: str | None = None) -> list[Stack]:
    groups: dict[str, list] = {}
    rank: dict[str, tuple] = {}
    for r in rows:
        groups.setdefault(r[by], []).append(r)
        rank.setdefault(r[by], (r.get(order, 0) if order else 0, r[by]))
    return [_stack(label, groups[label]) for label in sorted(groups, key=lambda g: rank[g])]


def _label(m: dt.date) -> str:
    return f"{m.month}月"


def _punctuality(m: dt.date, jurisdiction: Jurisdiction | None) -> list[Punctuality]:
    """Per lead unit, the tasks expected to report: on time, late, or not reported."""
    counts: dict[str, Counter] = {}
    for s in standing.month_standings(m, jurisdiction=jurisdiction):
        if not s.expected:
            continue
        line = counts.setdefault(s.task.lead_unit.name, Counter())
        if not s.reported:
            line["missing"] += 1
        elif s.report is not None and s.report.late:
            line["late"] += 1
        else:
            line["on_time"] += 1
    lines = [Punctuality(u, c["on_time"], c["late"], c["missing"]) for u, c in counts.items()]
    return sorted(lines, key=lambda p: (-p.missing, -p.late, p.unit))


def _year_nodes(year: int, jurisdiction: Jurisdiction | None):
    tasks = Task.objects.active().filter(of_jurisdiction(jurisdiction))
    return Node.objects.filter(task__in=tasks, due_month__range=(month(year, 1), month(year, 12)))


def _nodes(last: dt.date, jurisdiction: Jurisdiction | None) -> list[NodeMonth]:
    """Nodes due by each month of `last`'s year against those done by then (two queries)."""
    first = month(last.year, 1)
    nodes = _year_nodes(last.year, jurisdiction)
    due = Counter(nodes.filter(due_month__lte=last).values_list("due_month", flat=True))
    done = Counter(
        max(m, first)
        for m in Progress.objects.filter(
            node__in=nodes, status=Progress.Status.DONE, month__lte=last
        )
        .values("node")
        .annotate(m=Min("month"))
        .values_list("m", flat=True)
        .order_by()
    )
    out, planned, finished, m = [], 0, 0, first
    while m <= last:
        planned, finished = planned + due[m], finished + done[m]
        out.append(NodeMonth(m, planned, finished))
        m = add_months(m, 1)
    return out


def _overdue(m: dt.date, jurisdiction: Jurisdiction | None) -> list[OverdueNode]:
    """Nodes due by the end of `m` and not done by then, of active tasks (one query)."""
    done = Progress.objects.filter(status=Progress.Status.DONE, month__lte=m).values("node")
    rows = (
        Node.objects.filter(
            task__in=Task.objects.active().filter(of_jurisdiction(jurisdiction)),
            due_month__lte=m,
        )
        .exclude(pk__in=done)
        .select_related("task__lead_unit")
        .only("code", "title", "due_month", "task__code", "task__title", "task__lead_unit__name")
        .order_by("due_month", "task__code", "order", "code")
    )
    return [
        OverdueNode(n.task.code, n.task.title, n.code, n.title, n.due_month, n.task.lead_unit.name)
        for n in rows
    ]


def _movers(rows: list[dict], before: list[dict] | None) -> list[Mover]:
    if not before:
        return []
    last = {r["task"]: r["rating"] for r in before}
    out = []
    for r in rows:
        move = marks.movement(last.get(r["task"]), r["rating"], r["task"] in last)
        if move in ("up", "down"):
            out.append(Mover(r["task"], r["title"], last[r["task"]], r["rating"], move))
    # The biggest moves first, then by code.
    return sorted(
        out,
        key=lambda v: (
            -abs(marks.mark(v.after).rank - marks.mark(v.before).rank),
            v.move,
            v.task,
        ),
    )


# The month and the year ------------------------------------------------------------------


def month_figures(m: dt.date, jurisdiction: Jurisdiction | None = None) -> MonthFigures:
    """`m`'s numbers in `jurisdiction` (None: the home one): from the cache when its board is
    published and was read before (one query then), else in a dozen queries."""
    jurisdiction = _home(jurisdiction)
    first = month(m.year, 1)
    before_month = add_months(m, -1)
    published = _published(min(first, before_month), m, jurisdiction)
    key = None
    if m in published:
        shas = [published[x] for x in sorted(published)]
        key = f"stats:month:{_key(f'month {m}', jurisdiction, shas)}"
        hit = cache.get(key)
        if hit is not None:
            return hit
    boards = _boards(published.values())
    rows = boards[published[m]] if m in published else _standing_rows(m, jurisdiction)
    trend = [_stack(_label(x), boards[sha]) for x, sha in sorted(published.items()) if x >= first]
    if m not in published:
        trend.append(_stack(_label(m), rows))
    before = boards.get(published.get(before_month, ""))
    figures = MonthFigures(
        month=m,
        where=whose(jurisdiction),
        slug=jurisdiction.slug if jurisdiction else None,
        published=m in published,
        key=key,
        distribution=_stack(_label(m), rows),
        trend=trend,
        areas=_grouped(rows, "area", "area_order"),
        sources=_grouped(rows, "source"),
        punctuality=_punctuality(m, jurisdiction),
        nodes=_nodes(m, jurisdiction),
        overdue=_overdue(m, jurisdiction),
        movers=_movers(rows, before),
        previous_published=before is not None,
    )
    if key is not None:
        cache.set(key, figures, SECONDS)
    return figures


def _standing_rows(m: dt.date, jurisdiction: Jurisdiction | None) -> list[dict]:
    """The board as it stands: the office's preview of a month not published yet."""
    return build_board(m, jurisdiction=jurisdiction)["tasks"]


def year_figures(year: int, jurisdiction: Jurisdiction | None = None) -> YearFigures:
    """The year's numbers over its published months (the 盘点): cached under their hashes."""
    jurisdiction = _home(jurisdiction)
    published = _published(month(year, 1), month(year, 12), jurisdiction)
    key = None
    if published:
        shas = [published[x] for x in sorted(published)]
        key = f"stats:year:{_key(f'year {year}', jurisdiction, shas)}"
        hit = cache.get(key)
        if hit is not None:
            return hit
    boards = _boards(published.values())
    every = [(x, boards[sha]) for x, sha in sorted(published.items())]
    rows = [r for _, month_rows in every for r in month_rows]
    last = max(published) if published else month(year, 12)
    figures = YearFigures(
        year=year,
        where=whose(jurisdiction),
        slug=jurisdiction.slug if jurisdiction else None,
        key=key,
        months=[_stack(_label(x), month_rows) for x, month_rows in every],
        areas=_grouped(rows, "area", "area_order"),
        sources=_grouped(rows, "source"),
        nodes=_nodes(last, jurisdiction),
        published=sorted(published),
    )
    if key is not None:
        cache.set(key, figures, SECONDS)
    return figures
