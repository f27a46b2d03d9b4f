"""The counties' league table beside the city's own, never mixed with it: on the city's
monthly poster and board workbook (each county ranked on its own tasks' ratings that
month, from its own board when published, else as it stands), and as a workbook of its own
from the yearly league page."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from ducha.boards import exports, league, poster
from ducha.boards.publication import latest, publish, snapshot_with_hash
from ducha.ledger.importing import Options, import_ledger, import_progress
from ducha.ledger.models import Progress, Task
from ducha.org.models import Jurisdiction, User
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv

DECEMBER = dt.date(2021, 12, 1)
JANUARY_10 = dt.datetime(2022, 1, 10, 9, tzinfo=dt.UTC)
HEADING = "县（市、区）改革任务推进排名"

# What each task of a county is rated in December 2021, county by county (13, as in Dezhou).
COUNTY_NAMES = ["德城区", "陵城区", "禹城市", "乐陵市", "临邑县", "平原县", "夏津县"]
COUNTY_NAMES += ["武城县", "庆云县", "宁津县", "齐河县", "天衢新区", "德州经开区"]
PATTERNS = [
    ("horse", "ox"),  # 90.0
    ("ox", "ox"),  # 80.0
    ("ox", "snail"),  # 40.0
    ("ostrich",),  # 50.0
    ("horse",),  # 100.0
    ("ox", "ostrich"),  # 65.0
    ("snail",),  # 0.0
    ("ox",),  # 80.0, level with 陵城区
    ("horse", "snail"),  # 50.0, one horse more than 临邑县
    ("ox", "ox", "ostrich"),  # 70.0
    ("ostrich", "snail"),  # 25.0
    (),  # no task: not ranked
    ("horse", "ox", "ox"),  # 86.7
]
# Node N2's deadline and its December row for each mark (N1, due in June, was done then).
DECEMBER_ROWS = {
    "horse": ("2022-03", ["已完成", "2021-12-15", "100"]),
    "ox": ("2022-06", ["推进中", "", "50"]),
    "ostrich": ("2021-11", ["推进中", "", "60"]),
    "snail": ("2022-06", None),  # not reported
}


def add_counties(
    folder: Path, count: int = 13, unpublished: tuple[int, ...] = ()
) -> list[Jurisdiction]:
    """`count` counties below the home jurisdiction, each with a small ledger of its own
    rated in December 2021 as PATTERNS says, December published (on 10 January 2022) by
    all but those whose index is in `unpublished`."""
    home = Jurisdiction.objects.home()
    counties = []
    for i, (name, marks) in enumerate(zip(COUNTY_NAMES[:count], PATTERNS, strict=False)):
        county = Jurisdiction.objects.create(
            slug=f"county-{i:02}",
            name=name,
            level=Jurisdiction.Level.COUNTY,
            parent=home,
            order=i,
        )
        counties.append(county)
        ledger, progress = [], []
        for k, mark in enumerate(marks, start=1):
            code = f"X-{k}"
            due, row = DECEMBER_ROWS[mark]
            over = {"牵头单位": f"{name}发展和改革局", "分管市领导": f"{name}领导", "配合单位": ""}
            ledger += [
                ledger_row(code=code, node="N1", due="2021-06", **over),
                ledger_row(code=code, node="N2", due=due, **over),
            ]
            progress.append([code, "N1", "2021-06", "已完成", "2021-06-20", "100", ""])
            if row:
                progress.append([code, "N2", "2021-12", *row, ""])
        options = Options(jurisdiction=county)
        if ledger:
            import_ledger(
                write_csv(folder / f"{county.slug}.csv", LEDGER_HEADER, ledger), options=options
            )
            path = write_csv(folder / f"{county.slug}-p.csv", PROGRESS_HEADER, progress)
            import_progress(path, options=options)
        if ledger and i not in unpublished:  # a month nothing is rated in is not published
            publish(DECEMBER, jurisdiction=county, now=JANUARY_10)
    return counties


@pytest.fixture
def city(cycle, tmp_path, settings):
    """The `cycle` city's December 2021 published, four counties below it: 德城区 90.0,
    陵城区 80.0, 禹城市 40.0 (not published yet: off the public tables), 乐陵市 50.0."""
    settings.DUCHA_TODAY = "2022-01-11"
    counties = add_counties(tmp_path, count=4, unpublished=(2,))
    publish(DECEMBER, now=JANUARY_10)
    return {"counties": counties, "office": cycle["office"], "board": board()}


def board(jurisdiction: Jurisdiction | None = None) -> dict:
    return snapshot_with_hash(latest(DECEMBER, jurisdiction=jurisdiction))


def league_rows(html: str) -> list[tuple[int, str, str]]:
    """(rank, county, score) of the poster's county table, its columns joined."""
    rows = []
    for table in re.findall(r'<table class="rank league">(.*?)</table>', html, re.S):
        rows += re.findall(
            r'<td class="pos">(\d+)</td><td class="name">([^<]+)(?:<span[^>]*>[^<]*</span>)?'
            r"</td>.*?<td class=\"sc score\">([\d.]+)</td>",
            table,
        )
    return [(int(rank), name, score) for rank, name, score in rows]


