"""Blank ledger and progress workbooks that stop errors where they are typed (issue 9).

Each template is the layout the importer reads, with nothing it would warn about: its header
in row 1 of the first, active sheet, every header a known column, no hidden rows or columns
and no filter (a filter hides rows, which the importer refuses). Drop-downs offer the areas,
sources, statuses, units and leaders the database knows; date cells accept only dates, so a
clerk cannot type "6月底" where a month is needed. The lists live on a hidden sheet 选项
(a list written inline may not exceed 255 characters); a sheet 填写说明 explains each column.
Neither can be taken for the table: their titles are ones the importer never reads, and
neither has a row of column names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ducha.ledger.columns import LEDGER_COLUMNS, PROGRESS_COLUMNS, Column
from ducha.ledger.exporting import WIDTHS
from ducha.ledger.models import Node, Progress, Task
from ducha.lib.months import format_month, format_month_zh
from ducha.lib.xlsx import A3, A4, WRAP, fit_row, print_setup, set_text, write_header, write_table
from ducha.org.models import Area, Jurisdiction, Leader, Unit, of_jurisdiction

LEDGER_SHEET = "改革任务台账"
PROGRESS_SHEET = "月度进展"
OPTIONS_SHEET = "选项"
GUIDE_SHEET = "填写说明"
# Rows 2 to LAST_ROW carry the drop-downs and checks: ten times a city's ledger.
LAST_ROW = 5000
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
# Codes are text: a code typed as 1-2 must not become the 2nd of January.
TEXT, MONTH, DAY = "@", "yyyy-mm", "yyyy-mm-dd"
# The template asks for codes; 序号 is for ledgers that were numbered without them.
LEDGER_KEYS = tuple(c.key for c in LEDGER_COLUMNS if c.key != "seq")
# The export's widths, with room for a whole date where the clerk types one.
LEDGER_WIDTHS = WIDTHS | {"due": 12}
PROGRESS_WIDTHS = {
    "task_code": 14,
    "node_code": 9,
    "month": 10,
    "status": 10,
    "done_on": 12,
    "percent": 8,
    "note": 60,
}
GUIDE_COLUMNS = (("列名", 12), ("是否必填", 10), ("填写说明", 64), ("示例", 26))
AUTHOR = "Ducha"


class UnknownUnit(LookupError):
    """--unit names no unit; the message says so, in Chinese, and lists no other unit."""


def unit_named(text: str, jurisdiction: Jurisdiction | None = None) -> Unit:
    """The unit of `jurisdiction` (None: the home one) a person named by its full name or
    its short name."""
    text = text.strip()
    if not text:
        raise UnknownUnit("请写单位的全称或简称")
    units = Unit.objects.filter(of_jurisdiction(jurisdiction))
    found = list(units.filter(Q(name=text) | Q(short_name=text))[:2])
    exact = [u for u in found if u.name == text]
    if exact:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if found:
        raise UnknownUnit(f"简称「{text}」对应多个单位，请写单位全称")
    raise UnknownUnit(f"没有名为「{text}」的单位：请写系统中单位的全称或简称")


# --- what each column accepts ----------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One column's check: the validation, and what the guide says about it."""

    validation: DataValidation | None
    guide: str
    example: str = ""
    number_format: str | None = None
    required: bool | None = None  # as the column says, unless the template asks more


def _alerts(
    rule: DataValidation, title: str, prompt: str, error: str, stop: bool = True
) -> DataValidation:
    rule.allow_blank = True
    rule.showInputMessage = rule.showErrorMessage = True
    rule.promptTitle, rule.prompt = title, prompt
    rule.errorTitle, rule.error = f"{title}填写有误", error
    rule.errorStyle = "stop" if stop else "warning"
    return rule


def _pick(
    formula: str | None, title: str, prompt: str, error: str, stop: bool = True
) -> DataValidation | None:
    """A drop-down of the values `formula` lists; none (free text) when it lists none."""
    if formula is None:
        return None
    return _alerts(DataValidation(type="list", formula1=formula), title, prompt, error, stop)


def _date(title: str, prompt: str) -> DataValidation:
    rule = DataValidation(
        type="date",
        operator="between",
        formula1=str(int(to_excel(FIRST_DAY))),
        formula2=str(int(to_excel(LAST_DAY))),
    )
    error = (
        "请输入日期，如 2021-06-30、2021/6/30 或 2021年6月30日（只写到月也可：2021-06）；"
        f"应在 {FIRST_DAY.year}–{LAST_DAY.year} 年之间。「6月底」「上半年」等文字请改写为日期。"
    )
    return _alerts(rule, title, prompt, error)


