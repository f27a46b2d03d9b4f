"""Import a generated 10,000-row ledger (figures, not a timed test): `make bench`."""

import random

import pytest
from django.db import connection
from openpyxl import Workbook

from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Node, Task
from tests.helpers import LEDGER_HEADER

pytestmark = pytest.mark.django_db

AREAS = ["总体", "抓党建", "强产业", "优环境", "促开放", "兴乡村", "惠民生"]
UNITS = [f"市第{i}局" for i in range(60)] + [f"第{i}县" for i in range(13)]
ROWS = 10_000


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory):
    rng = random.Random(10_000)
    path = tmp_path_factory.mktemp("bench") / "ledger-10000.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(LEDGER_HEADER)
    written, task = 0, 0
    while written < ROWS:
        task += 1
        nodes = min(rng.randint(1, 5), ROWS - written)
        for n in range(1, nodes + 1):
            first = n == 1
            sheet.append(
                [
                    f"B-{task:05d}" if first else None,
                    rng.choice(AREAS) if first else None,
                    f"第{task}项改革任务：推进重点领域系统集成改革" if first else None,
                    rng.choice(["省定", "市定"]) if first else None,
                    f"领导{rng.randint(1, 12)}" if first else None,
                    rng.choice(UNITS) if first else None,
                    "、".join(rng.sample(UNITS, 2)) if first else None,
                    f"N{n}",
                    f"节点目标{n}：完成阶段性任务并形成书面报告",
                    f"2021年{rng.randint(1, 12)}月底",
                ]
            )
            written += 1
    workbook.save(path)
    return path


def _clear():
    Task.objects.all().delete()


def test_import_10000_rows_into_an_empty_ledger(benchmark, db, areas, big_ledger):
    summary = benchmark.pedantic(
        import_ledger, args=(big_ledger,), setup=_clear, rounds=3, iterations=1
    )
    assert summary.created == ROWS
    benchmark.extra_info["database"] = connection.vendor
    benchmark.extra_info["rows"] = ROWS


def test_reimport_10000_unchanged_rows(benchmark, db, areas, big_ledger):
    import_ledger(big_ledger)
    summary = benchmark.pedantic(import_ledger, args=(big_ledger,), rounds=3, iterations=1)
    assert summary.unchanged == ROWS and not summary.changed
    assert Node.objects.count() == ROWS
    benchmark.extra_info["database"] = connection.vendor
