"""`ducha scores --format xlsx`: a sheet that names its period and prints on one page width."""

import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.lib.xlsx import A4
from ducha.ratings import marks


@pytest.fixture
def year_over(sample_ledger, settings):
    settings.DUCHA_TODAY = "2022-01-11"


def test_the_scores_sheet_names_its_year_and_what_it_ranks(year_over, tmp_path, capsys):
    path = tmp_path / "scores.xlsx"
    call_command("scores", "--year", "2021", "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "德州市2021年度改革任务“四色”督查考核得分（按牵头单位）"
    assert "A1:G1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == ["排名", "牵头单位", "得分", *marks.NAMES.values()]
    capsys.readouterr()
    call_command("scores", "--year", "2021", "--format", "json")
    units = json.loads(capsys.readouterr().out)["units"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[1], r[2]) for r in rows] == [(u["rank"], u["unit"], u["score"]) for u in units]


def test_the_scores_sheet_freezes_its_header_and_prints_one_page_wide(year_over, tmp_path):
    path = tmp_path / "scores.xlsx"
    call_command("scores", "--year", "2021", "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$2:$2"
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation) == (A4, "portrait")
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.auto_filter.ref == f"A2:G{sheet.max_row}"
    assert sheet.column_dimensions["B"].width >= 20
    assert sheet["C3"].number_format == "0.0"
    assert all(sheet.row_dimensions[r].height for r in range(2, sheet.max_row + 1))


def test_a_quarter_and_another_grouping_are_named_in_the_title(year_over, tmp_path):
    path = tmp_path / "q2.xlsx"
    call_command(
        "scores", "--year", "2021", "--quarter", "2", "--by", "leader", "--format", "xlsx",
        "-o", str(path),
    )  # fmt: skip
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "德州市2021年第2季度改革任务“四色”督查考核得分（按分管市领导）"
    assert sheet["B2"].value == "分管市领导"


def test_xlsx_needs_an_output_file(year_over):
    with pytest.raises(CommandError, match="-o"):
        call_command("scores", "--year", "2021", "--format", "xlsx")
