"""The working pages run a constant number of queries whatever the number of tasks."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Task
from ducha.org.models import Unit, User
from ducha.reports import workflow
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv


def build(tmp_path, size):
    rows = [
        ledger_row(code=f"T-{i}", node=f"N{k}", due="2021-06") for i in range(size) for k in (1, 2)
    ]
    import_ledger(write_csv(tmp_path / f"l{size}.csv", LEDGER_HEADER, rows))
    for task in Task.objects.all():
        workflow.open_report(task, dt.date(2021, 6, 1))
    unit = Unit.objects.get(name="市工业和信息化局")
    people = {
        "office": User.objects.create_user("o", role=User.Role.OFFICE),
        "reporter": User.objects.create_user("r", role=User.Role.REPORTER, unit=unit),
    }
    return people


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url", ["/me/?month=2021-06", "/office/?month=2021-06", "/office/?month=2021-06&preview=1"]
)
def test_list_pages_take_the_same_queries_for_5_or_60_tasks(db, areas, tmp_path, settings, url):
    settings.DUCHA_TODAY = "2021-07-03"
    counts = []
    for size in (5, 60):
        Task.objects.all().delete()
        User.objects.all().delete()
        people = build(tmp_path, size)
        client = Client()
        client.force_login(people["office" if "office" in url else "reporter"])
        client.get(url)  # warm up: sessions, content types
        counts.append(queries(client, url))
    assert counts[0] == counts[1], counts
