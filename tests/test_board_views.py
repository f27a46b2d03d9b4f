"""The public board pages: `/`, `/board/YYYY-MM/`, filters, corrections, downloads, caching."""

import datetime as dt
import io
import json
import os
import re
import shutil

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.boards.publication import publish, snapshot_with_hash
from ducha.boards.units import units_by_kind
from ducha.ledger.importing import import_ledger, import_progress
from ducha.ledger.layout import Options
from ducha.ledger.models import Task
from ducha.org.models import Unit
from ducha.ratings import marks
from ducha.ratings.monthly import override_rating
from ducha.ratings.scoring import score
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv

MAY, JUNE, JULY = dt.date(2021, 5, 1), dt.date(2021, 6, 1), dt.date(2021, 7, 1)
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
NAMES = {"horse": "骏马", "ox": "黄牛", "ostrich": "鸵鸟", "snail": "蜗牛"}
ROW = re.compile(
    r'<tr id="t-(?P<code>[^"]+)" class="task task-(?P<mark>\w+)"[^>]*>(?P<body>.*?)</tr>', re.S
)
UNIT_TABLE = re.compile(
    r'<table class="unit-table unit-table-(?P<kind>\w+)"[^>]*>(?P<body>.*?)</table>', re.S
)
UNIT_ROW = re.compile(
    r'<td role="cell" class="c-rank">(?P<rank>\d+)</td>'
    r'<th scope="row"[^>]*><a href="[^"]*">(?P<unit>[^<]+)</a></th>'
    r'(?P<counts>.*?)<td role="cell" class="c-n score"[^>]*>(?P<score>[\d.]+)</td>',
    re.S,
)


def tasks_of(publication) -> dict:
    return {t["task"]: t for t in json.loads(publication.snapshot)["tasks"]}


def rows(html: str) -> dict:
    return {m["code"]: m for m in ROW.finditer(html)}


def unit_tables(html: str) -> dict[str, list[dict]]:
    """{kind: [{rank, unit, score, counts: [(mark name, n)]}]} in the page's order."""
    return {
        table["kind"]: [
            row.groupdict()
            | {"counts": re.findall(r'data-label="([^"]+)">(\d+)</td>', row["counts"])}
            for row in UNIT_ROW.finditer(table["body"])
        ]
        for table in UNIT_TABLE.finditer(html)
    }


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


# Pages --------------------------------------------------------------------------------


def test_the_front_page_shows_the_latest_published_month_to_anonymous_visitors(client, boards):
    html = page(client, "/")
    assert "德州市改革任务“四色”督查公示" in html
    assert "2021年6月" in html and "2021年5月" in html  # June's board, compared with May
    assert boards[JUNE].sha256 in html and boards[JUNE].previous in html
    assert boards[MAY].sha256 == boards[JUNE].previous
    assert set(rows(html)) == set(tasks_of(boards[JUNE]))


def test_a_newly_published_month_shows_on_the_front_page_at_once(client, boards):
    assert boards[JUNE].sha256 in page(client, "/")
    july = publish(JULY, now=AUGUST_10).publication
    html = page(client, "/")
    assert july.sha256 in html and "2021年7月" in html


def test_a_month_page_shows_that_month_and_links_the_other_published_months(client, boards):
    html = page(client, "/board/2021-05/")
    assert boards[MAY].sha256 in html
    assert '<a class="current" aria-current="page" href="/board/2021-05/">5月</a>' in html
    assert '<a href="/board/2021-06/">6月</a>' in html
    assert '<span class="off" title="未公示">7月</span>' in html


def test_the_board_shows_the_legend_with_names_meanings_and_counts(client, boards):
    html = page(client, "/board/2021-06/")
    ratings = [t["rating"] for t in tasks_of(boards[JUNE]).values()]
    for key, meaning in [
        ("horse", "提前完成"),
        ("ox", "正常推进"),
        ("ostrich", "进展缓慢"),
        ("snail", "工作无进展"),
    ]:
        legend = re.search(rf'<li class="legend-item legend-{key}">(.*?)</li>', html, re.S)[1]
        assert NAMES[key] in legend and meaning in legend
        assert f"<strong>{ratings.count(key)}</strong>" in legend