def _inline(values: Iterable[str]) -> str:
    return '"' + ",".join(values) + '"'


class Lists:
    """The hidden sheet holding the longer lists, one column each, below a label that is
    no column name of any table."""

    def __init__(self, workbook: Workbook):
        self.sheet = workbook.create_sheet(OPTIONS_SHEET)
        self.sheet.sheet_state = "hidden"
        self.columns = 0

    def add(self, label: str, values: list[str]) -> str | None:
        """The range holding `values`, for a list validation; None when there are none."""
        if not values:
            return None
        self.columns += 1
        letter = get_column_letter(self.columns)
        set_text(self.sheet.cell(row=1, column=self.columns), label)
        for row, value in enumerate(values, start=2):
            set_text(self.sheet.cell(row=row, column=self.columns), value)
        self.sheet.column_dimensions[letter].width = 30
        last = len(values) + 1
        return f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${last}"


def _ledger_rules(lists: Lists, jurisdiction: Jurisdiction | None = None) -> dict[str, Rule]:
    areas = list(Area.objects.values_list("name", flat=True))
    mine = of_jurisdiction(jurisdiction)  # a county's template offers its own names only
    leaders = list(Leader.objects.filter(mine).values_list("name", flat=True))
    units = list(Unit.objects.filter(mine, is_active=True).values_list("name", flat=True))
    sources = [str(label) for label in Task.Source.labels]
    statuses = [str(label) for label in Task.Status.labels]
    area_list = lists.add("可选领域", areas)
    leader_list = lists.add("可选市领导", leaders)
    unit_list = lists.add("可选单位", units)
    title_max = Task._meta.get_field("title").max_length
    node_max = Node._meta.get_field("title").max_length

    def length(title: str, most: int) -> DataValidation:
        rule = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(most))
        return _alerts(rule, title, f"不超过 {most} 个字", f"{title}不能超过 {most} 个字")

    # Warnings, not stops: 共同牵头 is "A、B", and a unit or leader new to the system may
    # be meant; the import then names every new one and asks before creating it.
    unit_rule = _pick(
        unit_list,
        "牵头单位",
        "从下拉列表选择；共同牵头的多个单位用「、」分隔，第一个为主牵头单位",
        "不在系统的单位名单中。共同牵头请用「、」分隔单位全称；确为新单位可选「是」继续，"
        "导入时会列出新单位并请您确认。",
        stop=False,
    )
    leader_rule = _pick(
        leader_list,
        "分管市领导",
        "从下拉列表选择；多位市领导用「、」分隔，第一位为主要分管领导",
        "不在系统的市领导名单中。多位市领导请用「、」分隔；确为新任市领导可选「是」继续，"
        "导入时会列出并请您确认。",
        stop=False,
    )
    return {
        "task_code": Rule(
            None,
            "每项任务一个编号；同一任务的每个节点行都填写同一编号",
            "CY2021-001",
            TEXT,
        ),
        "area": Rule(
            _pick(area_list, "领域", "从下拉列表选择", "请选择：" + "、".join(areas)),
            "从下拉列表选择：" + "、".join(areas),
            areas[0] if areas else "",
        ),
        "title": Rule(
            length("任务名称", title_max),
            f"改革任务的名称，不超过 {title_max} 个字；同一任务只在第一行填写即可",
            "推进亩产效益评价改革",
        ),
        "source": Rule(
            _pick(
                _inline(sources), "任务来源", "从下拉列表选择", "请选择：" + " 或 ".join(sources)
            ),
            "从下拉列表选择：" + " 或 ".join(sources),
            sources[0],
        ),
        "leader": Rule(
            leader_rule,
            "从下拉列表选择；多位市领导用「、」分隔，第一位为主要分管领导",
            leaders[0] if leaders else "",
        ),
        "lead_unit": Rule(
            unit_rule,
            "从下拉列表选择单位全称；共同牵头的多个单位用「、」分隔，第一个为主牵头单位"
            "（由它报送月度进展）",
            units[0] if units else "",
        ),
        "co_units": Rule(
            None,
            "写单位全称，多个单位用「、」分隔，不要写「等」",
            "、".join(units[1:3]),
        ),
        "node_code": Rule(
            None,
            "任务内各节点的编号，如 1、2、3，同一任务内不重复",
            "1",
            TEXT,
            required=True,
        ),
        "node": Rule(
            length("节点目标", node_max),
            f"该节点要达到的目标，每个节点一行，不超过 {node_max} 个字",
            "制定实施方案",
        ),
        "due": Rule(
            _date("完成时限", "输入日期，如 2021-06-30；按月考核，只看年月"),
            "输入日期：2021-06-30、2021/6/30、2021年6月30日，或只写到月：2021-06、2021年6月"
            "（Excel 和 WPS 会识别为日期）。按月考核，只看年和月。「6月底」「上半年」"
            "「持续推进」等文字不能输入，请写成日期",
            "2021-06-30",
            DAY,
        ),
        "requirements": Rule(None, "工作要求或备注，可不填", ""),
        "start_month": Rule(
            _date("起始月份", "开始考核的月份，如 2021-03；可不填"),
            "开始考核的月份，输入日期如 2021-03；不填时为最早节点所在年度的 1 月",
            "2021-03",
            MONTH,
        ),
        "status": Rule(
            _pick(
                _inline(statuses),
                "任务状态",
                "从下拉列表选择；不填为正常",
                "请选择：" + "、".join(statuses),
            ),
            "从下拉列表选择：" + "、".join(statuses) + "；不填为" + statuses[0],
            statuses[0],
        ),
    }