def unit_names(html: str) -> set[str]:
    """The lead units of page one's unit tables (those ranked by kind)."""
    tables = re.findall(r'<table class="rank rank-\w+[^"]*">(.*?)</table>', html, re.S)
    return {n for t in tables for n in re.findall(r'<td class="name">([^<]+)</td>', t)}


# The poster ------------------------------------------------------------------------------


def test_the_city_poster_ranks_its_counties_in_a_table_of_their_own(city):
    html = poster.poster_html(city["board"])
    assert league_rows(html) == [
        (1, "德城区", "90.0"),
        (2, "陵城区", "80.0"),
        (3, "乐陵市", "50.0"),
    ]
    # Under its own heading, after the lead units' tables, and none of them in the other.
    assert html.index("牵头单位排名") < html.index(HEADING) < html.index('class="rank league"')
    assert unit_names(html) == {"市工业和信息化局", "市财政局"}
    assert not {"德城区", "陵城区", "禹城市", "乐陵市"} & unit_names(html)


def test_a_county_not_yet_published_is_named_but_its_figures_are_not_shown(city):
    """The public poster shows what each county's office has published, nothing more."""
    html = poster.poster_html(city["board"])
    assert '<td class="name">禹城市' not in html
    assert "本月尚未发布公示：禹城市。" in html


def test_a_county_with_no_rated_task_is_named_apart(city, tmp_path):
    Jurisdiction.objects.create(
        slug="new", name="新区", level=Jurisdiction.Level.COUNTY, parent=city["counties"][0].parent
    )
    html = poster.poster_html(city["board"])
    named = re.search(r"本月尚未发布公示：([^。]*)。", html)[1]
    assert set(named.split("、")) == {"禹城市", "新区"}
    assert "新区" not in {name for _, name, _ in league_rows(html)}


def test_a_countys_poster_has_no_county_table(city):
    county_board = board(city["counties"][0])
    html = poster.poster_html(county_board)
    assert HEADING not in html and 'class="rank league"' not in html
    assert "德城区发展和改革局" in unit_names(html)


def test_a_city_without_counties_prints_no_county_table(cycle, settings):
    settings.DUCHA_TODAY = "2022-01-11"
    publish(DECEMBER, now=JANUARY_10)
    html = poster.poster_html(board())
    assert HEADING not in html and "league" not in html.split("</style>")[1]


def test_the_poster_with_the_county_table_fits_page_one(city, tmp_path):
    pdf = tmp_path / "poster.pdf"
    with pdf.open("wb") as out:
        poster.board_pdf(city["board"], out)

    def text(page: int) -> str:
        command = ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert HEADING in text(1) and "德城区" in text(1)
    assert text(2).startswith("附件：全部任务评价")


# The board's workbook ----------------------------------------------------------------------