def test_every_rated_task_carries_its_icon_and_its_name(client, boards):
    html = page(client, "/board/2021-06/")
    published = tasks_of(boards[JUNE])
    shown = rows(html)
    for code, task in published.items():
        row = shown[code]
        assert row["mark"] == (task["rating"] or "none")
        if task["rating"]:
            assert f'href="#mark-{task["rating"]}"' in row["body"]
            assert f'<span class="mark-name">{NAMES[task["rating"]]}</span>' in row["body"]
        else:
            assert '<span class="mark-name">不评价</span>' in row["body"]
        assert f'href="/tasks/{code}/"' in row["body"]
    # The sprite the rows point at is on the page, drawn in the four colours.
    for m in marks.MARKS.values():
        assert f'fill="{m.icon}"' in html


def test_each_task_shows_how_it_moved_against_last_month(client, boards):
    before, now = tasks_of(boards[MAY]), tasks_of(boards[JUNE])
    shown = rows(page(client, "/board/2021-06/"))
    order = ["snail", "ostrich", "ox", "horse"]
    moved = 0
    for code, task in now.items():
        old, new = before[code]["rating"], task["rating"]
        if old and new and old != new:
            word = "升为" if order.index(new) > order.index(old) else "降为"
            arrow = "↑" if word == "升为" else "↓"
            assert f"{arrow}</span> 由{NAMES[old]}{word}{NAMES[new]}" in shown[code]["body"]
            moved += 1
        elif old and old == new:
            assert "持平" in shown[code]["body"]
    assert moved >= 2


def test_an_overridden_rating_says_adjusted_and_gives_the_reason(client, sample_ledger):
    override_rating(Task.objects.get(code="HX-002"), JUNE, "ostrich", "补报材料证明6月已启动")
    publish(JUNE, now=AUGUST_10)
    body = rows(page(client, "/board/2021-06/"))["HX-002"]["body"]
    assert '<span class="mark-name">鸵鸟</span>' in body
    assert "调整" in body and "补报材料证明6月已启动" in body and "按规则评为蜗牛" in body


def test_the_unit_summary_lists_every_unit_with_its_score_rank_and_counts(client, boards):
    tables = unit_tables(page(client, "/board/2021-06/"))
    assert list(tables) == ["municipal"]  # the sample's lead units are all city departments
    shown = {row["unit"]: row for row in tables["municipal"]}
    units = json.loads(boards[JUNE].snapshot)["units"]
    assert list(shown) == [u["unit"] for u in units]
    for unit in units:
        row = shown[unit["unit"]]
        assert (row["rank"], row["score"]) == (str(unit["rank"]), f"{unit['score']:.1f}")
        assert row["counts"] == [(m.name, str(unit[key])) for key, m in marks.MARKS.items()]


def test_the_footer_shows_publication_date_version_and_the_chain(client, boards):
    html = page(client, "/board/2021-06/")
    footer = html[html.index('<footer class="site">') :]
    assert "2021-08-10 17:00" in footer  # published at, Beijing time
    assert "第1版" in footer and "手动发布" in footer
    assert boards[JUNE].sha256 in footer and boards[JUNE].previous in footer


def test_pages_carry_no_inline_scripts_or_styles(client, boards):
    for url in ("/", "/board/2021-05/?rating=snail", "/board/2099-01/", "/tasks/HX-001/"):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<style" not in html
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
        assert 'href="/static/ducha/site.css"' in html
        assert "/static/django_htmx/htmx-2.min.js" in html


# Not published ----------------------------------------------------------------------------


