"""The xlsx exports printed by a real office client: LibreOffice, headless, with the files'
own print settings, on the demo's 186 tasks; and the files re-saved by LibreOffice.

One module fixture seeds the demo, writes the three workbooks, runs LibreOffice twice (to
PDF, and back to xlsx) and re-imports the re-saved ledger, inside a transaction it then
rolls back; the tests read what it kept.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from openpyxl import load_workbook

from ducha.boards import exports
from ducha.boards.publication import latest, snapshot_with_hash
from ducha.boards.units import units_by_kind
from ducha.demo.seeding import publish_demo_boards, seed_demo
from ducha.ledger.importing import Summary, import_ledger
from ducha.ledger.models import Node, Task
from tests.conftest import ARTIFACTS
from tests.test_import_ledger import snapshot

# The mark has the test database set up; the module fixture uses it on its own terms.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DECEMBER = dt.date(2021, 12, 1)
CODE = re.compile(r"DZ2021-\d{3}")
BOARD_HEADER = re.compile(r"任务编号.*任务名称.*评价.*评价说明")
LEDGER_HEADER = re.compile(r"任务编号.*任务名称.*节点目标.*完成时限.*工作要求")


@dataclass
class Printed:
    board: dict
    folder: Path
    ledger_rows: int
    requirements: dict[str, str]  # task code → 工作要求
    reimport: Summary
    reimport_unchanged: bool


def office(profile: Path, target: str, outdir: Path, files: list[Path]) -> None:
    """LibreOffice converts `files` into `outdir`; a private profile keeps runs apart."""
    command = [
        "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        pytest.fail("LibreOffice is missing: run scripts/os-packages test")
    for f in files:
        assert (outdir / f"{f.stem}.{target}").exists(), done.stdout + done.stderr


def page_texts(pdf: Path, mode: str) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), mode, str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker, tmp_path_factory) -> Printed:
    folder = tmp_path_factory.mktemp("printing")
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    books = [folder / name for name in ("board.xlsx", "scores.xlsx", "ledger.xlsx")]
    with (
        django_db_blocker.unblock(),
        override_settings(DUCHA_TODAY="2022-01-11"),
        transaction.atomic(),
    ):
        seed_demo()
        publish_demo_boards()
        board = snapshot_with_hash(latest(DECEMBER))
        call_command("board", "--month", "2021-12", "--format", "xlsx", "-o", str(books[0]))
        call_command("scores", "--year", "2021", "--format", "xlsx", "-o", str(books[1]))
        call_command("export_ledger", "-o", str(books[2]))
        office(profile, "pdf", folder / "pdf", books)
        office(profile, "xlsx", folder / "resaved", [books[0], books[2]])
        before = snapshot()
        summary = import_ledger(folder / "resaved" / "ledger.xlsx")
        printed = Printed(
            board=board,
            folder=folder,
            ledger_rows=Node.objects.count(),
            requirements=dict(Task.objects.values_list("code", "requirements")),
            reimport=summary,
            reimport_unchanged=snapshot() == before,
        )
        transaction.set_rollback(True)
    return printed


@pytest.fixture(scope="module")
def board_pages(printed) -> tuple[list[str], list[str], list[str]]:
    """The task list's pages (layout and raw text) and the unit summary's, from one PDF."""
    pdf = printed.folder / "pdf" / "board.pdf"
    layout, raw = page_texts(pdf, "-layout"), page_texts(pdf, "-raw")
    first_units = next(i for i, text in enumerate(layout) if "牵头单位四色督查汇总" in text)
    return layout[:first_units], raw[:first_units], layout[first_units:]


@pytest.fixture(scope="module")
def page_counts(printed, board_pages) -> dict[str, int]:
    tasks, _, units = board_pages
    counts = {
        "board list": len(tasks),
        "board units": len(units),
        "scores": len(page_texts(printed.folder / "pdf" / "scores.pdf", "-layout")),
        "ledger": len(page_texts(printed.folder / "pdf" / "ledger.pdf", "-layout")),
    }
    line = "printed pages (LibreOffice): " + ", ".join(f"{k} {n}" for k, n in counts.items())
    print(line)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "printed-pages.txt").write_text(line + "\n", encoding="utf-8")
    return counts


def test_the_demo_board_has_all_186_tasks(printed):
    assert len(printed.board["tasks"]) == 186


def test_every_page_of_the_printed_task_list_shows_the_header_row(board_pages):
    tasks, _, _ = board_pages
    for number, text in enumerate(tasks, start=1):
        assert any(BOARD_HEADER.search(line) for line in text.splitlines()), number


def test_every_task_code_is_printed_once_with_its_whole_rating_reason_on_its_page(
    printed, board_pages
):
    layout, raw, _ = board_pages
    pages = [squeezed(text) for text in raw]
    for row in exports.rows(printed.board):
        where = [n for n, text in enumerate(layout) if row["task"] in CODE.findall(text)]
        assert len(where) == 1, (row["task"], where)
        # Whole, not cut to its first line: the row is as tall as its wrapped text.
        assert squeezed(row["reasons"]) in pages[where[0]], row["task"]
        assert squeezed(row["title"]) in pages[where[0]], row["task"]


def test_the_printed_board_is_landscape_and_the_task_list_takes_at_most_14_pages(
    printed, page_counts
):
    info = subprocess.run(
        ["pdfinfo", str(printed.folder / "pdf" / "board.pdf")], capture_output=True, text=True
    ).stdout
    assert "841.89 x 595.304 pts (A4)" in info  # landscape: wider than tall
    assert 1 <= page_counts["board list"] <= 14  # 19 pages, columns split in three, before
    assert page_counts["board units"] == 1


def test_every_page_shows_its_number_of_the_total(board_pages):
    tasks, _, _ = board_pages
    total = len(tasks) + len(board_pages[2])
    for number, text in enumerate(tasks, start=1):
        assert f"第 {number} 页，共 {total} 页" in text


def test_the_printed_scores_sheet_names_its_year_on_one_or_two_pages(printed, page_counts):
    pages = page_texts(printed.folder / "pdf" / "scores.pdf", "-layout")
    assert "德州市2021年度改革任务“四色”督查考核得分" in pages[0]
    assert all("排名" in text and "得分" in text for text in pages)
    assert 1 <= page_counts["scores"] <= 2  # 4 pages for 7 columns, before


def test_every_page_of_the_printed_ledger_repeats_its_header(printed, page_counts):
    pages = page_texts(printed.folder / "pdf" / "ledger.pdf", "-layout")
    for number, text in enumerate(pages, start=1):
        assert any(LEDGER_HEADER.search(line) for line in text.splitlines()), number
    printed_codes = {code for text in pages for code in CODE.findall(text)}
    assert len(printed_codes) == 186
    assert page_counts["ledger"] <= 20  # 60 pages before


def test_the_printed_ledger_shows_each_tasks_requirements_whole(printed):
    pages = [squeezed(t) for t in page_texts(printed.folder / "pdf" / "ledger.pdf", "-raw")]
    whole = "".join(pages)
    for code, requirements in printed.requirements.items():
        assert squeezed(requirements) in whole, code


def test_the_ledger_export_resaved_by_libreoffice_imports_with_no_change(printed):
    summary = printed.reimport
    assert summary.rows == printed.ledger_rows > 500
    assert summary.unchanged == summary.rows and not summary.changed
    assert not summary.joined  # the task code is on every row
    assert printed.reimport_unchanged


def test_the_board_resaved_by_libreoffice_reads_back_with_its_print_settings(printed):
    workbook = load_workbook(printed.folder / "resaved" / "board.xlsx")
    sheet = workbook["2021-12四色公示"]
    expected = [[row[key] for key, _, _ in exports.COLUMNS] for row in exports.rows(printed.board)]
    read = [
        ["" if c.value is None else c.value for c in row]
        for row in sheet.iter_rows(min_row=3, max_row=188)
    ]
    assert read == expected
    assert sheet["A1"].value.startswith("德州市2021年12月改革任务“四色”督查公示")
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth) == ("landscape", 1)
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.auto_filter.ref == "A2:I188"
    ranked = [s.name for g in units_by_kind(printed.board["tasks"]) for s in g.units]
    assert [u.value for u in workbook["单位汇总"]["C"][2:5]] == ranked[:3]
