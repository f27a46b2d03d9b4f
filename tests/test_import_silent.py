"""The seven ledgers that used to import without a word and store wrong data (issue 9).

Each file here was accepted before and stored something other than what the clerk meant.
Each now imports to what was meant, or is refused with what to do, and writes nothing.
"""

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook

from ducha.ledger.columns import LEDGER_COLUMNS
from ducha.ledger.importing import ImportFailed, import_ledger, import_progress
from ducha.ledger.layout import Options, parse_mapping
from ducha.ledger.models import Node, Progress, Task
from ducha.lib.tabular import FileRefused
from ducha.org.models import Leader, Unit
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_xlsx

pytestmark = pytest.mark.django_db

KNOWN_UNITS = ["市工业和信息化局", "市财政局", "市发展改革委", "德城区"]
KNOWN_LEADERS = ["赵明", "陈静", "张伟", "李娜", "刘洋"]


@pytest.fixture
def known(areas):
    for name in KNOWN_UNITS:
        Unit.objects.create(name=name)
    for name in KNOWN_LEADERS:
        Leader.objects.create(name=name)


def counts():
    return (
        Task.objects.count(),
        Node.objects.count(),
        Unit.objects.count(),
        Leader.objects.count(),
    )


def header_with(**replaced):
    return [replaced.get(h, h) for h in LEDGER_HEADER]


# 1. A second unit column under another name, and an unknown header.


def test_a_second_unit_column_is_never_dropped_without_a_word(known, tmp_path):
    path = write_xlsx(tmp_path / "two-units.xlsx", header_with(配合单位="责任单位"), [ledger_row()])
    before = counts()
    with pytest.raises(FileRefused) as refused:
        import_ledger(path)
    message = str(refused.value)
    assert "F列「牵头单位」" in message and "G列「责任单位」" in message
    assert "--map" in message
    assert counts() == before

    mapping = parse_mapping(["责任单位=配合单位"], LEDGER_COLUMNS)
    import_ledger(path, options=Options(mapping=mapping))
    assert Task.objects.get().co_unit_names() == ["市财政局", "德城区"]


def test_an_unknown_column_is_named_in_the_summary(known, tmp_path):
    header = [*LEDGER_HEADER, "督办意见"]
    path = write_xlsx(tmp_path / "extra.xlsx", header, [[*ledger_row(), "加快推进"]])
    summary = import_ledger(path)
    assert any("K列「督办意见」" in w for w in summary.warnings)
    assert any("督办意见" in line for line in summary.lines())


def test_a_co_unit_column_called_xieban_is_read_as_co_units(known, tmp_path):
    path = write_xlsx(tmp_path / "xieban.xlsx", header_with(配合单位="协办单位"), [ledger_row()])
    import_ledger(path)
    assert Task.objects.get().co_unit_names() == ["市财政局", "德城区"]


# 2. Co-units separated by spaces.


@pytest.mark.parametrize("cell", ["市财政局 市发展改革委", "市财政局\u3000市发展改革委"])
def test_co_units_separated_by_spaces_are_two_units(known, tmp_path, cell):
    path = write_xlsx(tmp_path / "spaces.xlsx", LEDGER_HEADER, [ledger_row(配合单位=cell)])
    summary = import_ledger(path)
    assert Task.objects.get().co_unit_names() == ["市财政局", "市发展改革委"]
    assert summary.new_units == []


# 3. Leaders with titles, two leaders, joint lead units, a trailing 等.


@pytest.mark.parametrize(
    ("cell", "name", "title"),
    [
        ("陈静（副市长）", "陈静", "副市长"),
        ("刘洋副市长", "刘洋", "副市长"),
        ("张伟 （常务副市长）", "张伟", "常务副市长"),
    ],
)
def test_a_leader_written_with_a_title_is_the_known_leader(known, tmp_path, cell, name, title):
    path = write_xlsx(tmp_path / "title.xlsx", LEDGER_HEADER, [ledger_row(分管市领导=cell)])
    summary = import_ledger(path)
    task = Task.objects.get()
    assert task.leader.name == name
    assert Leader.objects.get(name=name).title == title
    assert summary.new_leaders == []
    assert Leader.objects.count() == len(KNOWN_LEADERS)


