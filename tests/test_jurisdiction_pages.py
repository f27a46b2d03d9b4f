"""Every jurisdiction's public pages under /j/<slug>/, the home one's where they always were."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ducha.boards import poster
from ducha.boards.publication import publish, snapshot_with_hash
from ducha.ledger.models import Node, Progress, Task
from ducha.org.models import Jurisdiction, Leader, Unit
from tests.test_reports import client_for

MAY, JUNE, JULY = dt.date(2021, 5, 1), dt.date(2021, 6, 1), dt.date(2021, 7, 1)
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
ROW = re.compile(
    r'<tr id="t-(?P<code>[^"]+)" class="task task-(?P<mark>\w+)"[^>]*>(?P<body>.*?)</tr>', re.S
)
UNIT_TABLE = re.compile(
    r'<table class="unit-table unit-table-(?P<kind>\w+)"[^>]*>(?P<body>.*?)</table>', re.S
)


def add_tasks(jurisdiction, areas, count, *, first=1, title="任务", units=("甲局", "乙局")):
    """`count` tasks T-001… of `jurisdiction`: a node due in June and one in September; June
    reported done for every third task and half-way for the next."""
    leader, _ = Leader.objects.get_or_create(jurisdiction=jurisdiction, name="周强")
    for i in range(first, first + count):
        unit, _ = Unit.objects.get_or_create(jurisdiction=jurisdiction, name=units[i % len(units)])
        task = Task.objects.create(
            jurisdiction=jurisdiction,
            code=f"T-{i:03d}",
            title=f"{jurisdiction.name}{title}{i}",
            area=areas["industry"] if i % 2 else areas["livelihood"],
            source=Task.Source.CITY,
            leader=leader,
            lead_unit=unit,
            plan_year=2021,
        )
        n1 = Node.objects.create(task=task, code="N1", title="制定方案", due_month=JUNE, order=1)
        Node.objects.create(
            task=task, code="N2", title="全面推开", due_month=dt.date(2021, 9, 1), order=2
        )
        if i % 3 == 0:
            Progress.objects.create(
                task=task, node=n1, month=JUNE, status="done", done_on=dt.date(2021, 6, 20)
            )
        elif i % 3 == 1:
            Progress.objects.create(
                task=task, node=n1, month=JUNE, status="in_progress", percent=50
            )


@pytest.fixture
def home(areas):
    return Jurisdiction.objects.home()


@pytest.fixture
def county(home):
    return Jurisdiction.objects.create(slug="qingyun", name="庆云县", level="county", parent=home)


@pytest.fixture
def both(areas, home, county):
    """The city and 庆云县 each with tasks T-001…T-003 (the same codes, other titles);
    only the county's June is published."""
    add_tasks(home, areas, 3, title="市级任务", units=("市发展改革委", "市财政局"))
    add_tasks(county, areas, 3, title="县级任务", units=("县发展改革局", "县财政局"))
    publish(JUNE, jurisdiction=county, now=AUGUST_10)
    return {"home": home, "county": county}


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


# Task pages -------------------------------------------------------------------------------


def test_a_task_code_means_the_home_task_without_a_path_and_the_county_task_under_its_own(
    client, both
):
    city = page(client, "/tasks/T-001/")
    assert "德州市市级任务1" in city and "庆云县县级任务1" not in city
    county = page(client, "/j/qingyun/tasks/T-001/")
    assert "庆云县县级任务1" in county and "德州市市级任务1" not in county
    assert "县财政局" in county and "市财政局" not in county


def test_a_county_task_page_shows_its_own_months_and_links_to_its_own_board(client, both):
    html = page(client, "/j/qingyun/tasks/T-001/")
    assert 'href="/j/qingyun/board/2021-06/#t-T-001"' in html
    assert 'href="/j/qingyun/"' in html  # the crumb back to the county's board
    # The city's own page: nothing of the city is published yet.
    assert "这项任务还没有出现在已发布的公示中" in page(client, "/tasks/T-001/")


# Board pages ------------------------------------------------------------------------------


