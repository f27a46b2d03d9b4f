"""The ORM side of rating: what month M needs, in a constant number of queries.

Instead of every progress row since January, the database hands over M's own rows and,
per node, a summary of the rows before M (earliest completion, highest 进度, latest row),
aggregated in SQL. `rules.summarize` computes the same summary from rows in Python; the
tests hold the two to each other.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Case, CharField, F, IntegerField, Max, Min, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

from ducha.ledger.models import Node, Progress, Task
from ducha.org.models import Jurisdiction, of_jurisdiction
from ducha.ratings.rules import History, MonthFacts, NodeFacts, Row, month_index

STATUS_CODES = {0: "not_started", 1: "in_progress", 2: "done"}
NO_PERCENT = 999


def _history_query(month: dt.date):
    """Per node, over the rows before `month`: earliest done, best 进度, latest row (encoded)."""
    status_code = Case(
        When(status="done", then=Value(2)),
        When(status="in_progress", then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    effective = Case(
        When(status="done", then=Value(100)),
        When(status="not_started", then=Value(0)),
        default=F("percent"),
        output_field=IntegerField(),
    )
    # (node, month) is unique, so the largest "YYYY-MM-DD" + status + 进度 text is the
    # latest row. (Text, not date arithmetic: SQLite would call Python once per row for that.)
    latest = Max(
        Concat(
            Cast("month", CharField()),
            Cast(status_code, CharField()),
            Cast(Coalesce("percent", Value(NO_PERCENT)), CharField()),
            output_field=CharField(),
        )
    )
    # No ordering: Progress's own (task, node, month) would join the node and its task for
    # nothing, on every row before M.
    return (
        Progress.objects.order_by()
        .filter(month__lt=month)
        .values("node_id")
        .annotate(
            done=Min("month", filter=Q(status="done")),
            best=Max(effective),
            latest=latest,
        )
        .values_list("task_id", "node_id", "done", "best", "latest")
    )


def _decode(latest: str) -> tuple[str, int | None]:
    percent = int(latest[11:])
    return STATUS_CODES[int(latest[10])], None if percent == NO_PERCENT else percent


def load_facts(
    month: dt.date, task_ids: list[int] | None = None, *, jurisdiction: Jurisdiction | None = None
) -> list[MonthFacts]:
    """Every task of `jurisdiction` (None: the home one) as `month` sees it, in four
    queries; with `task_ids`, those tasks (restricted to `jurisdiction` only if given)."""
    tasks = Task.objects.order_by("code")
    nodes_q = Node.objects.order_by("task_id", "order", "code")
    current_q = Progress.objects.filter(month=month).order_by()  # no joins for an ordering
    history_q = _history_query(month)
    if task_ids is not None:
        tasks = tasks.filter(id__in=task_ids)
        nodes_q = nodes_q.filter(task_id__in=task_ids)
        current_q = current_q.filter(task_id__in=task_ids)
        history_q = history_q.filter(task_id__in=task_ids)
    if task_ids is None or jurisdiction is not None:
        tasks = tasks.filter(of_jurisdiction(jurisdiction))
        nodes_q = nodes_q.filter(of_jurisdiction(jurisdiction, "task__"))
        current_q = current_q.filter(of_jurisdiction(jurisdiction, "task__"))
        history_q = history_q.filter(of_jurisdiction(jurisdiction, "task__"))

    nodes: dict[int, list[NodeFacts]] = defaultdict(list)
    codes: dict[int, str] = {}
    for node_id, task_id, code, title, due in nodes_q.values_list(
        "id", "task_id", "code", "title", "due_month"
    ):
        nodes[task_id].append(NodeFacts(code, title, month_index(due)))
        codes[node_id] = code

    index = month_index(month)
    current: dict[int, dict[str, Row]] = defaultdict(dict)
    for task_id, node_id, status, percent in current_q.values_list(
        "task_id", "node_id", "status", "percent"
    ):
        code = codes[node_id]
        current[task_id][code] = Row(code, index, status, percent)

    history: dict[int, dict[str, History]] = defaultdict(dict)
    # Read whole, not through a server-side cursor (`iterator()`): PostgreSQL plans a cursor
    # for its first rows, and for one county walked every progress row of the province.
    for task_id, node_id, done, best, latest in history_q:
        status, percent = _decode(latest)
        history[task_id][codes[node_id]] = History(
            month_index(done) if done else None, int(best or 0), status, percent
        )

    return [
        MonthFacts(
            code=code,
            nodes=tuple(nodes[task_id]),
            month=index,
            history=history[task_id],
            current=current[task_id],
            start=month_index(start) if start else None,
            status=status,
        )
        for task_id, code, start, status in tasks.values_list("id", "code", "start_month", "status")
    ]