def test_two_leaders_and_joint_lead_units_are_each_themselves(known, tmp_path):
    row = ledger_row(分管市领导="张伟、李娜", 牵头单位="市发展改革委、市财政局", 配合单位="德城区")
    path = write_xlsx(tmp_path / "joint.xlsx", LEDGER_HEADER, [row])
    summary = import_ledger(path)
    task = Task.objects.get()
    assert task.leader_names() == ["张伟", "李娜"]
    assert task.lead_unit_names() == ["市发展改革委", "市财政局"]
    assert task.lead_unit.name == "市发展改革委"
    assert summary.new_units == [] and summary.new_leaders == []


def test_a_trailing_deng_is_removed_with_a_warning(known, tmp_path):
    path = write_xlsx(
        tmp_path / "deng.xlsx", LEDGER_HEADER, [ledger_row(牵头单位="市工业和信息化局等")]
    )
    summary = import_ledger(path)
    assert Task.objects.get().lead_unit.name == "市工业和信息化局"
    assert summary.new_units == []
    assert any("等" in w for w in summary.warnings)


def test_a_new_unit_is_refused_naming_the_closest_existing_one(known, tmp_path):
    path = write_xlsx(tmp_path / "new.xlsx", LEDGER_HEADER, [ledger_row(牵头单位="市工信局")])
    before = counts()
    with pytest.raises(ImportFailed) as refused:
        import_ledger(path)
    assert "市工信局" in str(refused.value) and "--allow-new-units" in str(refused.value)
    assert counts() == before
    import_ledger(path, options=Options(allow_new=True))
    assert Task.objects.get().lead_unit.name == "市工信局"


# 4. A number formatted 0.00: what the clerk saw is what they meant.


def test_a_due_typed_as_2021_10_in_a_number_cell_is_october(known, tmp_path):
    path = write_xlsx(tmp_path / "number.xlsx", LEDGER_HEADER, [ledger_row(due=2021.1)])
    workbook = load_workbook(path)
    workbook.active["J2"].number_format = "0.00"
    workbook.save(path)
    import_ledger(path)
    assert Node.objects.get().due_month == dt.date(2021, 10, 1)


# 5. An example sheet before the ledger.


def test_an_example_sheet_first_is_not_imported_instead_of_the_ledger(known, tmp_path):
    workbook = Workbook()
    example = workbook.active
    example.title = "填报示例"
    example.append(LEDGER_HEADER)
    example.append(ledger_row(code="示例-1"))
    ledger = workbook.create_sheet("改革任务台账")
    ledger.append(LEDGER_HEADER)
    for n in range(1, 4):
        ledger.append(ledger_row(code=f"T-{n}"))
    workbook.active = 1
    path = tmp_path / "example-first.xlsx"
    workbook.save(path)
    summary = import_ledger(path)
    assert sorted(Task.objects.values_list("code", flat=True)) == ["T-1", "T-2", "T-3"]
    assert summary.sheet == "改革任务台账"
    assert "工作表「改革任务台账」" in summary.lines()[0]


# 6. A progress of 0.7 is 70 %, not 1 %.


@pytest.mark.parametrize("percent", [0.7, "0.7"])
def test_a_progress_of_0_7_is_seventy_percent(known, tmp_path, percent):
    import_ledger(write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, [ledger_row(due="2021-12")]))
    rows = [["T-1", "N1", "2021-06", "推进中", None, percent, "按计划推进"]]
    import_progress(write_xlsx(tmp_path / "p.xlsx", PROGRESS_HEADER, rows))
    assert Progress.objects.get().percent == 70


def test_fractions_beside_whole_percents_are_refused(known, tmp_path):
    ledger = [ledger_row(due="2021-12"), ledger_row(code="", node="N2", due="2021-12")]
    import_ledger(write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADER, ledger))
    rows = [
        ["T-1", "N1", "2021-06", "推进中", None, 0.7, ""],
        ["T-1", "N2", "2021-06", "推进中", None, 40, ""],
    ]
    with pytest.raises(FileRefused) as refused:
        import_progress(write_xlsx(tmp_path / "p.xlsx", PROGRESS_HEADER, rows))
    assert "F列（进度）" in str(refused.value)
    assert Progress.objects.count() == 0


# 7. Hidden columns and rows.


def _hidden_deadline_ledger(tmp_path):
    header = [*LEDGER_HEADER[:9], "原完成时限", "完成时限"]
    rows = [[*ledger_row()[:9], "2021-03", "2021-09"]]
    path = write_xlsx(tmp_path / "hidden-col.xlsx", header, rows)
    workbook = load_workbook(path)
    workbook.active.column_dimensions["J"].hidden = True
    workbook.save(path)
    return path


