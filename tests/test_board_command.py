"""`ducha board`: the published board as JSON, CSV, xlsx and the printable PDF poster."""

import csv
import io
import json
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ducha.boards import poster
from ducha.boards.publication import posted, publish
from ducha.boards.units import units_by_kind
from ducha.ledger.models import Task
from ducha.lib.months import parse_month
from ducha.lib.xlsx import A4, height_for, lines_needed
from ducha.ratings import marks
from ducha.ratings.monthly import override_rating

JUNE = "2021-06"


@pytest.fixture
def june(sample_ledger):
    import datetime as dt

    task = Task.objects.get(code="HX-003")
    task.title = '=HYPERLINK("http://evil","点我")'
    task.save()
    override_rating(Task.objects.get(code="HX-001"), dt.date(2021, 6, 1), "horse", "+提前完成试点")
    return publish(dt.date(2021, 6, 1)).publication


def test_an_unpublished_month_is_a_clear_error(sample_ledger):
    with pytest.raises(CommandError, match="2021年6月尚未发布"):
        call_command("board", "--month", JUNE)


def test_json_is_the_snapshot_with_its_hash(june, capsys):
    call_command("board", "--month", JUNE, "--format", "json")
    board = json.loads(capsys.readouterr().out)
    assert (board["version"], board["sha256"], board["previous"]) == (1, june.sha256, None)
    assert board["month"] == JUNE and len(board["tasks"]) == 24
    assert {u["unit"] for u in board["units"]} >= {"市工业和信息化局"}


def test_csv_keeps_formula_like_text_as_text(june, tmp_path):
    path = tmp_path / "b.csv"
    call_command("board", "--month", JUNE, "--format", "csv", "-o", str(path))
    text = path.read_text(encoding="utf-8-sig")
    rows = {r["任务编号"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["HX-003"]["任务名称"] == '\'=HYPERLINK("http://evil","点我")'
    assert rows["HX-001"]["评价"] == "骏马（调整）" and rows["HX-001"]["颜色"] == "红"


def test_xlsx_uses_the_four_colours_and_never_formulas(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path)["2021-06四色公示"]
    cells = {sheet.cell(row=r, column=1).value: r for r in range(3, 30)}
    title = sheet.cell(row=cells["HX-003"], column=3)
    assert title.value.startswith("=HYPERLINK") and title.data_type == "s"
    horse = sheet.cell(row=cells["HX-001"], column=7)
    assert horse.value == "骏马（调整）"
    assert horse.fill.fgColor.rgb.endswith(marks.HORSE.solid[1:])  # red is the best mark
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    assert load_workbook(path)["单位汇总"]["B2"].value


def test_the_xlsx_task_list_prints_on_a4_landscape_one_page_wide_under_its_title(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path)["2021-06四色公示"]
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation) == (A4, "landscape")
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$2:$2"  # the header row on every printed page
    assert sheet.auto_filter.ref == "A2:I26"  # the header and 24 tasks
    assert sheet.freeze_panes == "A3"
    assert "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].value == "德州市2021年6月改革任务“四色”督查公示（第1版）"
    assert "第 &P 页，共 &N 页" in sheet.oddFooter.center.text
    assert sheet["A2"].value == "任务编号" and sheet["I2"].value == "评价说明"


def test_every_xlsx_row_is_tall_enough_for_its_wrapped_cells(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path)["2021-06四色公示"]
    widths = [sheet.column_dimensions[get_column_letter(c)].width for c in range(1, 10)]
    assert sum(widths) < 200  # one A4 landscape page wide at a readable scale
    tallest = 0
    for r in range(3, 27):
        values = [sheet.cell(row=r, column=c).value for c in range(1, 10)]
        lines = max(lines_needed(v, w) for v, w in zip(values, widths, strict=True))
        assert sheet.row_dimensions[r].height == height_for(lines), r
        assert sheet.cell(row=r, column=9).alignment.wrap_text
        tallest = max(tallest, lines)
    assert tallest >= 2  # some reasons do wrap in this month


def test_the_xlsx_rating_cell_has_the_marks_name_and_colours(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path)["2021-06四色公示"]
    seen = set()
    for r in range(3, 27):
        cell = sheet.cell(row=r, column=7)
        key = next((k for k, m in marks.MARKS.items() if cell.value.startswith(m.name)), None)
        if key is None:
            assert cell.value == marks.NOT_RATED.name
            continue
        seen.add(key)
        assert cell.fill.fgColor.rgb.endswith(marks.MARKS[key].solid[1:])
        assert cell.font.color.rgb.endswith(marks.MARKS[key].on_solid[1:])
    assert len(seen) >= 3


def test_the_xlsx_unit_summary_has_a_title_a_frozen_header_and_prints_on_a4(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    units = load_workbook(path)["单位汇总"]
    assert units["A1"].value == "德州市2021年6月牵头单位四色督查汇总（第1版）"
    assert "A1:H1" in {str(r) for r in units.merged_cells.ranges}
    header = ["类别", "排名", "牵头单位", *marks.NAMES.values(), "本月得分"]
    assert [c.value for c in units[2]] == header
    assert units.freeze_panes == "A3" and units.print_title_rows == "$2:$2"
    assert units.page_setup.paperSize == A4 and units.page_setup.fitToWidth == 1
    assert units.auto_filter.ref.startswith("A2:H")
    assert units.column_dimensions["C"].width >= 20
    assert units["H3"].number_format == "0.0"


def test_the_xlsx_ranks_units_within_their_kind_as_the_page_and_poster_do(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    rows = [[c.value for c in row] for row in load_workbook(path)["单位汇总"].iter_rows(min_row=3)]
    expected = [
        [str(g.label), s.rank, s.name]
        for g in units_by_kind(posted(parse_month(JUNE))["tasks"])
        for s in g.units
    ]
    assert [r[:3] for r in rows] == expected
    assert {r[0] for r in rows} <= {"市直部门", "县市区", "其他"}


def test_the_pdf_poster_is_written_where_asked(june, tmp_path):
    """The poster's content is tested in test_poster.py; here, the command's side of it."""
    path = tmp_path / "poster.pdf"
    call_command("board", "--month", JUNE, "--format", "pdf", "-o", str(path))
    assert path.read_bytes()[:5] == b"%PDF-"
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True
    ).stdout
    assert "德州市改革任务“四色”督查公示" in first and "2021年6月" in first
    for m in (*marks.MARKS.values(), marks.NOT_RATED):
        assert m.name in first
    assert june.sha256 in first.replace("\n", "")


def test_without_a_cjk_font_the_pdf_says_what_to_install(june, tmp_path, monkeypatch):
    monkeypatch.setattr(poster.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        call_command("board", "--month", JUNE, "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
