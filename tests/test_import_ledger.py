import pytest
from django.core.management import CommandError, call_command

from ducha.ledger.importing import ImportFailed, import_ledger
from ducha.ledger.models import CoUnit, ImportRun, Node, Task
from ducha.lib.tabular import FileRefused
from ducha.org.models import Leader, Unit
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv, write_xlsx


def snapshot():
    """Everything the ledger import can write, to compare before and after."""
    return (
        list(Task.objects.values_list().order_by("code")),
        list(Node.objects.values_list().order_by("id")),
        list(CoUnit.objects.values_list("task_id", "unit_id", "order").order_by("id")),
        list(Unit.objects.values_list().order_by("id")),
        list(Leader.objects.values_list().order_by("id")),
    )


def test_it_imports_the_sample_ledger_with_merged_cells(db, areas, samples):
    summary = import_ledger(samples / "ledger.xlsx")
    assert Task.objects.count() == 24
    assert Node.objects.count() == 64
    assert summary.tasks_created == 24 and summary.created == 64
    task = Task.objects.get(code="HX-001")
    assert task.area.key == "overall"
    assert task.source == Task.Source.CITY
    assert task.leader.name == "陈静"
    assert task.lead_unit.name == "市工业和信息化局"
    assert task.co_unit_names() == ["市医保局", "市行政审批服务局"]
    assert [n.code for n in task.nodes.all()] == ["N1", "N2", "N3", "N4"]
    # Full-width digits, 年月底 and slashed dates all parse to months.
    dues = {n.code: n.due_month.isoformat() for n in task.nodes.all()}
    assert dues == {"N1": "2021-11-01", "N2": "2021-01-01", "N3": "2021-02-01", "N4": "2021-09-01"}
    assert task.nodes.get(code="N3").due_text == "２０２１年２月"
    assert task.plan_year == 2021
    assert "市交通运输局" in summary.new_units
    assert "陈静" in summary.new_leaders


def test_importing_the_sample_ledger_twice_changes_nothing(db, areas, samples):
    import_ledger(samples / "ledger.xlsx")
    before = snapshot()
    summary = import_ledger(samples / "ledger.xlsx")
    assert snapshot() == before
    assert not summary.changed
    assert summary.unchanged == 64 and summary.tasks_updated == 0
    assert ImportRun.objects.count() == 2