def _progress_rules() -> dict[str, Rule]:
    statuses = [str(label) for label in Progress.Status.labels]
    percent = _alerts(
        DataValidation(type="whole", operator="between", formula1="0", formula2="100"),
        "进度",
        "0–100 的整数（百分比）",
        "进度请填 0 到 100 之间的整数，如 60 表示 60%",
    )
    return {
        "task_code": Rule(
            None, "台账中的任务编号；按单位下载的模板已填好，请勿修改", "CY2021-001", TEXT
        ),
        "node_code": Rule(
            None,
            "任务的节点编号；已填好的模板中，鼠标停在单元格上可看到节点目标",
            "1",
            TEXT,
        ),
        "month": Rule(
            _date("月份", "报送的月份，如 2021-06"),
            "报送的月份，输入日期如 2021-06；按单位下载的模板已填好",
            "2021-06",
            MONTH,
        ),
        "status": Rule(
            _pick(_inline(statuses), "状态", "从下拉列表选择", "请选择：" + "、".join(statuses)),
            "从下拉列表选择：" + "、".join(statuses) + "。每行都要填写；不报送的节点请删除整行",
            statuses[1],
        ),
        "done_on": Rule(
            _date("完成日期", "节点实际完成的日期，状态为已完成时填写"),
            "状态为已完成时必填：节点实际完成的日期，不晚于报送月份的月底；其他状态不填",
            "2021-06-28",
            DAY,
        ),
        "percent": Rule(
            percent,
            "可不填；0–100 的整数（百分比）。已完成记为 100，未启动记为 0",
            "60",
        ),
        "note": Rule(None, "本月工作进展，可不填", "已完成方案起草，正在征求意见"),
    }


# --- the workbooks ---------------------------------------------------------------------


def _table_sheet(
    sheet: Worksheet, columns: list[Column], widths: dict[str, float], rules: dict[str, Rule]
) -> None:
    write_header(sheet, 1, [(c.title, widths[c.key]) for c in columns])
    sheet.freeze_panes = "A2"
    for index, col in enumerate(columns, start=1):
        letter = get_column_letter(index)
        rule = rules[col.key]
        if rule.number_format:
            sheet.column_dimensions[letter].number_format = rule.number_format
        if rule.validation is not None:
            rule.validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(rule.validation)


def _guide_sheet(
    workbook: Workbook, columns: list[Column], rules: dict[str, Rule], notes: list[str]
) -> None:
    sheet = workbook.create_sheet(GUIDE_SHEET)
    rows = []
    for c in columns:
        rule = rules[c.key]
        required = c.required if rule.required is None else rule.required
        rows.append((c.title, "必填" if required else "可不填", rule.guide, rule.example))
    last = write_table(sheet, 1, GUIDE_COLUMNS, rows)
    sheet.auto_filter.ref = None  # nothing here to filter
    width = sum(w for _, w in GUIDE_COLUMNS)
    for row, text in enumerate(notes, start=last + 2):
        cell = sheet.cell(row=row, column=1)
        set_text(cell, text)
        cell.alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(GUIDE_COLUMNS))
        fit_row(sheet, row, [text], [width])
    print_setup(
        sheet, paper=A4, landscape=True, repeat_rows="1:1", heading=GUIDE_SHEET, titled=False
    )


