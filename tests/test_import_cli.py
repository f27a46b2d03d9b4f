"""The import commands' options (SPEC.md §5): --dry-run, --sheet, --map, --year,
--include-hidden / --skip-hidden and --allow-new-units, from the clerk's terminal."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from ducha.ledger.models import CoUnit, ImportRun, Node, Progress, Task
from ducha.org.models import Leader, Unit
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(areas):
    for name in ("市工业和信息化局", "市财政局", "德城区"):
        Unit.objects.create(name=name)
    Leader.objects.create(name="赵明")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts():
    return [m.objects.count() for m in (Task, Node, CoUnit, Unit, Leader, Progress, ImportRun)]


def test_dry_run_lists_what_would_change_and_writes_nothing(known, tmp_path):
    rows = [ledger_row(牵头单位="市工业和信息化局等", 配合单位="市财政局、市税务局")]
    path = write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, rows)
    before = counts()
    out = run("import_ledger", str(path), "--dry-run")
    assert counts() == before
    assert "预览（未写入任何数据）" in out
    assert "将新增 1" in out
    assert "「市税务局」" in out  # the one new unit, flagged
    assert "数据库没有任何变化" in out


def test_dry_run_of_a_change_names_the_field_before_and_after(known, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row()])
    run("import_ledger", str(path))
    changed = write_xlsx(tmp_path / "c.xlsx", LEDGER_HEADER, [ledger_row(牵头单位="市财政局")])
    before = counts()
    out = run("import_ledger", str(changed), "--dry-run")
    assert counts() == before
    assert "任务 T-1 牵头单位：市工业和信息化局 → 市财政局" in out
    assert Task.objects.get().lead_unit.name == "市工业和信息化局"


def test_new_units_need_allow_new_units(known, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row(牵头单位="市工信局")])
    before = counts()
    with pytest.raises(CommandError) as refused:
        run("import_ledger", str(path))
    message = str(refused.value)
    assert "「市工信局」" in message and "--allow-new-units" in message
    assert counts() == before
    out = run("import_ledger", str(path), "--allow-new-units")
    assert "新单位 1 个" in out
    assert Task.objects.get().lead_unit.name == "市工信局"


def test_the_first_import_into_an_empty_database_needs_no_flag(areas, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row()])
    out = run("import_ledger", str(path))
    assert Task.objects.count() == 1
    assert "新单位" in out  # still listed


def test_sheet_chooses_among_several_ledgers(known, tmp_path):
    workbook = Workbook()
    first = workbook.active
    first.title = "上半年"
    first.append(LEDGER_HEADER)
    first.append(ledger_row(code="A-1"))
    second = workbook.create_sheet("下半年")
    second.append(LEDGER_HEADER)
    second.append(ledger_row(code="B-1"))
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    with pytest.raises(CommandError, match=r"「上半年」、「下半年」.*--sheet"):
        run("import_ledger", str(path))
    out = run("import_ledger", str(path), "--sheet", "下半年")
    assert "工作表「下半年」" in out
    assert list(Task.objects.values_list("code", flat=True)) == ["B-1"]
    with pytest.raises(CommandError, match="没有名为「全年」的工作表"):
        run("import_ledger", str(path), "--sheet", "全年")


def test_map_says_which_column_is_which(known, tmp_path):
    header = [h if h != "配合单位" else "责任单位" for h in LEDGER_HEADER]
    path = write_xlsx(tmp_path / "l.xlsx", header, [ledger_row()])
    with pytest.raises(CommandError, match="--map"):
        run("import_ledger", str(path))
    run("import_ledger", str(path), "--map", "责任单位=配合单位")
    assert Task.objects.get().co_unit_names() == ["市财政局", "德城区"]
    with pytest.raises(CommandError, match="「协作」不是可导入的字段"):
        run("import_ledger", str(path), "--map", "责任单位=协作")
    with pytest.raises(CommandError, match="应写作 表头=字段"):
        run("import_ledger", str(path), "--map", "责任单位")


def test_year_dates_a_ledger_without_years(known, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row(due="6月底")])
    with pytest.raises(CommandError, match=r"未写年份.*--year"):
        run("import_ledger", str(path))
    run("import_ledger", str(path), "--year", "2021")
    assert Node.objects.get().due_month.isoformat() == "2021-06-01"
    with pytest.raises(CommandError, match="--year 20 不合理"):
        run("import_ledger", str(path), "--year", "20")


def test_hidden_rows_need_a_choice_and_the_two_choices_exclude_each_other(known, tmp_path):
    rows = [ledger_row(code="T-1"), ledger_row(code="T-2")]
    path = write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, rows)
    workbook = load_workbook(path)
    workbook.active.row_dimensions[3].hidden = True
    workbook.save(path)
    with pytest.raises(CommandError, match="第 3 行被隐藏"):
        run("import_ledger", str(path))
    with pytest.raises(CommandError):
        run("import_ledger", str(path), "--include-hidden", "--skip-hidden")
    run("import_ledger", str(path), "--skip-hidden")
    assert list(Task.objects.values_list("code", flat=True)) == ["T-1"]


def test_progress_dry_run_writes_nothing_and_reads_year_less_months(known, tmp_path):
    run("import_ledger", str(write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row()])))
    rows = [["T-1", "N1", "6月", "序时推进", None, 0.5, "按计划推进"]]
    path = write_xlsx(tmp_path / "p.xlsx", PROGRESS_HEADER, rows)
    before = counts()
    out = run("import_progress", str(path), "--dry-run", "--year", "2021")
    assert counts() == before
    assert "将新增 1" in out and "序时推进" in out
    run("import_progress", str(path), "--year", "2021")
    row = Progress.objects.get()
    assert (row.month.isoformat(), row.status, row.percent) == ("2021-06-01", "in_progress", 50)


def test_dry_run_shows_a_co_unit_taken_off_the_list(known, tmp_path):
    run("import_ledger", str(write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row()])))
    fewer = write_xlsx(tmp_path / "f.xlsx", LEDGER_HEADER, [ledger_row(配合单位="市财政局")])
    before = counts()
    out = run("import_ledger", str(fewer), "--dry-run")
    assert counts() == before
    assert "任务 T-1 配合单位：市财政局、德城区 → 市财政局" in out