def test_the_command_reports_an_invalid_month_with_row_and_column(db, areas, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        LEDGER_HEADER,
        [ledger_row(node="N1"), ledger_row(code="", node="N2", due="2021-13")],
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("import_ledger", str(path))
    message = str(excinfo.value)
    assert "bad.xlsx 工作表「Sheet」 第3行 J列（完成时限）" in message
    assert "月份 13 不存在" in message
    assert Task.objects.count() == 0 and Unit.objects.count() == 0


def test_a_file_with_one_bad_cell_leaves_the_database_unchanged(db, areas, samples, tmp_path):
    import_ledger(samples / "ledger.xlsx")
    before = snapshot()
    rows = [ledger_row(code="HX-001", node="N1", due="2022-03", 任务名称="改名后的任务")]
    rows += [ledger_row(code="NEW-1", 牵头单位="市新单位")]
    rows += [ledger_row(code="NEW-2", due="2021年13月")]
    path = write_csv(tmp_path / "bad.csv", LEDGER_HEADER, rows)
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(path)
    assert [str(e) for e in excinfo.value.errors] == [
        "bad.csv 第4行 J列（完成时限）：月份 13 不存在（应为 1–12）"
    ]
    assert snapshot() == before


def test_it_reports_every_error_up_to_the_cap(db, areas, tmp_path, settings):
    settings.DUCHA_IMPORT_MAX_ERRORS = 3
    rows = [ledger_row(code=f"T-{i}", due="明年") for i in range(10)]
    path = write_csv(tmp_path / "many.csv", LEDGER_HEADER, rows)
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(path)
    assert excinfo.value.total == 10
    assert len(excinfo.value.errors) == 3
    assert "另有 7 处错误未列出" in excinfo.value.describe()


def test_it_names_unknown_areas_sources_and_missing_cells(db, areas, tmp_path):
    rows = [
        ledger_row(code="T-1", 领域="强工业"),
        ledger_row(code="T-2", 任务来源="国定"),
        ledger_row(code="T-3", 牵头单位=""),
        ledger_row(code="T-4", node=""),
    ]
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(write_csv(tmp_path / "x.csv", LEDGER_HEADER, rows))
    messages = [str(e) for e in excinfo.value.errors]
    assert messages[0].startswith("x.csv 第2行 B列（领域）：「强工业」不是已知领域")
    assert messages[1] == "x.csv 第3行 D列（任务来源）：「国定」应为 省定 或 市定"
    assert messages[2] == "x.csv 第4行 F列（牵头单位）：任务 T-3 的这一项不能为空"
    assert messages[3] == "x.csv 第5行 H列（节点编号）：节点编号不能为空"


def test_a_continuation_row_that_contradicts_its_task_is_an_error(db, areas, tmp_path):
    rows = [ledger_row(node="N1"), ledger_row(node="N2", 牵头单位="市财政局")]
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(write_csv(tmp_path / "x.csv", LEDGER_HEADER, rows))
    assert "与任务 T-1 第2行的「市工业和信息化局」不一致" in str(excinfo.value.errors[0])


def test_a_repeated_node_code_is_an_error(db, areas, tmp_path):
    rows = [ledger_row(node="N1"), ledger_row(code="", node="N1")]
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(write_csv(tmp_path / "x.csv", LEDGER_HEADER, rows))
    assert "节点编号 N1 重复" in str(excinfo.value.errors[0])


def test_a_gbk_csv_with_aliases_and_fullwidth_cells_imports(db, areas, tmp_path):
    header = ["task_code", "area", "task", "source", "leader", "lead_unit", "co_units"]
    header += ["node_code", "node", "due"]
    rows = [
        [
            "ＤＺ－００１",
            "优环境",
            "推进“无证明城市”建设",
            "市定",
            "周涛",
            "市司法局",
            "市大数据局；市行政审批服务局",
            "Ｎ１",
            "梳理证明事项清单",
            "２０２１／３／３１",
        ],
        ["", "", "", "", "", "", "", "N2", "上线运行", "2021年6月底"],
    ]
    path = write_csv(tmp_path / "gbk.csv", header, rows, encoding="gbk")
    assert path.read_bytes().decode("gbk")  # really GBK, not UTF-8
    summary = import_ledger(path)
    task = Task.objects.get(code="DZ-001")
    assert task.title == "推进“无证明城市”建设"
    assert [(n.code, n.due_month.month) for n in task.nodes.all()] == [("N1", 3), ("N2", 6)]
    assert task.co_unit_names() == ["市大数据局", "市行政审批服务局"]
    assert summary.created == 2


def test_a_utf8_csv_with_bom_and_a_title_row_imports(db, areas, tmp_path):
    path = tmp_path / "bom.csv"
    lines = ["德州市2021年改革任务台账,,,,,,,,,", ",".join(LEDGER_HEADER), ",".join(ledger_row())]
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    import_ledger(path)
    assert Task.objects.get(code="T-1").nodes.count() == 1


def test_a_ledger_without_the_required_columns_is_refused(db, areas, tmp_path):
    path = write_csv(tmp_path / "x.csv", LEDGER_HEADER[:5], [["T-1", "强产业", "x", "省定", "y"]])
    # 节点编号 may be left out (nodes are numbered in order) and 完成时限 may be written in
    # the node cell ("2021年6月底前：…"), so neither is named as missing.
    with pytest.raises(FileRefused, match=r"x\.csv 第1行：表头缺少必填列：牵头单位、节点目标"):
        import_ledger(path)


def test_reimport_updates_changed_cells_and_cooperating_units(db, areas, tmp_path):
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, [ledger_row()]))
    rows = [ledger_row(配合单位="市财政局", due="2021-09", 节点目标="出台实施方案")]
    summary = import_ledger(write_csv(tmp_path / "b.csv", LEDGER_HEADER, rows))
    task = Task.objects.get(code="T-1")
    assert [u.name for u in task.co_units.all()] == ["市财政局"]
    node = task.nodes.get()
    assert (node.title, node.due_month.month) == ("出台实施方案", 9)
    assert summary.updated == 1 and summary.tasks_updated == 1


def test_it_guesses_the_kind_of_new_units(db, areas, tmp_path):
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, [ledger_row()]))
    assert Unit.objects.get(name="德城区").kind == Unit.Kind.COUNTY
    assert Unit.objects.get(name="市财政局").kind == Unit.Kind.MUNICIPAL


def test_co_units_are_kept_in_their_written_order(db, areas, tmp_path):
    rows = [ledger_row(配合单位="德城区、市财政局、市大数据局")]
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows))
    assert Task.objects.get().co_unit_names() == ["德城区", "市财政局", "市大数据局"]
    # Through the task queryset's prefetch too, in one query for all tasks.
    (task,) = Task.objects.with_co_units()
    assert task.co_unit_names() == ["德城区", "市财政局", "市大数据局"]


def test_the_same_co_units_in_a_new_order_are_an_update(db, areas, tmp_path):
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, [ledger_row()]))
    rows = [ledger_row(配合单位="德城区、市财政局")]
    summary = import_ledger(write_csv(tmp_path / "b.csv", LEDGER_HEADER, rows))
    assert summary.tasks_updated == 1 and summary.changed
    assert Task.objects.get().co_unit_names() == ["德城区", "市财政局"]
    again = import_ledger(write_csv(tmp_path / "c.csv", LEDGER_HEADER, rows))
    assert again.tasks_updated == 0 and not again.changed


