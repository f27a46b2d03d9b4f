import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Task
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


def test_the_export_uses_the_import_header_and_merges_task_cells(db, areas, samples, tmp_path):
    import_ledger(samples / "ledger.xlsx")
    path = tmp_path / "out.xlsx"
    export_ledger(path)
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:10] == LEDGER_HEADER
    assert header[10:] == ["工作要求", "起始月份", "任务状态"]
    assert "A2:A5" in {str(r) for r in sheet.merged_cells.ranges}  # HX-001 has four nodes
    assert sheet["J4"].value == "２０２１年２月"  # the due as the clerk wrote it


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