def test_an_unpublished_month_is_a_friendly_404(client, boards):
    response = client.get("/board/2021-08/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "2021年8月的公示尚未发布" in html and 'href="/board/2021-06/"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/board/2021-13/",
        "/board/0001-01/",
        "/board/9999-12/",
        "/board/٢٠٢١-٠٦/",
        "/board/2021-06/?version=7",
        "/board/2021-13.json",
        "/board/2021-06.json?version=7",
    ],
)
def test_an_impossible_month_or_a_version_never_published_is_a_404(client, boards, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("version", ["x", "①", "٣", "１", "0", "99999999999999999999"])
@pytest.mark.parametrize("page", ["/board/2021-06/", "/board/2021-06.json"])
def test_an_unreadable_version_is_a_400_naming_it(client, boards, page, version):
    response = client.get(page, {"version": version})
    assert response.status_code == 400  # ① passed str.isdigit() and broke int(): a 500
    assert "<code>version</code>" in response.content.decode()


def test_a_month_that_cannot_exist_is_a_404_even_before_anything_is_published(client, db):
    assert client.get("/board/2021-13/").status_code == 404


@pytest.mark.parametrize("query", ["rating=purple", "source=区定"])
def test_a_filter_outside_its_choices_is_a_400(client, boards, query):
    assert client.get(f"/board/2021-06/?{query}").status_code == 400


def test_the_front_page_says_so_when_nothing_is_published_yet(client, sample_ledger):
    response = client.get("/")
    assert response.status_code == 200
    assert "还没有发布过公示" in response.content.decode()


# Corrections ------------------------------------------------------------------------------


@pytest.fixture
def corrected(boards):
    override_rating(Task.objects.get(code="HX-002"), JUNE, "ostrich", "补报材料证明6月已启动")
    v2 = publish(JUNE, correction="HX-002 补报后调整", now=AUGUST_10).publication
    return {"v1": boards[JUNE], "v2": v2}


def test_a_correction_shows_as_such_with_its_reason_and_all_versions(client, corrected):
    html = page(client, "/board/2021-06/")
    assert corrected["v2"].sha256 in html
    assert "勘误理由：<strong>HX-002 补报后调整</strong>" in html
    assert "本月公示已更正，此为第2版" in html
    assert 'href="/board/2021-06/?version=1"' in html
    assert 'href="/board/2021-06/?version=2" class="current"' in html
    assert '<span class="mark-name">鸵鸟</span>' in rows(html)["HX-002"]["body"]
    assert corrected["v2"].sha256 in page(client, "/")


def test_an_earlier_version_stays_reachable_and_says_it_was_corrected(client, corrected):
    html = page(client, "/board/2021-06/?version=1")
    assert corrected["v1"].sha256 in html and corrected["v2"].sha256 not in html
    assert "您正在查看已被更正的第1版" in html and 'href="/board/2021-06/"' in html
    assert '<span class="mark-name">蜗牛</span>' in rows(html)["HX-002"]["body"]


def test_a_correction_of_last_month_changes_this_months_comparison(client, boards):
    assert "由鸵鸟降为蜗牛" in rows(page(client, "/board/2021-06/"))["HX-002"]["body"]
    override_rating(Task.objects.get(code="HX-002"), MAY, "snail", "5月材料不实")
    publish(MAY, correction="HX-002 5月评价调整", now=AUGUST_10)
    assert "持平" in rows(page(client, "/board/2021-06/"))["HX-002"]["body"]


# Filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("rating=snail", lambda t: t["rating"] == "snail"),
        ("rating=none", lambda t: t["rating"] is None),
        ("area=促开放&source=省定", lambda t: t["area"] == "促开放" and t["source"] == "省定"),
        ("unit=市工业和信息化局", lambda t: t["lead_unit"] == "市工业和信息化局"),
        (
            "leader=刘洋&rating=ostrich",
            lambda t: t["leader"] == "刘洋" and t["rating"] == "ostrich",
        ),
    ],
)
def test_filters_narrow_the_full_page(client, boards, query, keep):
    html = page(client, f"/board/2021-06/?{query}")
    expected = {code for code, t in tasks_of(boards[JUNE]).items() if keep(t)}
    assert expected and set(rows(html)) == expected
    assert f"筛选出 {len(expected)} 项，共 24 项" in html
    assert "<html" in html


def test_the_chosen_filter_stays_selected_in_the_form(client, boards):
    html = page(client, "/board/2021-06/?area=促开放&rating=snail")
    assert '<option value="促开放" selected>促开放</option>' in html
    assert '<option value="snail" selected>蜗牛</option>' in html