def test_a_hidden_column_of_old_deadlines_is_refused_then_skipped(known, tmp_path):
    path = _hidden_deadline_ledger(tmp_path)
    before = counts()
    with pytest.raises(FileRefused) as refused:
        import_ledger(path)
    assert "J列「原完成时限」" in str(refused.value)
    assert "--skip-hidden" in str(refused.value)
    assert counts() == before
    import_ledger(path, options=Options(hidden="skip"))
    assert Node.objects.get().due_month == dt.date(2021, 9, 1)


def test_hidden_and_filtered_rows_are_refused_then_skipped_or_included(known, tmp_path):
    rows = [ledger_row(code=f"T-{n}") for n in range(1, 5)]
    path = write_xlsx(tmp_path / "hidden-rows.xlsx", LEDGER_HEADER, rows)
    workbook = load_workbook(path)
    sheet = workbook.active
    sheet.auto_filter.ref = "A1:J5"
    sheet.row_dimensions[3].hidden = True  # filtered out
    sheet.row_dimensions[5].hidden = True
    workbook.save(path)
    with pytest.raises(FileRefused) as refused:
        import_ledger(path)
    assert "第 3、5 行被隐藏" in str(refused.value)
    assert Task.objects.count() == 0

    summary = import_ledger(path, options=Options(hidden="skip"))
    assert sorted(Task.objects.values_list("code", flat=True)) == ["T-1", "T-3"]
    assert any("跳过" in w for w in summary.warnings)
    import_ledger(path, options=Options(hidden="include"))
    assert Task.objects.count() == 4


@pytest.mark.parametrize(
    ("column", "cell"), [("分管市领导", "副市长"), ("牵头单位", "、"), ("分管市领导", "等")]
)
def test_a_cell_with_no_name_in_it_is_refused(known, tmp_path, column, cell):
    path = write_xlsx(tmp_path / "noname.xlsx", LEDGER_HEADER, [ledger_row(**{column: cell})])
    before = counts()
    with pytest.raises(ImportFailed) as refused:
        import_ledger(path)
    assert f"（{column}）" in str(refused.value)
    assert counts() == before


# Found by review: more ways a file was accepted with something other than what was meant.


def test_a_node_that_starts_like_a_footer_word_stays_a_node(known, tmp_path):
    header = [h for h in LEDGER_HEADER if h != "节点编号"]
    row = [c for h, c in zip(LEDGER_HEADER, ledger_row(), strict=True) if h != "节点编号"]
    blank = [None] * 7
    rows = [
        row,
        [*blank, "审核通过实施细则", "2021-08"],
        [*blank, "全面推开", "2021-12"],
        ["制表人：王五", *blank[1:], "审核人：赵六", None],
    ]
    summary = import_ledger(write_xlsx(tmp_path / "footer.xlsx", header, rows))
    titles = list(Node.objects.order_by("order").values_list("title", flat=True))
    assert titles == ["制定实施方案", "审核通过实施细则", "全面推开"]
    assert any("表尾" in w and "第 5 行" in w for w in summary.warnings)


def test_a_row_holding_only_dated_nodes_is_not_a_section_heading(known, tmp_path):
    blank = [None] * 7
    rows = [
        ledger_row(),
        ["T-1", *blank[1:], None, "1、2021年6月底前：完成试点；2、2021年12月底前：全面推开", None],
    ]
    rows[1][7] = None
    import_ledger(write_xlsx(tmp_path / "cell.xlsx", LEDGER_HEADER, rows), options=Options())
    assert list(Node.objects.order_by("order").values_list("title", flat=True)) == [
        "制定实施方案",
        "完成试点",
        "全面推开",
    ]


