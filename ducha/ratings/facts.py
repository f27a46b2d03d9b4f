"""The ORM side of rating: load what a month needs in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ducha.ledger.models import Node, Progress, Task
from ducha.ratings.rules import NodeFacts, Row, TaskFacts, month_index


def load_facts(month: dt.date, tasks=None) -> list[TaskFacts]:
    """Every task with its nodes and its progress rows up to `month` (three queries)."""
    if tasks is None:
        tasks = Task.objects.all()
    task_rows = list(tasks.values_list("id", "code", "start_month", "status").order_by("code"))
    ids = [t[0] for t in task_rows]
    nodes: dict[int, list[NodeFacts]] = defaultdict(list)
    node_codes: dict[int, str] = {}
    node_query = Node.objects.order_by("task_id", "order", "code").values_list(
        "id", "task_id", "code", "title", "due_month"
    )
    rows: dict[int, list[Row]] = defaultdict(list)
    row_query = Progress.objects.filter(month__lte=month).values_list(
        "task_id", "node_id", "month", "status", "percent"
    )
    if tasks.query.where:  # a subset: restrict the other two queries to it
        node_query = node_query.filter(task_id__in=ids)
        row_query = row_query.filter(task_id__in=ids)
    for node_id, task_id, code, title, due in node_query:
        nodes[task_id].append(NodeFacts(code, title, month_index(due)))
        node_codes[node_id] = code
    for task_id, node_id, m, status, percent in row_query:
        rows[task_id].append(Row(node_codes[node_id], month_index(m), status, percent))
    return [
        TaskFacts(
            code=code,
            nodes=tuple(nodes[task_id]),
            rows=tuple(rows[task_id]),
            start=month_index(start) if start else None,
            status=status,
        )
        for task_id, code, start, status in task_rows
    ]