def test_rows_without_a_task_code_say_which_task_they_joined(db, areas, tmp_path):
    blank = {key: "" for key in LEDGER_HEADER[:7]}
    rows = [
        ledger_row(code="T-1", node="N1"),
        ledger_row(code="T-2", node="N1"),
        ledger_row(node="N2", **blank),
        ledger_row(node="N3", **blank),
    ]
    summary = import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows))
    assert "  提示：第 4–5 行未填任务编号，已并入上方任务 T-2" in summary.lines()
    assert Task.objects.get(code="T-2").nodes.count() == 3


def test_several_runs_of_joined_rows_are_listed_compactly(db, areas, tmp_path):
    blank = {key: "" for key in LEDGER_HEADER[:7]}
    rows = []
    for task in range(1, 13):
        rows += [ledger_row(code=f"T-{task:02}", node="N1"), ledger_row(node="N2", **blank)]
    summary = import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows))
    (line,) = [line for line in summary.lines() if "未填任务编号" in line]
    assert line.startswith("  提示：12 行未填任务编号，已并入各自上方的任务：第 3 行 → T-01，")
    assert "第 21 行 → T-10" in line and "T-11" not in line
    assert line.endswith("……共 12 处")


def test_rows_covered_by_merged_cells_need_no_message(db, areas, tmp_path):
    rows = [ledger_row(node="N1"), ledger_row(code=None, node="N2")]
    path = write_xlsx(tmp_path / "m.xlsx", LEDGER_HEADER, rows, merges=["A2:A3"])
    summary = import_ledger(path)
    assert Task.objects.get().nodes.count() == 2
    assert not any("未填任务编号" in line for line in summary.lines())


# Codes that a URL can carry, and cells that fit their columns (finding F11) -------------


@pytest.mark.parametrize("code", ["SL/ASH", "Q?#x", "..", ".", "A%2F", "-1", "A&B", "T<1>"])
def test_a_task_code_a_url_cannot_carry_is_refused_with_its_row_and_column(
    db, areas, tmp_path, code
):
    path = write_csv(
        tmp_path / "bad.csv", LEDGER_HEADER, [ledger_row(code="T-1"), ledger_row(code)]
    )
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(path)
    [error] = excinfo.value.errors
    assert (error.file, error.row, error.column) == ("bad.csv", 3, "A列（任务编号）")
    assert (
        f"任务编号 {code} " in error.message and "只能使用字母、数字、汉字及 - _ ." in error.message
    )
    assert not Task.objects.exists() and not ImportRun.objects.exists()


@pytest.mark.parametrize("code", ["N/1", "1?", ".."])
def test_a_node_code_a_url_cannot_carry_is_refused(db, areas, tmp_path, code):
    path = write_csv(
        tmp_path / "bad.csv", LEDGER_HEADER, [ledger_row(node="N1"), ledger_row(node=code)]
    )
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(path)
    [error] = excinfo.value.errors
    assert (error.row, error.column) == (3, "H列（节点编号）")
    assert f"节点编号 {code} " in error.message
    assert not Node.objects.exists()


@pytest.mark.parametrize(
    "column, cell, limit",
    [
        ("任务编号", "T" * 33, 32),
        ("任务名称", "改" * 301, 300),
        ("分管市领导", "赵" * 51, 50),
        ("牵头单位", "局" * 101, 100),
        ("配合单位", "市财政局、" + "局" * 101, 100),
        ("节点编号", "N" * 33, 32),
        ("节点目标", "定" * 501, 500),
    ],
)
def test_a_cell_longer_than_its_column_is_refused_naming_the_limit(
    db, areas, tmp_path, column, cell, limit
):
    rows = [ledger_row(code="T-0"), ledger_row(code="T-1", **{column: cell})]
    path = write_csv(tmp_path / "long.csv", LEDGER_HEADER, rows)
    with pytest.raises(ImportFailed) as excinfo:
        import_ledger(path)
    [error] = excinfo.value.errors
    letter = "ABCDEFGHIJ"[LEDGER_HEADER.index(column)]
    assert (error.file, error.row, error.column) == ("long.csv", 3, f"{letter}列（{column}）")
    assert f"超过上限 {limit} 个字符" in error.message
    assert "未导入任何数据" in str(excinfo.value)
    assert not Task.objects.exists() and not Unit.objects.exists()


@pytest.mark.parametrize("code", ["党建-01", "DZ2021.1_a", "x", "T" * 32])
def test_every_code_the_importer_accepts_has_a_task_page_and_a_report_page(
    client, areas, tmp_path, code
):
    from urllib.parse import unquote

    from django.urls import resolve, reverse

    import_ledger(write_csv(tmp_path / "ok.csv", LEDGER_HEADER, [ledger_row(code=code)]))
    task_url = reverse("boards:task", args=[code])
    assert resolve(unquote(task_url)).kwargs["code"] == code  # a request's path is unquoted
    assert client.get(task_url).status_code == 200
    report_url = reverse("reports:report", args=[code, "2021-06"])
    assert resolve(unquote(report_url)).kwargs["code"] == code
