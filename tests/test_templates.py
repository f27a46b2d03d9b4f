"""The blank templates (issue 9): `ducha template ledger|progress`, their downloads, and what a
clerk fills into one imports with no warning, even after LibreOffice has re-saved it."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ducha.ledger.columns import LEDGER_COLUMNS, PROGRESS_COLUMNS, match_header
from ducha.ledger.importing import import_ledger, import_progress
from ducha.ledger.models import JointLead, Node, Progress, Task
from ducha.org.models import Area, Unit
from tests.test_printing import office

GXJ, CZJ = "市工业和信息化局", "市财政局"
LEDGER_TITLES = [c.title for c in LEDGER_COLUMNS if c.key != "seq"]
PROGRESS_TITLES = [c.title for c in PROGRESS_COLUMNS]
DATE_BOUNDS = ("36526", "73415")  # 2000-01-01 and 2100-12-31 as Excel counts days


def checks(sheet: Worksheet, rows: int = 5000) -> dict[str, DataValidation]:
    """Each data validation of a template sheet, by the header of the column it covers, which
    it covers from row 2 to row `rows` at least."""
    header = [c.value for c in sheet[1]]
    found = {}
    for rule in sheet.data_validations.dataValidation:
        first, top, last, bottom = range_boundaries(str(rule.sqref))
        assert first == last and top == 2 and bottom >= rows, rule.sqref
        found[header[first - 1]] = rule
    return found


def listed(workbook, rule: DataValidation) -> list[str]:
    """The values a list validation offers, inline or from a range of another sheet."""
    formula = rule.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, cells = formula.rsplit("!", 1)
    sheet = workbook[sheet_name.strip("'")]
    return [c.value for row in sheet[cells.replace("$", "")] for c in row]


def drop_downs(workbook, rows: int = 5000) -> dict[str, list[str]]:
    rules = checks(workbook.active, rows).items()
    return {title: listed(workbook, rule) for title, rule in rules if rule.type == "list"}


def rows_of(sheet: Worksheet) -> list[list[object]]:
    return [
        [c.value for c in row] for row in sheet.iter_rows(min_row=2) if any(c.value for c in row)
    ]


def test_the_ledger_template_offers_the_databases_lists_and_accepts_only_dates(cycle, tmp_path):
    Unit.objects.create(name="市已撤并局", is_active=False)
    for n in range(40):  # more names than an inline list may hold (255 characters)
        Unit.objects.create(name=f"某某县第{n}号改革试点工作领导小组办公室")
    path = tmp_path / "台账模板.xlsx"
    call_command("template", "ledger", "-o", str(path))

    book = load_workbook(path)
    assert book.sheetnames == ["改革任务台账", "选项", "填写说明"]
    assert book.active.title == "改革任务台账"
    assert [s.sheet_state for s in book.worksheets] == ["visible", "hidden", "visible"]
    sheet = book.active
    assert [c.value for c in sheet[1]] == LEDGER_TITLES
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["B"].width
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.max_row == 1  # no example row: it would be imported

    rules = checks(sheet)
    assert listed(book, rules["领域"]) == list(Area.objects.values_list("name", flat=True))
    assert listed(book, rules["任务来源"]) == ["省定", "市定"]
    assert listed(book, rules["任务状态"]) == ["正常", "暂停", "取消"]
    assert listed(book, rules["分管市领导"]) == ["赵明", "钱红"]
    units = listed(book, rules["牵头单位"])
    assert set(units) == set(Unit.objects.filter(is_active=True).values_list("name", flat=True))
    assert "市已撤并局" not in units and len("，".join(units)) > 255
    assert rules["牵头单位"].formula1.startswith("'选项'!")  # a range, never a long inline list
    for title in ("完成时限", "起始月份"):
        rule = rules[title]
        assert (rule.type, rule.operator, (rule.formula1, rule.formula2)) == (
            "date",
            "between",
            DATE_BOUNDS,
        )
        assert rule.showErrorMessage and rule.errorStyle == "stop"
        assert "日期" in rule.error and "填写有误" in rule.errorTitle
    assert all(r.showErrorMessage and r.error and r.errorTitle for r in rules.values())
    # Joint lead units ("A、B") and a new name are allowed through, with a warning.
    assert rules["牵头单位"].errorStyle == rules["分管市领导"].errorStyle == "warning"
    assert rules["领域"].errorStyle == "stop"
    assert sheet.column_dimensions["J"].number_format == "yyyy-mm-dd"  # 完成时限
    assert sheet.column_dimensions["A"].number_format == "@"  # codes stay text


def test_neither_the_options_nor_the_guide_can_be_taken_for_the_ledger(cycle, tmp_path):
    path = tmp_path / "台账模板.xlsx"
    call_command("template", "ledger", "-o", str(path))
    book = load_workbook(path)
    for name in ("选项", "填写说明"):
        for row in book[name].iter_rows(values_only=True):
            assert len(match_header(list(row), LEDGER_COLUMNS)) <= 1, (name, row)
    guide = book["填写说明"]
    assert [c.value for c in guide[1]] == ["列名", "是否必填", "填写说明", "示例"]
    assert [guide.cell(row=r, column=1).value for r in range(2, 15)] == LEDGER_TITLES
    notes = " ".join(str(c.value) for row in guide.iter_rows(min_row=15) for c in row if c.value)
    assert "共同牵头" in notes and "第一个为主牵头单位" in notes and "、" in notes
    assert "2021-06-30" in notes and "2021年6月30日" in notes


def test_a_units_progress_template_lists_the_nodes_of_the_tasks_it_leads_first(cycle, tmp_path):
    gxj = Unit.objects.get(name=GXJ)
    # Neither a suspended task nor one the unit leads jointly: the first lead unit reports.
    paused = Task.objects.create(
        code="T-9",
        title="暂停的任务",
        area=cycle["t1"].area,
        source=Task.Source.CITY,
        leader=cycle["t1"].leader,
        lead_unit=gxj,
        status=Task.Status.SUSPENDED,
        plan_year=2021,
    )
    Node.objects.create(task=paused, code="N1", title="不报送", due_month=dt.date(2021, 6, 1))
    JointLead.objects.create(task=cycle["t2"], unit=gxj, order=1)
    path = tmp_path / "进展.xlsx"
    out = io.StringIO()
    call_command(
        "template", "progress", "--unit", GXJ, "--month", "2021-05", "-o", path, stdout=out
    )
    assert "2 个节点" in out.getvalue()

    book = load_workbook(path)
    assert book.sheetnames == ["月度进展", "填写说明"]
    sheet = book.active
    assert [c.value for c in sheet[1]] == PROGRESS_TITLES
    may = dt.datetime(2021, 5, 1)
    assert rows_of(sheet) == [
        ["T-1", "N1", may, None, None, None, None],
        ["T-1", "N2", may, None, None, None, None],
    ]
    assert sheet["C2"].number_format == "yyyy-mm"
    assert sheet["B2"].comment.text.startswith("节点目标：制定实施方案")
    assert "推进亩产效益评价改革" in sheet["A2"].comment.text
    rules = checks(sheet)
    assert listed(book, rules["状态"]) == ["未启动", "推进中", "已完成"]
    percent = rules["进度"]
    assert (percent.type, percent.formula1, percent.formula2) == ("whole", "0", "100")
    assert (rules["完成日期"].type, rules["完成日期"].formula1) == ("date", DATE_BOUNDS[0])
    assert rules["月份"].type == "date"


def test_the_unit_may_be_named_short_and_the_month_defaults_to_the_reporting_month(cycle, tmp_path):
    Unit.objects.filter(name=GXJ).update(short_name="工信局")
    path = tmp_path / "进展.xlsx"
    call_command("template", "progress", "--unit", "工信局", "-o", path)
    june = dt.datetime(2021, 6, 1)  # the clock says 3 July: June is being reported
    assert [row[:3] for row in rows_of(load_workbook(path).active)] == [
        ["T-1", "N1", june],
        ["T-1", "N2", june],
    ]


def test_a_progress_template_without_a_unit_has_the_header_and_the_checks_only(cycle, tmp_path):
    path = tmp_path / "进展.xlsx"
    call_command("template", "progress", "-o", path)
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == PROGRESS_TITLES and sheet.max_row == 1
    assert set(checks(sheet)) == {"月份", "状态", "完成日期", "进度"}


def test_an_unknown_unit_is_refused_without_naming_any_other(cycle, tmp_path):
    path = tmp_path / "进展.xlsx"
    with pytest.raises(CommandError) as refused:
        call_command("template", "progress", "--unit", "市不存在局", "-o", path)
    assert "市不存在局" in str(refused.value)
    assert GXJ not in str(refused.value) and CZJ not in str(refused.value)
    assert not path.exists()


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["progress", "--month", "2021年6月"], "YYYY-MM"),
        (["ledger", "--unit", GXJ], "只用于月度进展"),
        (["ledger", "-o", "台账.csv"], ".xlsx"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(cycle, tmp_path, arguments, said):
    if "-o" not in arguments:
        arguments = [*arguments, "-o", str(tmp_path / "t.xlsx")]
    with pytest.raises(CommandError, match=said):
        call_command("template", *arguments)


# --- downloads -------------------------------------------------------------------------

LEDGER_URL = "/office/ledger/template/ledger.xlsx"
PROGRESS_URL = "/office/ledger/template/progress.xlsx"
MINE_URL = "/me/template.xlsx"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(cycle):
    for url in (LEDGER_URL, PROGRESS_URL, MINE_URL):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_office_downloads_both_templates_with_chinese_file_names(cycle):
    client = client_for(cycle["office"])
    response = client.get(LEDGER_URL)
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ledger-template.xlsx"; ')
    assert f"filename*=UTF-8''{quote('改革任务台账模板.xlsx')}" in disposition
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["改革任务台账", "选项", "填写说明"]

    response = client.get(PROGRESS_URL, {"month": "2021-05"})
    assert response.status_code == 200
    assert 'filename="progress-2021-05.xlsx"' in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 1

    unit = Unit.objects.get(name=CZJ)
    response = client.get(PROGRESS_URL, {"unit": unit.pk})
    rows = rows_of(load_workbook(io.BytesIO(response.content)).active)
    assert [row[:2] for row in rows] == [["T-2", "N1"]]
    assert quote(f"{CZJ}-月度进展-2021-06.xlsx") in response["Content-Disposition"]
    assert client.get(PROGRESS_URL, {"unit": "0"}).status_code == 404
    assert client.get(PROGRESS_URL, {"month": "2021-13"}).status_code == 400


def test_a_unit_member_gets_only_her_own_units_nodes_and_not_the_office_templates(cycle):
    for who in ("reporter", "head"):
        client = client_for(cycle[who])
        response = client.get(MINE_URL)
        assert response.status_code == 200, who
        rows = rows_of(load_workbook(io.BytesIO(response.content)).active)
        assert [row[:2] for row in rows] == [["T-1", "N1"], ["T-1", "N2"]]
        assert quote(f"{GXJ}-月度进展-2021-06.xlsx") in response["Content-Disposition"]
        assert client.get(LEDGER_URL).status_code == 403
        assert client.get(PROGRESS_URL).status_code == 403
    other = client_for(cycle["other_reporter"]).get(MINE_URL, {"month": "2021-07"})
    assert [row[:2] for row in rows_of(load_workbook(io.BytesIO(other.content)).active)] == [
        ["T-2", "N1"]
    ]


def test_who_has_no_unit_gets_no_unit_template(cycle):
    for who in ("office", "leader", "auditor"):
        assert client_for(cycle[who]).get(MINE_URL).status_code == 403, who


def test_the_downloads_answer_only_reads(cycle):
    assert client_for(cycle["office"]).post(LEDGER_URL).status_code == 405
    assert client_for(cycle["reporter"]).post(MINE_URL).status_code == 405


def test_the_units_page_links_to_its_template(cycle):
    page = client_for(cycle["reporter"]).get("/me/")
    assert f'href="{MINE_URL}?month=2021-06"' in page.content.decode()


# --- what a clerk makes of it ----------------------------------------------------------


def fill(sheet: Worksheet, rows: list[dict[str, object]], first: int = 2) -> None:
    """Type values under the header, as a clerk does (or as openpyxl does for her)."""
    place = {c.value: c.column for c in sheet[1]}
    for number, values in enumerate(rows, start=first):
        for title, value in values.items():
            sheet.cell(row=number, column=place[title], value=value)


@pytest.mark.slow
def test_filled_templates_resaved_by_libreoffice_import_with_no_warning(cycle, tmp_path):
    ledger, progress = tmp_path / "ledger.xlsx", tmp_path / "progress.xlsx"
    call_command("template", "ledger", "-o", ledger)
    call_command("template", "progress", "--unit", GXJ, "--month", "2021-06", "-o", progress)

    # Every choice is one the drop-downs offer.
    book = load_workbook(ledger)
    offered = drop_downs(book)
    industry, livelihood = offered["领域"][2], offered["领域"][6]
    provincial, city = offered["任务来源"]
    zhao, qian = offered["分管市领导"]
    assert {GXJ, CZJ, "德城区"} <= set(offered["牵头单位"])
    fill(
        book.active,
        [
            {
                "任务编号": "CY2021-101",
                "领域": industry,
                "任务名称": "推进企业投资项目承诺制改革",
                "任务来源": provincial,
                "分管市领导": zhao,
                "牵头单位": GXJ,
                "配合单位": f"{CZJ}、德城区",
                "节点编号": "1",
                "节点目标": "制定实施方案",
                "完成时限": dt.datetime(2021, 6, 30),
                "工作要求": "按季度报送进展",
                "起始月份": dt.datetime(2021, 3, 1),
                "任务状态": offered["任务状态"][0],
            },
            {
                "任务编号": "CY2021-101",
                "节点编号": "2",
                "节点目标": "全面推开",
                "完成时限": dt.datetime(2021, 12, 31),
            },
            {
                "任务编号": "MS2021-102",
                "领域": livelihood,
                "任务名称": "深化医保支付方式改革",
                "任务来源": city,
                "分管市领导": qian,
                "牵头单位": CZJ,
                "配合单位": f"{GXJ}、德城区",
                "节点编号": "1",
                "节点目标": "完成试点",
                "完成时限": dt.datetime(2021, 9, 1),
            },
            {
                "任务编号": "MS2021-102",
                "领域": livelihood,
                "任务名称": "深化医保支付方式改革",
                "任务来源": city,
                "分管市领导": qian,
                "牵头单位": CZJ,
                "配合单位": f"{GXJ}、德城区",
                "节点编号": "2",
                "节点目标": "总结推广",
                "完成时限": dt.datetime(2022, 3, 31),
            },
        ],
    )
    book.save(ledger)

    book = load_workbook(progress)
    status = listed(book, checks(book.active)["状态"])
    assert rows_of(book.active)[0][:2] == ["T-1", "N1"]
    fill(
        book.active,
        [
            {"状态": status[2], "完成日期": dt.datetime(2021, 6, 28), "进度": 100},
            {"状态": status[1], "进度": 40, "进展情况": "已完成方案起草，正在征求意见"},
        ],
    )
    book.save(progress)

    resaved = tmp_path / "resaved"
    office(tmp_path / "libreoffice-profile", "xlsx", resaved, [ledger, progress])

    # LibreOffice passes the checks on to whoever opens the file next in Excel or WPS, over
    # the thousand rows after the last it writes.
    kept = load_workbook(resaved / "ledger.xlsx")
    assert kept.sheetnames[0] == kept.active.title == "改革任务台账"
    assert drop_downs(kept, rows=1000) == offered
    assert checks(kept.active, rows=1000)["完成时限"].type == "date"

    summary = import_ledger(resaved / "ledger.xlsx")
    assert summary.warnings == [] and summary.joined == []
    assert not [line for line in summary.lines() if "提示" in line or "未识别" in line]
    assert (summary.tasks_created, summary.created, summary.new_units, summary.new_leaders) == (
        2,
        4,
        [],
        [],
    )
    made = {t.code: t for t in Task.objects.filter(code__in=["CY2021-101", "MS2021-102"])}
    first, second = made["CY2021-101"], made["MS2021-102"]
    assert (first.area.name, first.title, first.source, first.leader.name) == (
        industry,
        "推进企业投资项目承诺制改革",
        Task.Source.PROVINCIAL,
        zhao,
    )
    assert (first.lead_unit.name, first.co_unit_names()) == (GXJ, [CZJ, "德城区"])
    assert (first.requirements, first.start_month, first.status) == (
        "按季度报送进展",
        dt.date(2021, 3, 1),
        Task.Status.ACTIVE,
    )
    assert (second.area.name, second.source, second.leader.name, second.lead_unit.name) == (
        livelihood,
        Task.Source.CITY,
        qian,
        CZJ,
    )
    assert second.co_unit_names() == [GXJ, "德城区"] and second.start_month is None
    nodes = Node.objects.filter(task__in=made.values()).order_by("task__code", "order")
    assert [(n.task.code, n.code, n.title, n.due_month) for n in nodes] == [
        ("CY2021-101", "1", "制定实施方案", dt.date(2021, 6, 1)),
        ("CY2021-101", "2", "全面推开", dt.date(2021, 12, 1)),
        ("MS2021-102", "1", "完成试点", dt.date(2021, 9, 1)),
        ("MS2021-102", "2", "总结推广", dt.date(2022, 3, 1)),
    ]

    summary = import_progress(resaved / "progress.xlsx")
    assert summary.warnings == [] and summary.created == 2
    assert not [line for line in summary.lines() if "提示" in line or "未识别" in line]
    reported = Progress.objects.filter(task=cycle["t1"], month=dt.date(2021, 6, 1))
    assert sorted(reported.values_list("node__code", "status", "done_on", "percent", "note")) == [
        ("N1", Progress.Status.DONE, dt.date(2021, 6, 28), 100, ""),
        ("N2", Progress.Status.IN_PROGRESS, None, 40, "已完成方案起草，正在征求意见"),
    ]