def test_a_county_board_shows_only_the_county_tasks_under_its_name(client, both):
    html = page(client, "/j/qingyun/board/2021-06/")
    found = {m["code"]: m["body"] for m in ROW.finditer(html)}
    assert sorted(found) == ["T-001", "T-002", "T-003"]
    assert all("庆云县县级任务" in body for body in found.values())
    assert "市级任务" not in html
    assert "<h1>庆云县改革任务“四色”督查公示</h1>" in html
    assert "<title>庆云县2021年6月“四色”督查公示" in html
    assert 'href="/j/qingyun/tasks/T-001/"' in html
    assert 'href="/j/qingyun/board/2021-06/"' in html  # the calendar stays in the county
    assert 'href="/tasks/' not in html and 'href="/board/' not in html


def test_the_latest_county_board_is_its_newest_month(client, both):
    publish(JULY, jurisdiction=both["county"], now=AUGUST_10)
    html = page(client, "/j/qingyun/")
    assert '<p class="board-month">2021年7月</p>' in html


def test_a_county_publication_is_not_the_home_board(client, both):
    response = client.get("/")
    assert response.status_code == 200 and "还没有发布过公示" in response.content.decode()
    assert client.get("/board/2021-06/").status_code == 404
    assert client.get("/board/2021-06.json").status_code == 404


def test_the_home_board_stays_the_home_one_when_both_are_published(client, both):
    publish(JUNE, now=AUGUST_10)
    html = page(client, "/board/2021-06/")
    assert "德州市市级任务1" in html and "县级任务" not in html
    assert "<h1>德州市改革任务“四色”督查公示</h1>" in html
    assert 'href="/tasks/T-001/"' in html and "/j/qingyun/" not in html
    # The home jurisdiction has its own path too, with the same board.
    under_slug = page(client, f"/j/{both['home'].slug}/board/2021-06/")
    assert "德州市市级任务1" in under_slug and "县级任务" not in under_slug
    assert f'href="/j/{both["home"].slug}/tasks/T-001/"' in under_slug


def test_the_county_units_are_ranked_by_the_county_units_kinds(client, areas, home, county):
    # The same name in two jurisdictions, of two kinds: each board reads its own.
    Unit.objects.create(jurisdiction=home, name="营商环境局", kind=Unit.Kind.OTHER)
    Unit.objects.create(jurisdiction=county, name="营商环境局", kind=Unit.Kind.MUNICIPAL)
    add_tasks(county, areas, 2, units=("营商环境局",))
    publish(JUNE, jurisdiction=county, now=AUGUST_10)
    tables = {t["kind"]: t["body"] for t in UNIT_TABLE.finditer(page(client, "/j/qingyun/"))}
    assert list(tables) == ["municipal"] and "营商环境局" in tables["municipal"]


@pytest.mark.parametrize(
    "url",
    [
        "/j/nowhere/",
        "/j/nowhere/board/2021-06/",
        "/j/nowhere/board/2021-06.csv",
        "/j/nowhere/tasks/T-001/",
    ],
)
def test_an_unknown_jurisdiction_is_a_404(client, both, url):
    assert client.get(url).status_code == 404