def _seq_ledger(tmp_path, name, title, nodes):
    header = ["序号", "任务名称", "任务来源", "分管市领导", "牵头单位", "节点目标", "完成时限"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2021年改革任务台账"])
    sheet.append(header)
    sheet.append(["一、总体"])
    for index, node in enumerate(nodes):
        first = index == 0
        sheet.append(
            [
                1 if first else None,
                title if first else None,
                "市定" if first else None,
                "赵明" if first else None,
                "市财政局" if first else None,
                node,
                "2021-12",
            ]
        )
    path = tmp_path / name
    workbook.save(path)
    return path


def test_a_made_code_never_overwrites_another_task(known, tmp_path):
    import_ledger(_seq_ledger(tmp_path, "a.xlsx", "深化预算管理改革", ["编制规划", "全面推开"]))
    assert Task.objects.get().code == "ZT2021-001"
    before = counts()
    other = _seq_ledger(tmp_path, "b.xlsx", "推进城乡供水一体化", ["编制规划"])
    with pytest.raises(ImportFailed) as refused:
        import_ledger(other)
    assert "ZT2021-001 已属于另一项任务「深化预算管理改革」" in str(refused.value)
    assert counts() == before and Task.objects.get().title == "深化预算管理改革"


def test_sheet_names_are_matched_whole_not_folded(known, tmp_path):
    workbook = Workbook()
    for index, title in enumerate(["台账(2021)", "台账(2022)"]):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        sheet.append(LEDGER_HEADER)
        sheet.append(ledger_row(code=f"Y{2021 + index}"))
    path = tmp_path / "sheets.xlsx"
    workbook.save(path)
    import_ledger(path, options=Options(sheet="台账（2022）"))
    assert list(Task.objects.values_list("code", flat=True)) == ["Y2022"]
    with pytest.raises(FileRefused, match="没有名为「台账」的工作表"):
        import_ledger(path, options=Options(sheet="台账"))


@pytest.mark.parametrize(
    ("value", "number_format", "month"),
    [(2021.12, "0.0#", 12), (2021.1, "0.0#", 1), (2021.1, "0.00", 10), (2021.1, "#,##0.00", 10)],
)
def test_optional_decimals_are_read_as_shown(known, tmp_path, value, number_format, month):
    path = write_xlsx(tmp_path / "fmt.xlsx", LEDGER_HEADER, [ledger_row(due=value)])
    workbook = load_workbook(path)
    workbook.active["J2"].number_format = number_format
    workbook.save(path)
    import_ledger(path)
    assert Node.objects.get().due_month == dt.date(2021, month, 1)


def test_a_date_shown_without_its_year_takes_the_ledgers_year(known, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2022年全市重点改革任务台账"])
    sheet.append(LEDGER_HEADER)
    sheet.append(ledger_row(due=dt.datetime(2021, 3, 31)))
    sheet["J3"].number_format = 'm"月"d"日"'
    path = tmp_path / "yearless.xlsx"
    workbook.save(path)
    import_ledger(path)
    assert Node.objects.get().due_month == dt.date(2022, 3, 1)


def test_skipping_a_hidden_task_skips_its_visible_continuation_rows(known, tmp_path):
    rows = [
        ledger_row(code="T1"),
        ledger_row(code="T2", node="N1"),
        [None] * 7 + ["N2", "T2节点二", "2021-09"],
    ]
    path = write_xlsx(tmp_path / "skip.xlsx", LEDGER_HEADER, rows)
    workbook = load_workbook(path)
    workbook.active.row_dimensions[3].hidden = True
    workbook.save(path)
    summary = import_ledger(path, options=Options(hidden="skip"))
    assert list(Node.objects.values_list("task__code", "title")) == [("T1", "制定实施方案")]
    assert any("接在隐藏任务下的第 4 行" in w for w in summary.warnings)


def test_a_code_formatted_with_leading_zeros_keeps_them(known, tmp_path):
    path = write_xlsx(tmp_path / "zeros.xlsx", LEDGER_HEADER, [ledger_row(code=1)])
    workbook = load_workbook(path)
    workbook.active["A2"].number_format = "000"
    workbook.save(path)
    import_ledger(path)
    assert Task.objects.get().code == "001"


def test_a_circled_number_is_refused_not_a_crash(known, tmp_path):
    header = [
        "序号",
        "领域",
        "任务名称",
        "任务来源",
        "分管市领导",
        "牵头单位",
        "节点目标",
        "完成时限",
    ]
    row = ["①", "总体", "改革", "市定", "赵明", "市财政局", "方案", "2021-06"]
    with pytest.raises(ImportFailed, match="序号「①」不是数字"):
        import_ledger(write_xlsx(tmp_path / "circled.xlsx", header, [row]))


def test_a_merge_drawn_across_the_whole_sheet_is_clipped_to_its_cells(known, tmp_path):
    import zipfile

    path = write_xlsx(
        tmp_path / "m.xlsx", LEDGER_HEADER, [ledger_row(code=f"T{n}") for n in range(3)]
    )
    workbook = load_workbook(path)
    workbook.active.merge_cells("K2:L3")
    workbook.save(path)
    wide = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(wide, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'ref="K2:L3"', b'ref="K2:XFD30000"')
            target.writestr(info, data)
    import_ledger(wide)
    assert Task.objects.count() == 3
