"""Rate one month of a province-scale ledger: 40,000 tasks, 150,000 nodes, 12 months of
progress (figures, not a timed test): `make bench`, and with DATABASE_URL for PostgreSQL."""

import datetime as dt
import random
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.ledger.models import Node, Progress, Task
from ducha.org.areas import ensure_areas
from ducha.org.models import Area, Leader, Unit
from ducha.ratings import rules
from ducha.ratings.facts import load_facts
from ducha.ratings.monthly import rate_month

# Every test here must use the test database: the module fixture writes outside a test.
pytestmark = pytest.mark.django_db

TASKS, NODES = 40_000, 150_000
DECEMBER = dt.date(2021, 12, 1)


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    rng = random.Random(40_000)
    with django_db_blocker.unblock():
        started = time.perf_counter()
        ensure_areas(Area)
        areas = list(Area.objects.all())
        units = Unit.objects.bulk_create(Unit(name=f"单位{i:03d}") for i in range(300))
        leaders = Leader.objects.bulk_create(Leader(name=f"领导{i:02d}") for i in range(30))
        tasks = Task.objects.bulk_create(
            (
                Task(
                    code=f"P{i:05d}",
                    title=f"改革任务{i}",
                    area=rng.choice(areas),
                    source="provincial",
                    leader=rng.choice(leaders),
                    lead_unit=rng.choice(units),
                    plan_year=2021,
                )
                for i in range(TASKS)
            ),
            batch_size=5000,
        )
        per_task = [3] * TASKS
        for i in rng.sample(range(TASKS), NODES - 3 * TASKS):
            per_task[i] += 1
        nodes = Node.objects.bulk_create(
            (
                Node(
                    task=t,
                    code=f"N{k}",
                    title=f"节点{k}",
                    due_month=dt.date(2021, rng.randint(1, 12), 1),
                )
                for t, count in zip(tasks, per_task, strict=True)
                for k in range(1, count + 1)
            ),
            batch_size=5000,
        )
        rows = []
        for n in nodes:
            done_in = rng.choice(
                [n.due_month.month - 1, n.due_month.month, n.due_month.month + 1, 13]
            )
            percent = 0
            for m in range(1, 13):
                if m > done_in:
                    break
                month = dt.date(2021, m, 1)
                if m == done_in:
                    rows.append((n.task_id, n.id, month, "done", month, 100))
                else:
                    percent = min(95, percent + rng.choice([0, 5, 10]))
                    rows.append((n.task_id, n.id, month, "in_progress", None, percent))
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO ledger_progress (task_id, node_id, month, status, done_on, percent,"
                " note, origin, created_at, updated_at) VALUES"
                " (%s, %s, %s, %s, %s, %s, '', 'import', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                rows,
            )
        built = time.perf_counter() - started
        yield {"progress_rows": len(rows), "build_seconds": round(built, 1)}
        Progress.objects.all().delete()
        Task.objects.all().delete()


def test_rate_one_month_of_a_province(benchmark, province):
    with CaptureQueriesContext(connection) as queries:
        ratings = benchmark.pedantic(rate_month, args=(DECEMBER,), rounds=3, iterations=1)
    assert len(ratings) == TASKS
    benchmark.extra_info.update(province)
    benchmark.extra_info["database"] = connection.vendor
    benchmark.extra_info["queries_per_month"] = len(queries) // 3
    mix = {r: sum(1 for x in ratings if x.rating == r) for r in (*rules.RATINGS, None)}
    benchmark.extra_info["mix"] = {str(k): v for k, v in mix.items()}


def test_the_pure_rule_function(benchmark, province):
    facts = load_facts(DECEMBER)

    def rate_all():
        for t in facts:
            rules.decide(t)

    benchmark.pedantic(rate_all, rounds=5, iterations=1)
    benchmark.extra_info["task_months_per_second"] = round(TASKS / benchmark.stats.stats.median)
