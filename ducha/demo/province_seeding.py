"""Writing the province data set (`ducha.demo.province`) into an empty database, fast.

The importer reads and checks files a row at a time, too slow for 45,000 tasks; this writes
the same rows it would have written (tasks, nodes, cooperating and further lead units and
leaders, progress rows with 已完成 stored as 100, each import run and its stamps) straight
through `bulk_create`, several jurisdictions at a time, all in one transaction."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from ducha.demo.province import Ledger, Place, ledgers, places
from ducha.ledger.checks import stored_percent
from ducha.ledger.models import CoLeader, CoUnit, ImportRun, JointLead, Node, Progress, Task
from ducha.lib import clock
from ducha.lib.months import add_months
from ducha.org.areas import ensure_areas
from ducha.org.models import Area, Jurisdiction, Leader, Unit, ensure_home

FILE = "省级数据集"  # the name of its import runs
BY = "ducha province-data"
LEDGER_AT = dt.datetime(2021, 1, 8, 9)  # every ledger imported on 8 January 2021
BATCH = 2000
CHUNK = 50_000  # progress rows of the jurisdictions written together


class NotEmpty(Exception):
    """The data set is written into an empty ledger only: it never mixes with real data."""


@dataclass
class Written:
    jurisdictions: dict[str, int] = field(default_factory=dict)  # level → how many
    units: int = 0
    leaders: int = 0
    tasks: int = 0
    nodes: int = 0
    progress: int = 0
    seconds: float = 0.0


def seed_province(seed: int = 2021, scale: float = 1.0) -> Written:
    """Write the province of `seed` at `scale` below and around the home city, or raise
    NotEmpty when the database holds any task or jurisdiction besides the home one."""
    started = time.perf_counter()
    written = Written()
    with transaction.atomic():
        if Task.objects.exists() or Jurisdiction.objects.filter(home=False).exists():
            raise NotEmpty("数据库中已有任务或辖区：省级数据集只写入空数据库（只有本级、没有任务）")
        ensure_areas(Area)
        areas = {a.key: a.pk for a in Area.objects.all()}
        home = ensure_home()
        tree = places(seed, scale, home=(home.slug, home.name))
        jurisdictions = _write_tree(tree, home)
        for place in tree:
            written.jurisdictions[place.level] = written.jurisdictions.get(place.level, 0) + 1
        for chunk in _chunks(ledgers(tree, seed)):
            _write_ledgers(chunk, jurisdictions, areas, seed, written)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, for half a million new rows
    written.seconds = time.perf_counter() - started
    return written


def _write_tree(tree: list[Place], home: Jurisdiction) -> dict[str, Jurisdiction]:
    """The province, its cities and their counties, in tree order; the home city keeps its
    slug, name and home flag and gets the province as its parent."""
    made: dict[str, Jurisdiction] = {}
    for level in ("province", "city", "county"):  # each level's parents made before it
        new = []
        for order, place in enumerate(tree):
            if place.level != level:
                continue
            parent = made[place.parent] if place.parent else None
            if place.home:
                home.parent, home.level, home.order = parent, place.level, order
                home.save(update_fields=["parent", "level", "order"])
                made[place.slug] = home
            else:
                new.append(
                    Jurisdiction(
                        slug=place.slug, name=place.name, level=level, parent=parent, order=order
                    )
                )
        made |= {j.slug: j for j in Jurisdiction.objects.bulk_create(new)}
    return made


def _chunks(each: Iterator[Ledger]) -> Iterator[list[Ledger]]:
    """Ledgers in groups of about CHUNK progress rows: a tiny province is written in one go,
    a full one without holding it all in memory."""
    chunk, rows = [], 0
    for ledger in each:
        chunk.append(ledger)
        rows += len(ledger.progress)
        if rows >= CHUNK:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def _write_ledgers(
    chunk: list[Ledger],
    where: dict[str, Jurisdiction],
    areas: dict[str, int],
    seed: int,
    written: Written,
) -> None:
    """Units, leaders, tasks, nodes, links and a year of reports of several jurisdictions,
    one statement per kind of row (and per month of reports) for all of them."""
    units = _names(Unit, chunk, where, lambda ledger: ledger.units, "kind")
    leaders = _names(Leader, chunk, where, lambda ledger: ledger.leaders, "title")
    mark = f"province-seed-{seed}"
    # Ids rather than instances throughout: setting a relation is the slowest part of a row.
    task_keys = [(ledger.place.slug, t.code) for ledger in chunk for t in ledger.tasks]
    node_keys = [
        (*key, n.code) for key, t in zip(task_keys, _tasks(chunk), strict=True) for n in t.nodes
    ]
    with clock.frozen(LEDGER_AT):
        _runs(ImportRun.Kind.LEDGER, chunk, where, mark, _node_count)
        made = Task.objects.bulk_create(
            (
                Task(
                    jurisdiction_id=where[ledger.place.slug].pk,
                    code=t.code,
                    title=t.title,
                    area_id=areas[t.area],
                    source=t.source,
                    leader_id=leaders[(ledger.place.slug, t.leader)],
                    lead_unit_id=units[(ledger.place.slug, t.lead_unit)],
                    requirements=t.requirements,
                    status=t.status,
                    plan_year=2021,
                )
                for ledger in chunk
                for t in ledger.tasks
            ),
            batch_size=BATCH,
        )
        tasks = {key: t.pk for key, t in zip(task_keys, made, strict=True)}
        nodes = Node.objects.bulk_create(
            (
                Node(
                    task_id=tasks[(ledger.place.slug, t.code)],
                    code=n.code,
                    title=n.title,
                    due_month=n.due,
                    due_text=n.due_text,
                    order=order,
                )
                for ledger in chunk
                for t in ledger.tasks
                for order, n in enumerate(t.nodes, 1)
            ),
            batch_size=BATCH,
        )
        links = (
            (CoUnit, "unit_id", units, lambda ledger: {t.code: t.co_units for t in ledger.tasks}),
            (JointLead, "unit_id", units, lambda ledger: ledger.joint_leads),
            (CoLeader, "leader_id", leaders, lambda ledger: ledger.co_leaders),
        )
        for model, column, ids, lists in links:
            model.objects.bulk_create(
                (
                    model(
                        task_id=tasks[(ledger.place.slug, code)],
                        **{column: ids[(ledger.place.slug, name)]},
                        order=order,
                    )
                    for ledger in chunk
                    for code, names in lists(ledger).items()
                    for order, name in enumerate(names, 1)
                ),
                batch_size=BATCH,
            )
    node_ids = {key: n.pk for key, n in zip(node_keys, nodes, strict=True)}

    # The year's reports: one import run each, each month's rows stamped when they came in.
    with clock.frozen(dt.datetime(2021, 2, 3, 16)):
        runs = _runs(
            ImportRun.Kind.PROGRESS, chunk, where, mark, lambda ledger: len(ledger.progress)
        )
    by_month: dict[dt.date, list] = {}
    for ledger in chunk:
        for p in ledger.progress:
            by_month.setdefault(p.month, []).append((ledger.place.slug, p))
    for month, rows in sorted(by_month.items()):
        arrived = dt.datetime.combine(add_months(month, 1).replace(day=3), dt.time(16))
        with clock.frozen(arrived):
            Progress.objects.bulk_create(
                (
                    Progress(
                        task_id=tasks[(slug, p.task)],
                        node_id=node_ids[(slug, p.task, p.node)],
                        month=p.month,
                        status=p.status,
                        done_on=p.done_on,
                        percent=stored_percent(p.status, p.percent),
                        note=p.note,
                        import_run_id=runs[slug].pk,
                    )
                    for slug, p in rows
                ),
                batch_size=BATCH,
            )
    written.units += len(units)
    written.leaders += len(leaders)
    written.tasks += len(tasks)
    written.nodes += len(nodes)
    written.progress += sum(len(ledger.progress) for ledger in chunk)


def _tasks(chunk: list[Ledger]) -> Iterator:
    return (t for ledger in chunk for t in ledger.tasks)


def _node_count(ledger: Ledger) -> int:
    return sum(len(t.nodes) for t in ledger.tasks)


def _names(model, chunk, where, pairs, second: str) -> dict[tuple[str, str], int]:
    """A ledger's units (name, kind) or leaders (name, title), made in its jurisdiction:
    their ids by (jurisdiction slug, name)."""
    rows = [
        (ledger.place.slug, order, name, value)
        for ledger in chunk
        for order, (name, value) in enumerate(pairs(ledger))
    ]
    made = model.objects.bulk_create(
        (
            model(jurisdiction_id=where[slug].pk, name=name, order=order, **{second: value})
            for slug, order, name, value in rows
        ),
        batch_size=BATCH,
    )
    return {(slug, m.name): m.pk for (slug, *_), m in zip(rows, made, strict=True)}


def _runs(kind: str, chunk, where, mark: str, rows) -> dict[str, ImportRun]:
    """An import run per ledger as the importer leaves it (every row new), by slug."""
    made = ImportRun.objects.bulk_create(
        ImportRun(
            kind=kind,
            jurisdiction=where[ledger.place.slug],
            filename=f"{FILE}（{ledger.place.name}）",
            sha256=mark,
            rows=rows(ledger),
            created=rows(ledger),
            by_name=BY,
        )
        for ledger in chunk
    )
    return {r.jurisdiction.slug: r for r in made}
