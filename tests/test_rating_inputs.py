"""The rating inputs' version: database triggers move it on every write to what a rating
reads, so a month's ratings are computed once between two writes, and never served stale."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Node, Progress, Task
from ducha.ratings import inputs
from ducha.ratings.models import InputsVersion, Override
from ducha.ratings.monthly import forget, rate_month
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

JUNE = dt.date(2021, 6, 1)
pytestmark = pytest.mark.django_db(transaction=True)  # autocommit, as a request runs


@pytest.fixture
def ledger(areas, tmp_path):
    InputsVersion.objects.get_or_create(pk=1)  # a transactional test's flush removed it
    rows = [ledger_row(code="T-1", node="N1", due="2021-06"), ledger_row(code="T-2", node="N1")]
    import_ledger(write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows))
    forget()
    return {t.code: t for t in Task.objects.all()}


def moves(write) -> bool:
    before = inputs.version()
    write()
    after = inputs.version()
    assert before is not None and after is not None
    return after != before


def test_every_kind_of_write_to_what_a_rating_reads_moves_the_version(ledger):
    t1 = ledger["T-1"]
    node = Node.objects.get(task=t1)

    def add_row():
        Progress.objects.create(task=t1, node=node, month=JUNE, status="in_progress", percent=10)

    assert moves(add_row)
    assert moves(lambda: Progress.objects.filter(task=t1).update(percent=20))  # no save()
    assert moves(lambda: Node.objects.filter(pk=node.pk).update(title="改了"))
    assert moves(lambda: Task.objects.filter(pk=t1.pk).update(status="suspended"))
    assert moves(lambda: Override.objects.create(task=t1, month=JUNE, rating="ox", reason="说明"))

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_progress")

    assert moves(raw_delete)
    assert not moves(lambda: list(Task.objects.all()))  # reading moves nothing


def test_a_month_is_rated_once_between_two_writes(ledger):
    first = rate_month(JUNE)
    with CaptureQueriesContext(connection) as reads:
        again = rate_month(JUNE)
    assert again is first and len(reads) == 1  # the version, nothing else
    node = Node.objects.get(task=ledger["T-1"])
    Progress.objects.create(
        task=ledger["T-1"], node=node, month=JUNE, status="done", done_on=dt.date(2021, 6, 9)
    )
    fresh = {r.task: r for r in rate_month(JUNE)}
    assert fresh["T-1"].reported and fresh["T-1"].computed == "ox"
    assert not {r.task: r for r in first}["T-1"].reported


def test_inside_a_transaction_a_month_is_always_rated_afresh(ledger):
    rate_month(JUNE)
    with transaction.atomic():
        assert inputs.version() is None
        node = Node.objects.get(task=ledger["T-2"])
        Progress.objects.create(
            task=ledger["T-2"], node=node, month=JUNE, status="in_progress", percent=5
        )
        inside = {r.task: r for r in rate_month(JUNE)}
        assert inside["T-2"].reported  # sees its own write, not a kept result
        transaction.set_rollback(True)
    assert not {r.task: r for r in rate_month(JUNE)}["T-2"].reported


def test_folding_the_change_rows_leaves_the_version_as_it_was(ledger):
    node = Node.objects.get(task=ledger["T-1"])
    Progress.objects.create(task=ledger["T-1"], node=node, month=JUNE, status="not_started")
    before = inputs.version()
    inputs.compact()
    assert inputs.version() == before
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ratings_inputschange")
            assert cursor.fetchone()[0] == 0


def test_without_its_row_the_version_is_not_trusted(ledger):
    InputsVersion.objects.all().delete()
    assert inputs.version() is None
    first = rate_month(JUNE)
    assert rate_month(JUNE) is not first  # nothing kept


def test_a_missing_trigger_stops_the_trust_and_migrate_puts_it_back(ledger):
    from django.core.management import call_command

    name = "ratings_inputs_ledger_progress"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {name}_UPDATE")  # as a table rebuild would
        else:
            cursor.execute(f"DROP TRIGGER {name} ON ledger_progress")
    inputs.forget_checks()
    assert not inputs.installed() and inputs.version() is None
    call_command("migrate", verbosity=0)  # nothing to migrate; the triggers come back
    assert inputs.installed() and inputs.version() is not None
    node = Node.objects.get(task=ledger["T-1"])
    Progress.objects.create(task=ledger["T-1"], node=node, month=JUNE, status="in_progress")
    assert moves(lambda: Progress.objects.update(percent=30))