def test_the_city_workbook_ranks_its_counties_on_a_sheet_of_their_own(city, tmp_path):
    path = tmp_path / "board.xlsx"
    exports.board_xlsx(city["board"], path)
    book = load_workbook(path)
    assert book.sheetnames == ["2021-12四色公示", "单位汇总", "县（市、区）排名"]
    sheet = book["县（市、区）排名"]
    assert sheet["A1"].value == f"德州市2021年12月{HEADING}（第1版）"
    assert [c.value for c in sheet[2]] == [
        "排名", "县（市、区）", "骏马", "黄牛", "鸵鸟", "蜗牛", "本月得分", "说明",
    ]  # fmt: skip
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=5)]
    assert [(r[0], r[1], float(r[6]), r[7] or "") for r in rows] == [
        (1, "德城区", 90.0, ""),
        (2, "陵城区", 80.0, ""),
        (3, "乐陵市", 50.0, ""),
    ]
    notes = [c.value for c in sheet["A"] if c.value and str(c.value).startswith("本月")]
    assert notes == ["本月尚未发布公示：禹城市"]
    units = {row[2].value for row in book["单位汇总"].iter_rows(min_row=3)}
    assert not {"德城区", "陵城区", "禹城市", "乐陵市"} & units


def test_a_countys_workbook_has_no_county_sheet(city, tmp_path):
    path = tmp_path / "county.xlsx"
    exports.board_xlsx(board(city["counties"][0]), path)
    assert load_workbook(path).sheetnames == ["2021-12四色公示", "单位汇总"]


def test_the_city_download_follows_its_counties_publications(city):
    """The city's file is kept under its own hash and what the counties' are read from:
    a county publishing (or correcting) its month gives the city's download anew."""
    visitor = Client()

    def sheet():
        response = visitor.get("/board/2021-12.xlsx", HTTP_HOST="127.0.0.1")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        rows = book["县（市、区）排名"].iter_rows(min_row=3, max_row=6, values_only=True)
        return {r[1]: (float(r[6]), r[7] or "") for r in rows if r[6] is not None}, response.get(
            "ETag"
        )

    before, etag = sheet()
    assert "禹城市" not in before and etag.endswith('.xlsx"')
    # The county's report comes in late, and then the county publishes.
    yc = city["counties"][2]
    snail = Task.objects.get(jurisdiction=yc, code="X-2")
    Progress.objects.create(
        task=snail, node=snail.nodes.get(code="N2"), month=DECEMBER, status="in_progress"
    )
    assert "禹城市" not in sheet()[0]  # its figures move, but it has not published
    publish(DECEMBER, jurisdiction=yc, now=JANUARY_10)
    after, etag = sheet()
    assert after["禹城市"] == (80.0, "")
    assert etag.startswith(f'"{city["board"]["sha256"]}-') and etag.endswith('.xlsx"')
    again = visitor.get("/board/2021-12.xlsx", HTTP_IF_NONE_MATCH=etag, HTTP_HOST="127.0.0.1")
    assert again.status_code == 304
    # A correction of one county's month moves the city's file with it.
    state = league.state(DECEMBER)
    publish(DECEMBER, jurisdiction=yc, now=JANUARY_10, correction="更正")
    assert league.state(DECEMBER) != state


def test_a_county_download_is_kept_under_its_own_hash_alone(city):
    response = Client().get("/j/county-00/board/2021-12.xlsx", HTTP_HOST="127.0.0.1")
    assert response["ETag"] == f'"{board(city["counties"][0])["sha256"]}.xlsx"'


# The yearly league page's workbook -------------------------------------------------------


def test_the_league_page_downloads_the_county_table_as_a_workbook_of_its_own(city):
    office = Client()
    office.force_login(city["office"])
    page = office.get("/office/counties/", {"year": 2021}, HTTP_HOST="127.0.0.1")
    assert "format=xlsx" in page.content.decode()
    response = office.get(
        "/office/counties/", {"year": 2021, "format": "xlsx"}, HTTP_HOST="127.0.0.1"
    )
    assert response.status_code == 200
    assert "ducha-counties-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "县市区考核得分"
    assert sheet["A1"].value == "德州市2021年度改革任务“四色”督查考核得分（按县市区）"
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names[:4] == ["德城区", "陵城区", "乐陵市", "禹城市"]
    assert "市工业和信息化局" not in names


def test_the_county_table_workbook_is_the_overseers_alone(city):
    reporter = User.objects.get(username="reporter")
    client = Client()
    client.force_login(reporter)
    response = client.get(
        "/office/counties/", {"year": 2021, "format": "xlsx"}, HTTP_HOST="127.0.0.1"
    )
    assert response.status_code == 403