def test_a_county_month_not_published_is_a_404_listing_its_published_months(client, both):
    response = client.get("/j/qingyun/board/2021-07/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'href="/j/qingyun/board/2021-06/"' in html and 'href="/j/qingyun/"' in html


def test_the_jurisdictions_page_links_every_published_board(client, both):
    Jurisdiction.objects.create(
        slug="lingcheng", name="陵城区", level="county", parent=both["home"]
    )
    html = page(client, "/j/")
    assert '<a href="/j/qingyun/">庆云县</a>' in html
    assert "陵城区" not in html  # nothing published there yet
    assert f'<a href="/j/{both["home"].slug}/">' not in html  # nor in the city
    assert "德州市" in html  # named, unlinked, above its county
    publish(JUNE, now=AUGUST_10)
    assert f'<a href="/j/{both["home"].slug}/">德州市</a>' in page(client, "/j/")
    assert 'href="/j/"' in page(client, "/j/qingyun/")  # and every board links the list


# Downloads --------------------------------------------------------------------------------


def test_a_county_json_download_is_its_snapshot_naming_it(client, both):
    response = client.get("/j/qingyun/board/2021-06.json")
    assert response.status_code == 200
    board = json.loads(response.content)
    assert board["jurisdiction"] == "qingyun"
    assert {t["title"] for t in board["tasks"]} == {f"庆云县县级任务{i}" for i in (1, 2, 3)}
    assert 'filename="ducha-board-qingyun-2021-06-v1.json"' in response["Content-Disposition"]


def test_a_county_csv_and_xlsx_carry_its_tasks_and_its_name(client, both):
    response = client.get("/j/qingyun/board/2021-06.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == [f"庆云县县级任务{i}" for i in (1, 3, 2)]  # by area
    response = client.get("/j/qingyun/board/2021-06.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0]["A1"].value == "庆云县2021年6月改革任务“四色”督查公示（第1版）"
    assert book["单位汇总"]["A1"].value.startswith("庆云县2021年6月")


def test_a_county_poster_is_issued_under_its_name(client, both):
    board = client.get("/j/qingyun/board/2021-06.json").json()
    html = poster.poster_html(board)
    assert "庆云县改革任务“四色”督查公示" in html and "庆云县委全面深化改革委员会办公室" in html
    assert "德州市" not in html
    response = client.get("/j/qingyun/board/2021-06.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_home_downloads_are_the_home_snapshot_unchanged(client, both):
    published = publish(JUNE, now=AUGUST_10).publication
    body = client.get("/board/2021-06.json").content
    assert json.loads(body) == snapshot_with_hash(published)
    assert "jurisdiction" not in json.loads(body)


# Caching ----------------------------------------------------------------------------------


def test_a_county_publication_shows_at_once_and_leaves_the_city_pages_as_they_were(client, both):
    publish(JUNE, now=AUGUST_10)
    visitor = Client()
    city = visitor.get("/")
    assert '<p class="board-month">2021年6月</p>' in page(visitor, "/j/qingyun/")  # now cached
    publish(JULY, jurisdiction=both["county"], now=AUGUST_10)
    assert '<p class="board-month">2021年7月</p>' in page(visitor, "/j/qingyun/")
    again = visitor.get("/", HTTP_IF_NONE_MATCH=city["ETag"])
    assert again.status_code == 304  # the city's board did not change


def test_a_city_publication_does_not_move_the_county_pages(client, both):
    first = client.get("/j/qingyun/board/2021-06/")
    publish(JUNE, now=AUGUST_10)
    again = client.get("/j/qingyun/board/2021-06/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_county_board_costs_the_same_queries_after_its_ledger_grows_twentyfold(
    client, areas, home, county
):
    add_tasks(home, areas, 4, title="市级任务")
    add_tasks(county, areas, 4)
    publish(MAY, jurisdiction=county, now=AUGUST_10)
    publish(JUNE, jurisdiction=county, now=AUGUST_10)
    urls = ["/j/qingyun/board/2021-06/", "/j/qingyun/board/2021-06/", "/j/qingyun/tasks/T-001/"]
    small = [queries(client, u) for u in urls]
    add_tasks(county, areas, 80, first=5)
    publish(JULY, jurisdiction=county, now=AUGUST_10)
    cache.clear()
    large = [queries(client, u.replace("2021-06", "2021-07")) for u in urls]
    # Against the city's [4, 1, 10]: the jurisdiction is looked up by its slug, once.
    assert small == large == [5, 1, 11]


# Office pages stay the home jurisdiction's ------------------------------------------------


def test_the_office_pages_find_the_office_own_task_when_a_county_has_the_same_code(
    cycle, areas, county
):
    add_tasks(county, areas, 1, units=("县发展改革局",))
    Task.objects.filter(jurisdiction=county).update(code="T-1")
    office = client_for(cycle["office"])
    report = page(office, "/reports/T-1/2021-06/")
    assert cycle["t1"].title in report and "庆云县" not in report
    override = page(office, "/office/override/?task=T-1&month=2021-06")
    assert cycle["t1"].title in override and "庆云县" not in override