def ledger_template(output: str | IO[bytes], jurisdiction: Jurisdiction | None = None) -> None:
    """The blank ledger of `jurisdiction` (None: the home one): header, drop-downs of its
    units and leaders, date checks, and the guide."""
    with translation.override(settings.LANGUAGE_CODE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = LEDGER_SHEET
        columns = [c for c in LEDGER_COLUMNS if c.key in LEDGER_KEYS]
        rules = _ledger_rules(Lists(workbook), jurisdiction)
        _table_sheet(sheet, columns, LEDGER_WIDTHS, rules)
        heading = f"{settings.DUCHA_CITY}改革任务台账"
        print_setup(
            sheet, paper=A3, landscape=True, repeat_rows="1:1", heading=heading, titled=False
        )
        _guide_sheet(
            workbook,
            columns,
            rules,
            [
                "每个节点一行：一项任务有几个节点就写几行，每行都填写任务编号；任务名称、领域等"
                "任务信息在该任务的第一行填写即可，后面的行可以留空。",
                "共同牵头：牵头单位写多个单位，用「、」分隔，第一个为主牵头单位，由它报送月度进展；"
                "每个牵头单位都计入本任务的评价。配合单位同样用「、」分隔。",
                "日期：完成时限和起始月份请输入日期（2021-06-30、2021/6/30、2021年6月30日，"
                "或只写到月：2021-06）；按月考核，只看年和月。",
                "请勿隐藏行或列，勿在筛选状态下保存；只在「改革任务台账」工作表填写任务。",
            ],
        )
        workbook.active = 0
        workbook.save(output)


def progress_template(output: str | IO[bytes], *, month: dt.date, unit: Unit | None = None) -> int:
    """The progress layout for `month`; with `unit`, one row per node of each active task it
    leads first (the first lead unit files the report). Returns the rows filled in."""
    with translation.override(settings.LANGUAGE_CODE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = PROGRESS_SHEET
        columns = list(PROGRESS_COLUMNS)
        rules = _progress_rules()
        _table_sheet(sheet, columns, PROGRESS_WIDTHS, rules)
        filled = _fill_progress(sheet, columns, month, unit) if unit is not None else 0
        who = f"{unit.name} " if unit is not None else ""
        heading = f"{who}{format_month_zh(month)}改革任务月度进展"
        print_setup(
            sheet, paper=A4, landscape=True, repeat_rows="1:1", heading=heading, titled=False
        )
        _guide_sheet(
            workbook,
            columns,
            rules,
            [
                f"本表报送 {format_month_zh(month)} 的进展（月份列）。每个节点一行，"
                "任务编号和节点编号须与任务台账一致；按单位下载的模板已列出本单位牵头的全部节点，"
                "鼠标停在任务编号、节点编号上可看到任务名称和节点目标。",
                "每行都要选择状态；不报送的节点请删除整行（不要隐藏）。已完成的节点须填写完成日期。",
                "请勿隐藏行或列，勿在筛选状态下保存；只在「月度进展」工作表填写。",
            ],
        )
        workbook.active = 0
        workbook.save(output)
    return filled


def _fill_progress(sheet: Worksheet, columns: list[Column], month: dt.date, unit: Unit) -> int:
    place = {c.key: index for index, c in enumerate(columns, start=1)}
    tasks = Task.objects.filter(lead_unit=unit).active().prefetch_related("nodes").order_by("code")
    row = 1
    for task in tasks:
        for node in task.nodes.all():
            row += 1
            code = sheet.cell(row=row, column=place["task_code"])
            set_text(code, task.code)
            code.number_format = TEXT
            code.comment = _note(f"任务：{task.title}")
            node_cell = sheet.cell(row=row, column=place["node_code"])
            set_text(node_cell, node.code)
            node_cell.number_format = TEXT
            node_cell.comment = _note(
                f"节点目标：{node.title}\n完成时限：{node.due_text or format_month(node.due_month)}"
            )
            when = sheet.cell(row=row, column=place["month"])
            when.value = month
            when.number_format = MONTH
    return row - 1


def _note(text: str) -> Comment:
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 320, 120
    return comment