def test_an_htmx_filter_request_gets_only_the_results_partial(client, boards):
    response = client.get("/board/2021-06/?rating=ostrich", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html
    expected = {c for c, t in tasks_of(boards[JUNE]).items() if t["rating"] == "ostrich"}
    assert set(rows(html)) == expected
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, boards):
    html = page(
        client,
        "/board/2021-06/?rating=ostrich",
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in html and 'id="results"' in html


def test_a_name_not_on_the_board_matches_nothing(client, boards):
    # A rating or source outside its choices is a 400 (test_a_filter_outside_its_choices…).
    html = page(client, "/board/2021-06/?unit=没有这个单位")
    assert rows(html) == {} and "没有符合条件的任务" in html


# Downloads ------------------------------------------------------------------------------


def test_the_json_download_is_the_snapshot_with_its_hash(client, boards):
    response = client.get("/board/2021-06.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == snapshot_with_hash(boards[JUNE])


def test_the_csv_download_is_utf8_with_a_bom_for_excel(client, boards):
    response = client.get("/board/2021-06.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff任务编号,".encode())
    assert "attachment" in response["Content-Disposition"]


def test_the_xlsx_download_is_the_same_bytes_every_time_stamped_with_its_publication(
    client, boards, settings
):
    import zipfile

    first = client.get("/board/2021-06.xlsx").content
    settings.DUCHA_TODAY = "2022-03-01"  # later, and with nothing cached
    cache.clear()
    again = client.get("/board/2021-06.xlsx").content
    assert again == first
    with zipfile.ZipFile(io.BytesIO(first)) as book:
        core = book.read("docProps/core.xml").decode()
        assert {i.date_time for i in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    # Published on 10 August 2021 at 09:00 UTC (the boards fixture).
    assert "2021-08-10T09:00:00Z</dcterms:modified>" in core


def test_the_xlsx_download_is_a_workbook(client, boards):
    response = client.get("/board/2021-06.xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.content[:2] == b"PK"


@pytest.mark.slow
def test_the_pdf_download_is_the_poster(client, boards):
    response = client.get("/board/2021-06.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_download_of_an_earlier_version_gives_that_version(client, corrected):
    latest = json.loads(client.get("/board/2021-06.json").content)
    first = json.loads(client.get("/board/2021-06.json?version=1").content)
    assert (latest["sha256"], first["sha256"]) == (corrected["v2"].sha256, corrected["v1"].sha256)


def test_a_download_of_an_unpublished_month_is_a_404(client, boards):
    assert client.get("/board/2021-09.csv").status_code == 404
    assert client.get("/board/2021-06.json?version=3").status_code == 404


# Caching ---------------------------------------------------------------------------------


def test_the_board_sends_an_etag_and_answers_304_when_it_matches(client, boards):
    first = client.get("/board/2021-06/?rating=snail")
    etag = first["ETag"]
    assert etag.startswith(f'"{boards[JUNE].sha256[:20]}-')
    again = client.get("/board/2021-06/?rating=snail", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    other = client.get("/board/2021-06/?rating=ox", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag


def test_the_etag_changes_when_a_new_month_is_published(client, boards):
    etag = client.get("/")["ETag"]
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    publish(JULY, now=AUGUST_10)
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_etag_changes_with_the_language(client, boards):
    etag = client.get("/")["ETag"]
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_anonymous_page_is_shared_but_never_revalidated_for_a_signed_in_user(client, boards):
    from django.test import Client

    from ducha.org.models import User

    page = client.get("/")
    etag = page["ETag"]
    assert "csrfmiddlewaretoken" not in page.content.decode()  # nothing per visitor in it
    stranger = Client()
    assert stranger.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.force_login(User.objects.create_user("clerk", password="pw-12345678"))
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_downloads_send_an_etag_too(client, boards):
    etag = client.get("/board/2021-06.csv")["ETag"]
    assert boards[JUNE].sha256 in etag
    assert client.get("/board/2021-06.csv", HTTP_IF_NONE_MATCH=etag).status_code == 304


def ledger_of(size: int, tmp_path, first: int = 0) -> None:
    """`size` tasks due in June, a third done, a third under way, a third silent."""
    units = ["市工业和信息化局", "市财政局", "市商务局", "德城区"]
    leaders = ["赵明", "钱红", "孙亮"]
    ledger, progress = [], []
    for i in range(first, first + size):
        code = f"T-{i:03d}"
        task = {
            "任务名称": f"改革任务{i}",
            "牵头单位": units[i % 4],
            "分管市领导": leaders[i % 3],
            "任务来源": "省定" if i % 2 else "市定",
        }
        ledger.append(ledger_row(code=code, node="N1", due="2021-06", **task))
        ledger.append(ledger_row(code=code, node="N2", due="2021-09", **task))
        if i % 3 == 0:
            progress.append([code, "N1", "2021-06", "已完成", "2021-06-20", "", ""])
        elif i % 3 == 1:
            progress.append([code, "N1", "2021-06", "推进中", "", "50", ""])
    path = write_csv(tmp_path / f"ledger-{first}.csv", LEDGER_HEADER, ledger)
    import_ledger(path, options=Options(allow_new=True))
    if progress:
        import_progress(write_csv(tmp_path / f"progress-{first}.csv", PROGRESS_HEADER, progress))


def queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


@pytest.mark.parametrize("size", [3, 60])
def test_a_board_costs_three_queries_rendered_and_one_cached_whatever_its_size(
    client, areas, tmp_path, size, django_assert_num_queries
):
    ledger_of(size, tmp_path)
    for month in (MAY, JUNE):
        publish(month, now=AUGUST_10)
    url = "/board/2021-06/?source=省定"
    # the page cache's chain head, then the view's: chain head, publications, two snapshots
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(1):  # the chain head, then the whole page from the cache
        assert client.get(url).status_code == 200
    with django_assert_num_queries(3):  # htmx asks the view for the results partial
        assert client.get("/", HTTP_HX_REQUEST="true").status_code == 200


def test_pages_cost_the_same_queries_after_the_ledger_grows_twentyfold(client, areas, tmp_path):
    ledger_of(4, tmp_path)
    publish(MAY, now=AUGUST_10)
    publish(JUNE, now=AUGUST_10)
    small = [queries(client, u) for u in ("/board/2021-06/", "/board/2021-06/", "/tasks/T-001/")]
    ledger_of(80, tmp_path, first=4)
    publish(JULY, now=AUGUST_10)
    cache.clear()
    large = [queries(client, u) for u in ("/board/2021-07/", "/board/2021-07/", "/tasks/T-001/")]
    # The task page: 8, one for the committee decisions it cites (ducha/committee) and one
    # for the page cache's stamp of them.
    assert small == large == [4, 1, 10]


# Language ---------------------------------------------------------------------------------


def test_the_english_switch_translates_the_chrome_but_not_the_data(client, boards):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/board/2021-06/"})
    assert response.status_code == 302 and response["Location"] == "/board/2021-06/"
    html = page(client, "/board/2021-06/")
    assert '<html lang="en">' in html
    for text in ("four-colour board", "June 2021", "Finished ahead of schedule", "Lead unit"):
        assert text in html
    assert '<span class="mark-name">Ostrich</span>' in html
    assert "Summary by lead unit" in html and "牵头单位汇总" not in html
    assert "改革任务1" in html and "市工业和信息化局" in html  # titles and units are data
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "牵头单位汇总" in page(client, "/board/2021-06/")


def test_the_chinese_page_offers_the_english_switch_as_a_plain_link(client, boards):
    html = page(client, "/board/2021-06/")
    assert '<a class="lang" lang="en" href="/lang/en/?next=/board/2021-06/">English</a>' in html
    response = client.get("/lang/en/?next=/board/2021-06/")
    assert response.status_code == 302 and response["Location"] == "/board/2021-06/"
    assert '<html lang="en">' in page(client, "/board/2021-06/")
    assert client.get("/lang/en/?next=https://evil.example/")["Location"] == "/"


# Unit summary by kind -------------------------------------------------------------------


@pytest.fixture
def kinds_board(areas, tmp_path):
    """June over `ledger_of`: two city departments, a county, and 市商务局 filed as "other"."""
    Unit.objects.create(name="市商务局", kind=Unit.Kind.OTHER)  # the table beats the name
    ledger_of(20, tmp_path)  # five tasks each, marked unevenly: scores 52, 36, 42 and 52
    publish(MAY, now=AUGUST_10)
    return publish(JUNE, now=AUGUST_10).publication


def test_city_departments_counties_and_others_are_ranked_in_separate_tables(client, kinds_board):
    html = page(client, "/board/2021-06/")
    tables = unit_tables(html)
    assert {kind: [r["unit"] for r in rows] for kind, rows in tables.items()} == {
        "municipal": ["市工业和信息化局", "市财政局"],
        "county": ["德城区"],
        "other": ["市商务局"],
    }
    tasks = json.loads(kinds_board.snapshot)["tasks"]
    for rows in tables.values():
        names = {r["unit"] for r in rows}
        expected = score((t["lead_unit"], t["rating"]) for t in tasks if t["lead_unit"] in names)
        assert [(r["rank"], r["unit"], r["score"]) for r in rows] == [
            (str(s.rank), s.name, f"{s.score:.1f}") for s in expected
        ]
        assert rows[0]["rank"] == "1"
    overall = {u["unit"]: u["rank"] for u in json.loads(kinds_board.snapshot)["units"]}
    # Overall, 市商务局 would be third and 市财政局 fourth, behind a county.
    assert overall == {"市工业和信息化局": 1, "德城区": 1, "市商务局": 3, "市财政局": 4}
    assert [r["rank"] for rows in tables.values() for r in rows] == ["1", "2", "1", "1"]
    headings = re.findall(r'<h3 class="unit-kind" id="units-(\w+)">([^<]+) <small>', html)
    assert headings == [("municipal", "市直部门"), ("county", "县市区"), ("other", "其他")]


def test_a_unit_no_longer_in_the_units_table_is_grouped_by_the_form_of_its_name(db):
    Unit.objects.create(name="德州学院", kind=Unit.Kind.MUNICIPAL)
    tasks = [
        {"lead_unit": "市新设局", "rating": "horse"},
        {"lead_unit": "德州学院", "rating": "ox"},
        {"lead_unit": "宁津县", "rating": "snail"},
        {"lead_unit": "市残联", "rating": None},
        {"lead_unit": "某某中心", "rating": "ostrich"},
    ]
    groups = units_by_kind(tasks)
    assert [(g.kind, [(s.name, s.rank) for s in g.units]) for g in groups] == [
        ("municipal", [("市新设局", 1), ("德州学院", 2)]),
        ("county", [("宁津县", 1)]),
        ("other", [("某某中心", 1)]),
    ]  # 市残联 led no rated task this month: no row, as in the overall ranking


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
@pytest.mark.django_db(transaction=True)
def test_the_unit_tables_fit_a_phone_without_scrolling_or_squeezing_names(
    live_server, kinds_board, artifacts, monkeypatch
):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"{live_server.url}/board/2021-06/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        names = phone.locator(".unit-table tbody .c-unit")
        assert names.count() == 4
        for box in (names.nth(i).bounding_box() for i in range(4)):
            assert box["width"] > 150 and box["height"] < 40  # one line, not a column of glyphs
        # The counts go under the name, each with its mark's name before it.
        first = phone.locator(".unit-table-municipal tbody tr").first
        name = first.locator(".c-unit").bounding_box()
        cells = [first.locator(".c-count").nth(i) for i in range(4)]
        labels = [c.evaluate("e => getComputedStyle(e, '::before').content") for c in cells]
        assert labels == [f'"{m.name}"' for m in marks.MARKS.values()]
        assert all(c.bounding_box()["y"] >= name["y"] + name["height"] for c in cells)
        phone.locator("section.units").screenshot(path=artifacts / "board-units-390.png")
        browser.close()
