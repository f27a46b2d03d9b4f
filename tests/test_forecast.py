"""The slippage forecast on a tiny built world: its honesty, the backtest's numbers (checked
by hand below), the command's output and the page."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.boards.publication import _parsed, publish
from ducha.forecast.backtest import backtest
from ducha.forecast.slips import likely_slips
from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Node, Progress, Task
from ducha.org.models import Leader, Unit, User
from ducha.ratings.marks import NAMES
from ducha.ratings.monthly import forget
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

MARCH, APRIL, MAY, JUNE, JULY = (dt.date(2021, m, 1) for m in (3, 4, 5, 6, 7))
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)

# Four one-node tasks rated from March (only A reports then); each row is (month, percent).
#   A: due May; stands at 20% from March to May (a snail in May), 50% in June (an ostrich).
#   B: due September; moves every month (ox throughout).
#   C: due June; 80% in May, then no June report (a snail, 未报送).
#   D: due June; 20% in May, done in June (ox).
# Forecast May (from April): A's node is due at 20% → A flagged; May's slips: A.   1/1, 1/1
# Forecast June (from May): A overdue (and still at 20% since March), D due at 20% → A, D;
#   June's slips: A, C.                                                          1/2, 1/2
# April (nothing due, nothing stalled yet): nothing flagged, nothing slipped.       —, —
PLAN = {
    "A": ("2021-05", [(MARCH, 20), (APRIL, 20), (MAY, 20), (JUNE, 50)]),
    "B": ("2021-09", [(APRIL, 30), (MAY, 50), (JUNE, 60)]),
    "C": ("2021-06", [(APRIL, 60), (MAY, 80)]),
    "D": ("2021-06", [(APRIL, 10), (MAY, 20), (JUNE, 100)]),
}
UNITS = {"A": "市财政局", "B": "市财政局", "C": "市商务局", "D": "市工业和信息化局"}


def add_row(code: str, month: dt.date, percent: int) -> None:
    task = Task.objects.get(code=code)
    done = percent == 100
    Progress.objects.create(
        task=task,
        node=Node.objects.get(task=task),
        month=month,
        status="done" if done else "in_progress",
        percent=percent,
        done_on=month + dt.timedelta(days=9) if done else None,
    )


def build(tmp_path, copies: int = 1) -> None:
    rows = [
        ledger_row(code=f"{code}{k or ''}", node="N1", due=due, 牵头单位=UNITS[code])
        for code, (due, _rows) in PLAN.items()
        for k in range(copies)
    ]
    import_ledger(write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows))
    Task.objects.update(start_month=MARCH)
    for code, (_due, progress) in PLAN.items():
        for k in range(copies):
            for month, percent in progress:
                add_row(f"{code}{k or ''}", month, percent)


@pytest.fixture
def world(db, areas, tmp_path, settings):
    settings.DUCHA_TODAY = "2021-08-12"
    build(tmp_path)
    for month in (APRIL, MAY, JUNE):
        publish(month, now=AUGUST_10)


def test_it_forecasts_each_task_with_its_reasons(world):
    june = likely_slips(JUNE)
    assert [(s.task_code, s.lead_unit, s.likely) for s in june] == [
        ("A", "市财政局", "snail"),
        ("D", "市工业和信息化局", "ostrich"),
    ]
    a, d = june
    assert [code for code, _text in a.reasons] == ["overdue", "still"]
    assert a.reasons[0][1].startswith(
        "节点N1「制定实施方案」应于2021年5月完成，至2021年5月底仍未完成"
    )
    assert d.reasons == (("due_low", "节点N1「制定实施方案」本月到期，上月进度仅20%"),)
    assert a.task_title == "推进亩产效益评价改革" and a.task_id == Task.objects.get(code="A").pk


def test_the_forecast_of_a_month_reads_nothing_of_that_month_or_later(world):
    before = likely_slips(JULY)
    assert [s.task_code for s in before] == ["A", "C"]  # their nodes are overdue
    add_row("A", JULY, 100)  # July's rows: A done, C back, D has nothing left to do
    add_row("C", JULY, 100)
    add_row("B", dt.date(2021, 8, 1), 70)
    assert likely_slips(JULY) == before
    # June not published: its ratings are computed, from rows up to June only.
    Progress.objects.filter(month__gte=JULY).delete()
    unpublished = likely_slips(dt.date(2021, 8, 1))
    add_row("B", dt.date(2021, 8, 1), 90)
    add_row("B", dt.date(2021, 9, 1), 100)
    assert likely_slips(dt.date(2021, 8, 1)) == unpublished


def test_the_backtest_counts_each_published_month_by_hand(world):
    result = backtest(2021)
    rows = [(s.month, s.predicted, s.actual, s.hits, s.precision, s.recall) for s in result.months]
    assert rows == [
        (APRIL, 0, 0, 0, None, None),
        (MAY, 1, 1, 1, 100.0, 100.0),
        (JUNE, 2, 2, 1, 50.0, 50.0),
    ]
    total = result.total
    assert (total.predicted, total.actual, total.hits) == (3, 3, 2)
    assert result.as_json()["total"]["precision"] == 66.7


def test_the_backtest_command_prints_a_row_per_month_and_the_year(world):
    out = StringIO()
    call_command("forecast", "--backtest", "--year", "2021", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["月份", "预测", "实际", "命中", "精确率", "召回率"]
    assert [line.split() for line in lines[1:]] == [
        ["2021-04", "0", "0", "0", "—", "—"],
        ["2021-05", "1", "1", "1", "100.0%", "100.0%"],
        ["2021-06", "2", "2", "1", "50.0%", "50.0%"],
        ["2021全年", "3", "3", "2", "66.7%", "66.7%"],
    ]


def test_the_backtest_command_prints_json(world):
    out = StringIO()
    call_command("forecast", "--backtest", "--year", "2021", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["year"] == 2021
    assert data["months"][1] == {
        "month": "2021-05",
        "predicted": 1,
        "actual": 1,
        "hits": 1,
        "precision": 100.0,
        "recall": 100.0,
    }
    assert data["months"][0]["precision"] is None
    assert data["total"]["recall"] == 66.7


def test_the_month_command_lists_the_slips(world):
    out = StringIO()
    call_command("forecast", "--month", "2021-06", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["A", NAMES["snail"], "市财政局"]
    assert "本月到期，上月进度仅20%" in lines[1]
    assert lines[-1] == "共 2 项"
    out = StringIO()
    call_command("forecast", "--month", "2021-06", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [s["task"] for s in data["slips"]] == ["A", "D"]
    assert data["slips"][1]["reasons"][0]["code"] == "due_low"


@pytest.mark.parametrize(
    "args, words",
    [
        ([], "--month"),
        (["--backtest"], "--year"),
        (["--month", "2021-13"], "月份 13"),
        (["--month", "2021-06", "--jurisdiction", "nowhere"], "nowhere"),
    ],
)
def test_the_command_says_what_is_missing_or_wrong(world, args, words):
    with pytest.raises(CommandError, match=words):
        call_command("forecast", *args, stdout=StringIO())


def test_the_backtest_of_a_year_without_boards_says_so(world):
    out = StringIO()
    call_command("forecast", "--backtest", "--year", "2020", stdout=out)
    assert "2020年没有已发布的月份" in out.getvalue()


@pytest.fixture
def people(world):
    leader = Leader.objects.get(name="赵明")
    unit = Unit.objects.get(name="市财政局")
    Role = User.Role
    return {
        "office": User.objects.create_user("office", role=Role.OFFICE),
        "auditor": User.objects.create_user("auditor", role=Role.AUDITOR),
        "leader": User.objects.create_user("leader", role=Role.LEADER, leader=leader),
        "reporter": User.objects.create_user("reporter", role=Role.REPORTER, unit=unit),
        "head": User.objects.create_user("head", role=Role.HEAD, unit=unit),
    }


@pytest.mark.parametrize(
    "role, status", [("office", 200), ("auditor", 200), ("leader", 200), ("reporter", 403)]
)
def test_the_page_is_for_those_who_read_the_numbers(people, role, status):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(people[role])
    assert client.get("/office/forecast/?month=2021-06").status_code == status


def test_the_page_asks_a_stranger_to_sign_in(world):
    response = Client(HTTP_HOST="127.0.0.1").get("/office/forecast/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_lists_the_slips_by_unit_and_the_backtest(people):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(people["office"])
    page = client.get("/office/forecast/").content.decode()  # August is reported: forecast it
    assert "2021年8月" in page
    page = client.get("/office/forecast/?month=2021-06").content.decode()
    assert 'data-task="A" data-likely="snail"' in page and 'data-task="D"' in page
    assert 'data-unit="市财政局"' in page and 'href="/tasks/A/"' in page
    assert "本月到期，上月进度仅20%" in page
    assert 'data-month="2021-05"' in page and "66.7%" in page
    filtered = client.get("/office/forecast/?month=2021-06&unit=市工业和信息化局").content.decode()
    assert 'data-task="D"' in filtered and 'data-task="A"' not in filtered


def test_the_page_speaks_english(people, settings):
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(people["office"])
    page = client.get("/office/forecast/?month=2021-06").content.decode()
    assert "Slippage forecast" in page
    assert "is due this month and stood at only 20% last month" in page


@pytest.mark.parametrize("query", ["?month=2021-13", "?year=①", "?year=2201", "?j=nowhere"])
def test_the_page_refuses_what_it_cannot_read(people, query):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(people["office"])
    assert client.get(f"/office/forecast/{query}").status_code in (400, 404)


def _page_queries(client, cold: bool = True) -> int:
    if cold:  # the backtest, ratings and parsed boards kept in memory: forgotten
        cache.clear()
        forget()
        _parsed.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/office/forecast/?month=2021-07&year=2021").status_code == 200
    return len(queries)


def test_the_page_takes_the_same_queries_whatever_the_size(db, areas, tmp_path, settings):
    settings.DUCHA_TODAY = "2021-08-12"
    client = Client(HTTP_HOST="127.0.0.1")
    build(tmp_path, copies=1)
    for month in (APRIL, MAY, JUNE):
        publish(month, now=AUGUST_10)
    client.force_login(User.objects.create_user("office", role=User.Role.OFFICE))
    client.get("/office/forecast/")  # the session's first save
    small = _page_queries(client)
    # The backtest is kept while the chain's head stands.
    assert _page_queries(client, cold=False) < small
    Task.objects.all().delete()
    build(tmp_path, copies=6)
    assert Task.objects.count() == 24
    assert _page_queries(client) == small
