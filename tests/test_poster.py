"""The A3 poster: page one is the notice an office pins up, the annex lists every task.

The demo's December 2021 (all four marks, many tasks not rated, city departments and
counties among the lead units, 13 counties below the city with boards of their own) is
seeded once for the module and rendered once; the PDF is then read back with poppler's
tools, as a person would read the print.
"""

import datetime as dt
import json
import re
import subprocess

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from ducha.boards import league, poster
from ducha.boards.publication import latest, snapshot_with_hash
from ducha.org.models import Jurisdiction, Unit
from ducha.ratings import marks
from tests.test_county_tables import HEADING, add_counties, league_rows

# The module's fixture writes to the test database: make sure this session sets one up.
pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2021, 12, 1)
CJK_FONT = re.compile(r"CJK-?(SC|JP|KR|TC|HK)")


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def text(pdf, *options: str) -> str:
    return run("pdftotext", *options, str(pdf), "-")


@pytest.fixture(scope="module")
def december(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo's December board, its poster (PDF and page one's HTML) and its units' kinds.

    Seeded and rendered inside a transaction that is rolled back: the tests read files.
    """
    from ducha.demo.seeding import publish_demo_boards, seed_demo

    folder = tmp_path_factory.mktemp("poster")
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        publish_demo_boards()
        if not Jurisdiction.objects.filter(parent__home=True).exists():
            add_counties(folder)  # the city's 13 counties, each with a small ledger of its own
        board = snapshot_with_hash(latest(DECEMBER))
        pdf = folder / "poster-2021-12.pdf"
        with pdf.open("wb") as out:
            poster.board_pdf(board, out)
        crowded = folder / "crowded.pdf"
        with crowded.open("wb") as out:
            poster.board_pdf(crowded_board(board), out)
        notice = poster.poster_html(board)
        annex = poster.poster_html(board, "annex")
        with translation.override("en"):  # a reader of the English site downloads it
            notice_en = poster.poster_html(board)
        kinds = dict(Unit.objects.values_list("name", "kind"))
        county_league = league.league([DECEMBER])
        transaction.set_rollback(True)
    return {
        "board": board,
        "pdf": pdf,
        "crowded": crowded,
        "notice": notice,
        "annex": annex,
        "notice_en": notice_en,
        "kinds": kinds,
        "league": county_league,
    }


def crowded_board(board: dict) -> dict:
    """December with 14 horses and 21 snails, and 40 tasks led by the 13 counties."""
    crowded = json.loads(json.dumps(board))
    counties = ["德城区", "陵城区", "禹城市", "乐陵市", "临邑县", "平原县", "夏津县"]
    counties += ["武城县", "庆云县", "宁津县", "齐河县", "天衢新区", "德州经开区"]
    ratings = ["horse"] * 14 + ["ostrich"] * 11 + ["snail"] * 21 + [None] * 10
    for i, task in enumerate(crowded["tasks"]):
        task["rating"] = ratings[i] if i < len(ratings) else "ox"
        if i % 4 == 0 and i < 160:
            task["lead_unit"] = counties[i // 4 % 13]
    return crowded


def page_one(december) -> str:
    return text(december["pdf"], "-f", "1", "-l", "1")


def rank_tables(html: str) -> dict[str, list[tuple[int, str]]]:
    """{kind: [(rank, unit)]} from page one's unit tables, a table's continuations joined."""
    tables: dict[str, list[tuple[int, str]]] = {}
    for found in re.finditer(r'<table class="rank rank-(\w+)[^"]*">(.*?)</table>', html, re.S):
        rows = re.findall(r'<td class="pos">(\d+)</td><td class="name">([^<]+)</td>', found[2])
        tables.setdefault(found[1], []).extend((int(rank), name) for rank, name in rows)
    return tables


def test_page_one_holds_the_title_month_five_counts_and_the_issuing_office(december, artifacts):
    first = page_one(december)
    assert "德州市改革任务“四色”督查公示" in first
    assert "2021年12月" in first
    tasks = december["board"]["tasks"]
    legend = [*marks.MARKS.values(), marks.NOT_RATED]
    counts = [sum(1 for t in tasks if marks.mark(t["rating"]) == m) for m in legend]
    assert sum(counts) == len(tasks) == 186 and all(counts)
    for m, n in zip(legend, counts, strict=True):
        assert f"{m.name} {n} 项" in first, m.name
    assert settings.DUCHA_OFFICE_NAME in first
    assert "2022年1月10日" in first  # the publication date, in the foot
    assert "附件" not in first  # the annex starts on a page of its own
    run("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(december["pdf"]),
        str(artifacts / "poster-page1"))  # fmt: skip
    assert (artifacts / "poster-page1.png").stat().st_size > 50_000


def test_page_one_names_every_horse_and_every_snail_with_its_lead_unit(december):
    first = text(december["pdf"], "-f", "1", "-l", "1", "-layout")
    named = [t for t in december["board"]["tasks"] if t["rating"] in ("horse", "snail")]
    assert {t["rating"] for t in named} == {"horse", "snail"}
    for task in named:
        line = next(line for line in first.splitlines() if task["task"] in line)
        assert task["title"][:8] in line and task["lead_unit"] in line
    others = [
        t["task"] for t in december["board"]["tasks"] if t["rating"] not in ("horse", "snail")
    ]
    assert not [code for code in others if code in first]


def test_the_poster_is_a3_with_an_annex_of_every_task_after_page_one(december):
    info = run("pdfinfo", str(december["pdf"]))
    assert "841.89 x 1190.55 pts (A3)" in info
    annex = text(december["pdf"], "-f", "2")
    assert annex.startswith("附件：全部任务评价")
    codes = set(re.findall(r"DZ2021-\d{3}", annex))
    assert codes == {t["task"] for t in december["board"]["tasks"]}


def test_a_greyscale_print_keeps_every_rating_by_its_name(december, artifacts):
    gray = artifacts / "poster-page1-gray"
    pdf = str(december["pdf"])
    page = ("-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, str(gray))
    run("pdftoppm", "-gray", *page)
    assert (artifacts / "poster-page1-gray.pgm").read_bytes()[:2] == b"P5"  # one channel
    run("pdftoppm", "-gray", "-png", *page)  # the same, for a reviewer's image viewer
    # Without colour, each row of the annex still says its mark in words, on the row's line.
    lines = text(december["pdf"], "-f", "2", "-layout").splitlines()
    tasks = december["board"]["tasks"]
    for task in tasks:
        [line] = [line for line in lines if re.search(rf"\b{task['task']}\b", line)]
        name = marks.mark(task["rating"]).name
        assert line.rstrip().endswith((name, f"{name}（调整）")), line
    assert {marks.mark(t["rating"]).name for t in tasks} == {
        m.name for m in (*marks.MARKS.values(), marks.NOT_RATED)
    }


def test_counties_and_city_departments_are_ranked_in_separate_tables(december):
    tables = rank_tables(december["notice"])
    assert list(tables)[:2] == [Unit.Kind.MUNICIPAL, Unit.Kind.COUNTY]
    kinds = december["kinds"]
    overall = {u["unit"]: u["rank"] for u in december["board"]["units"]}
    for kind, rows in tables.items():
        assert rows[0][0] == 1, kind
        assert [rank for rank, _ in rows] == sorted(rank for rank, _ in rows)
        assert {kinds.get(unit, Unit.guess_kind(unit)) for _, unit in rows} == {kind}
    # Every ranked unit is in exactly one table; a county no longer ranks behind departments.
    assert sorted(unit for rows in tables.values() for _, unit in rows) == sorted(overall)
    best_county = tables[Unit.Kind.COUNTY][0][1]
    assert overall[best_county] > 1
    first = page_one(december)
    municipal = len(tables[Unit.Kind.MUNICIPAL])
    counties = len(tables[Unit.Kind.COUNTY])
    assert f"市直部门（{municipal} 个）" in first and f"县市区（{counties} 个）" in first


def test_the_poster_is_chinese_whatever_the_language_of_whoever_asks(december):
    assert december["notice_en"] == december["notice"]
    assert "市直部门（" in december["notice"]


def test_the_chain_hash_is_printed_small_on_page_one(december):
    first = re.sub(r"\s", "", page_one(december))
    board = december["board"]
    assert f"SHA-256{board['sha256']}" in first
    assert f"上一条{board['previous']}" in first


def test_the_poster_asks_for_the_simplified_chinese_face_first_everywhere(december):
    for html in (december["notice"], december["annex"]):
        assert '<html lang="zh-CN">' in html
        stacks = re.findall(r"(?<![-\w])font(?:-family)?:([^;}]+)", html)
        assert len(stacks) >= 3
        for stack in stacks:
            assert re.search(r'"([^"]+)"', stack)[1] == "Noto Sans CJK SC", stack


def test_every_embedded_chinese_font_is_the_simplified_chinese_face(december):
    fonts = run("pdffonts", str(december["pdf"]))
    faces = CJK_FONT.findall(fonts)
    assert faces and set(faces) == {"SC"}, fonts


def test_a_crowded_month_still_fits_page_one_before_the_annex(december):
    crowded = december["crowded"]
    first = text(crowded, "-f", "1", "-l", "1")
    assert "骏马 14 项" in first and "蜗牛 21 项" in first
    assert re.search(r"县市区（1\d 个）", first) and settings.DUCHA_OFFICE_NAME in first
    assert text(crowded, "-f", "2", "-l", "2").startswith("附件：全部任务评价")


def test_page_one_ranks_the_counties_on_their_own_ledgers_under_a_heading_of_their_own(
    december,
):
    table = december["league"]
    assert len(table.below) == 13 and table.scores
    expected = [(s.rank, s.name, f"{s.score:.1f}") for s in table.scores]
    assert league_rows(december["notice"]) == expected
    notice = december["notice"]
    # After the lead units' tables, apart from them: a county's own ledger is not a unit's.
    assert notice.index("牵头单位排名") < notice.index(HEADING)
    assert 'class="rank league"' not in notice[: notice.index(HEADING)]
    first = re.sub(r"\s", "", page_one(december))
    assert HEADING in first
    for s in table.scores:
        assert f"{s.name}" in first
    for j in table.unrated:
        assert j.name in first.split(HEADING)[1]


def test_a_crowded_month_keeps_the_county_table_on_page_one(december):
    first = re.sub(r"\s", "", text(december["crowded"], "-f", "1", "-l", "1"))
    assert HEADING in first
    assert all(s.name in first.split(HEADING)[1] for s in december["league"].scores)
