import datetime as dt
import re

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Node, Task
from ducha.lib.xlsx import A3, height_for, lines_needed
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv
from tests.test_import_ledger import snapshot


def test_export_then_reimport_of_the_sample_ledger_changes_nothing(db, areas, samples, tmp_path):
    import_ledger(samples / "ledger.xlsx")
    before = snapshot()
    path = tmp_path / "out.xlsx"
    assert export_ledger(path) == 64
    summary = import_ledger(path)
    assert not summary.changed
    assert summary.unchanged == 64
    assert snapshot() == before


def test_the_export_uses_the_import_header_and_puts_the_code_on_every_node_row(
    db, areas, samples, tmp_path
):
    import_ledger(samples / "ledger.xlsx")
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:10] == LEDGER_HEADER
    assert header[10:] == ["工作要求", "起始月份", "任务状态"]
    assert [sheet[f"A{r}"].value for r in range(2, 6)] == ["HX-001"] * 4  # four nodes
    assert sheet["C2"].value == "改革任务1" and sheet["C3"].value is None  # inherited
    assert not sheet.merged_cells.ranges  # a merged block breaks badly across pages


def test_every_month_in_the_export_is_written_yyyy_mm(db, areas, samples, tmp_path):
    import_ledger(samples / "ledger.xlsx")
    Task.objects.filter(code="HX-001").update(start_month=dt.date(2021, 3, 1))
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    sheet = load_workbook(path).active
    dues = [sheet.cell(row=r, column=10).value for r in range(2, sheet.max_row + 1)]
    assert len(dues) == 64
    assert all(re.fullmatch(r"\d{4}-\d{2}", due) for due in dues), dues
    assert dues[:4] == ["2021-11", "2021-01", "2021-02", "2021-09"]  # not "２０２１年２月"
    assert sheet["L2"].value == "2021-03"


def test_a_due_written_another_way_for_the_same_month_is_no_change(db, areas, tmp_path):
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, [ledger_row(due="2021年6月底")]))
    before = snapshot()
    summary = import_ledger(write_csv(tmp_path / "b.csv", LEDGER_HEADER, [ledger_row()]))
    assert not summary.changed and summary.unchanged == 1
    assert snapshot() == before
    assert Node.objects.get().due_text == "2021年6月底"  # the clerk's first wording stays
    import_ledger(write_csv(tmp_path / "c.csv", LEDGER_HEADER, [ledger_row(due="2021/9/30")]))
    node = Node.objects.get()
    assert (node.due_month, node.due_text) == (dt.date(2021, 9, 1), "2021/9/30")


def test_co_units_keep_their_written_order_through_export_and_a_fresh_import(db, areas, tmp_path):
    units = "市财政局、德城区、市大数据局、市发展改革委"
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, [ledger_row(配合单位=units)]))
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    assert load_workbook(path).active["G2"].value == units
    Task.objects.all().delete()  # a fresh ledger, the units already known in another order
    import_ledger(path)
    assert "、".join(Task.objects.get().co_unit_names()) == units


def test_the_export_prints_on_a3_landscape_one_page_wide_with_its_header_on_every_page(
    db, areas, samples, tmp_path
):
    import_ledger(samples / "ledger.xlsx")
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    sheet = load_workbook(path).active
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation) == (A3, "landscape")
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.auto_filter.ref == "A1:M65"
    assert sheet.freeze_panes == "A2"
    assert "第 &P 页，共 &N 页" in sheet.oddFooter.center.text
    assert "改革任务台账" in sheet.oddHeader.right.text


def test_each_row_is_as_tall_as_its_wrapped_text(db, areas, tmp_path):
    long = "推进" * 60  # 120 Chinese characters: several lines in any column
    rows = [ledger_row(node="N1", 任务名称=long), ledger_row(node="N2", 任务名称=long)]
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows))
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    sheet = load_workbook(path).active
    width = sheet.column_dimensions["C"].width
    lines = lines_needed(long, width)
    assert lines >= 120 * 2 / width  # a Chinese character is about two column units
    assert sheet.row_dimensions[2].height == height_for(lines)
    assert sheet.row_dimensions[3].height == height_for(1)


def test_formula_like_text_stays_text(db, areas, tmp_path):
    rows = [
        ledger_row(code="F-1", 任务名称='=HYPERLINK("http://x","点我")', 节点目标="+1+1"),
        ledger_row(code="F-2", 任务名称="-2+3", 节点目标="@SUM(A1:A2)"),
        ledger_row(code="F-3", 任务名称="\t=1", 节点目标="正常文本"),
    ]
    import_ledger(write_csv(tmp_path / "f.csv", LEDGER_HEADER, rows))
    before = snapshot()
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    sheet = load_workbook(path).active
    cells = [sheet.cell(row=r, column=c) for r in (2, 3, 4) for c in (3, 9)]
    for cell in cells:
        assert cell.data_type == "s", cell.coordinate
    assert sheet["C2"].value == '=HYPERLINK("http://x","点我")'
    assert sheet["C2"].quotePrefix
    assert sheet["I3"].value == "@SUM(A1:A2)" and sheet["I3"].quotePrefix
    # And the raw XML has no formula element at all.
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    import_ledger(path)
    assert snapshot() == before
    assert Task.objects.get(code="F-1").title.startswith("=HYPERLINK")


def test_the_command_refuses_a_non_xlsx_name(db):
    with pytest.raises(CommandError, match=r"须以 \.xlsx 结尾"):
        call_command("export_ledger", "-o", "ledger.csv")


def test_an_export_made_in_english_still_imports_back(db, areas, samples, tmp_path):
    from django.utils import translation

    import_ledger(samples / "ledger.xlsx")
    before = snapshot()
    with translation.override("en"):
        export_ledger(tmp_path / "en.xlsx")
    assert load_workbook(tmp_path / "en.xlsx").active["D2"].value in ("省定", "市定")
    assert not import_ledger(tmp_path / "en.xlsx").changed
    assert snapshot() == before
