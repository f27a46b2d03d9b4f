"""The database side of rating: SQL summaries equal the pure ones, in constant queries."""

import datetime as dt
from collections import defaultdict

import pytest

from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Progress, Task
from ducha.ratings import rules
from ducha.ratings.facts import load_facts
from ducha.ratings.monthly import rate_month
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv


def full_history():
    """Every task with all its rows, the plain way."""
    rows = defaultdict(list)
    for p in Progress.objects.select_related("node", "task"):
        rows[p.task.code].append(
            rules.Row(p.node.code, rules.month_index(p.month), p.status, p.percent)
        )
    tasks = {}
    for t in Task.objects.prefetch_related("nodes"):
        nodes = tuple(
            rules.NodeFacts(n.code, n.title, rules.month_index(n.due_month)) for n in t.nodes.all()
        )
        start = rules.month_index(t.start_month) if t.start_month else None
        tasks[t.code] = rules.TaskFacts(t.code, nodes, tuple(rows[t.code]), start, t.status)
    return tasks


def test_the_sql_summary_equals_the_pure_summary_for_every_sample_month(sample_ledger):
    tasks = full_history()
    for m in range(1, 13):
        month = dt.date(2021, m, 1)
        for facts in load_facts(month):
            expected = rules.summarize(tasks[facts.code], rules.month_index(month))
            assert facts == expected, (facts.code, month)


@pytest.mark.parametrize("size", [5, 60])
def test_rating_a_month_takes_the_same_number_of_queries_whatever_the_size(
    db, areas, tmp_path, size, django_assert_num_queries
):
    rows = [ledger_row(code=f"T-{i}", node=f"N{k}") for i in range(size) for k in (1, 2)]
    import_ledger(write_csv(tmp_path / "l.csv", LEDGER_HEADER, rows))
    with django_assert_num_queries(5):
        ratings = rate_month(dt.date(2021, 6, 1))
    assert len(ratings) == size
