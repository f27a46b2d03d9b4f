"""Messy ledgers and progress files, each with what importing it must give.

Every case is a file as a 市委改革办 clerk makes it — title rows, merged cells, two-row
headers, section and footer rows, an example sheet first, hidden rows and columns, dates
and names written every way people write them — and either the database content it must
import to, field by field, or the refusal it must get (the exception, and the parts of
the message that tell the clerk where and what to do). No case may import to anything
else: a file accepted with a wrong value is the one outcome an import must never have.

The files are built with openpyxl and csv only, so this module runs without Django:

    python -m tests.corpus.ledgers /tmp/corpus    # writes every file and lists them

tests/test_ledger_corpus.py imports each one into a fresh database seeded with SEED_UNITS
and SEED_LEADERS (the areas come from the migration).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# --- what the database holds before each file is imported ------------------------------

SEED_UNITS = (
    "市发展改革委",
    "市财政局",
    "市工业和信息化局",
    "市自然资源和规划局",
    "市商务局",
    "市农业农村局",
    "市人力资源和社会保障局",
    "市市场监管局",
    "德城区",
    "陵城区",
    "禹城市",
)
SEED_LEADERS = {  # name → title
    "陈静": "副市长",
    "张伟": "常务副市长",
    "李娜": "副市长",
    "刘洋": "副市长",
    "赵明": "副市长",
}


# --- what a file must import to -------------------------------------------------------


@dataclass(frozen=True)
class N:
    """An expected node: its code, target and due month (YYYY-MM)."""

    code: str
    title: str
    due: str


@dataclass(frozen=True)
class T:
    """An expected task; names in their written order, the primary lead and leader first."""

    code: str
    area: str  # the area's name
    title: str
    source: str  # 省定 or 市定
    leaders: tuple[str, ...]
    lead_units: tuple[str, ...]
    co_units: tuple[str, ...]
    nodes: tuple[N, ...]


@dataclass(frozen=True)
class P:
    """An expected progress row."""

    task: str
    node: str
    month: str  # YYYY-MM
    status: str  # not_started, in_progress or done
    done_on: str | None  # YYYY-MM-DD
    percent: int | None
    note: str


@dataclass(frozen=True)
class Imported:
    """The file imports; the database then holds exactly this (plus the seed)."""

    sheet: str | None  # the sheet the summary names (None for CSV)
    tasks: tuple[T, ...] = ()
    progress: tuple[P, ...] = ()
    new_units: tuple[str, ...] = ()
    new_leaders: tuple[str, ...] = ()
    leader_titles: dict[str, str] = field(default_factory=dict)  # of the new leaders
    # What the summary must say (warnings, notes): substrings, patterns, or tuples of
    # alternatives (any one will do).
    mentions: tuple = ()


@dataclass(frozen=True)
class Refused:
    """The file is refused and nothing is written; the message has every part of `must`."""

    errors: tuple[str, ...]  # exception class names, any of them
    must: tuple  # substrings, patterns, or tuples of alternatives
    names: tuple[str, ...] = ()  # NewNames.names


def rows_named(number: int) -> re.Pattern:
    """A row number as a message names it: 第5行, 第 5 行, 第 3、5 行, 第 5–7 行."""
    return re.compile(rf"第[\s\d、，,–-]*(?<!\d){number}(?!\d)[\s\d、，,–-]*行")


def sheet_named(title: str) -> str:
    return f"「{title}」"


# --- the files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A worksheet: rows from row 1 (None or a short list is blank), and its layout."""

    title: str
    rows: tuple[tuple, ...]
    merges: tuple[str, ...] = ()
    hidden_rows: tuple[int, ...] = ()
    hidden_columns: tuple[str, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)  # "J3": "0.00"
    widths: dict[str, float] = field(default_factory=dict)
    autofilter: str | None = None
    filters: dict[int, tuple[str, ...]] = field(default_factory=dict)  # column index → shown
    state: str = "visible"


@dataclass(frozen=True)
class Xlsx:
    sheets: tuple[Sheet, ...]
    active: int = 0
    suffix = "xlsx"

    def write(self, path: Path) -> None:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for spec in self.sheets:
            ws = workbook.create_sheet(spec.title)
            for r, row in enumerate(spec.rows, start=1):
                for c, value in enumerate(row or (), start=1):
                    if value is not None and value != "":
                        ws.cell(row=r, column=c, value=value)
            for ref, fmt in spec.formats.items():
                ws[ref].number_format = fmt
            for ref in spec.merges:
                ws.merge_cells(ref)
            widest = max((len(row or ()) for row in spec.rows), default=0)
            for c in range(1, widest + 1):
                letter = get_column_letter(c)
                ws.column_dimensions[letter].width = spec.widths.get(letter, 16)
            for r in spec.hidden_rows:
                ws.row_dimensions[r].hidden = True
            for letter in spec.hidden_columns:
                ws.column_dimensions[letter].hidden = True
            if spec.autofilter:
                ws.auto_filter.ref = spec.autofilter
                for column, shown in spec.filters.items():
                    ws.auto_filter.add_filter_column(column, list(shown))
            ws.sheet_state = spec.state
        workbook.active = self.active
        workbook.save(path)


@dataclass(frozen=True)
class Csv:
    rows: tuple[tuple, ...]
    encoding: str = "utf-8"
    suffix = "csv"

    def write(self, path: Path) -> None:
        with path.open("w", encoding=self.encoding, newline="") as f:
            csv.writer(f).writerows(["" if v is None else v for v in row] for row in self.rows)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "ledger" or "progress"
    file: Xlsx | Csv
    expect: Imported | Refused
    tags: tuple[str, ...]
    options: dict = field(default_factory=dict)  # keyword arguments of importing.Options

    def write(self, directory: Path) -> Path:
        path = Path(directory) / f"{self.name}.{self.file.suffix}"
        self.file.write(path)
        return path


# --- the tasks the files describe ---------------------------------------------------------

A = T(
    "ZT-01",
    "总体",
    "深化市级机构改革后续工作",
    "市定",
    ("陈静",),
    ("市发展改革委",),
    ("市财政局", "德城区"),
    (N("N1", "制定实施方案", "2021-06"), N("N2", "全面完成改革任务", "2021-12")),
)
B = T(
    "CY-02",
    "强产业",
    "推进亩产效益评价改革",
    "省定",
    ("赵明",),
    ("市工业和信息化局",),
    ("市财政局", "市自然资源和规划局"),
    (N("N1", "出台评价办法", "2021-09"),),
)
C = T(
    "HJ-03",
    "优环境",
    "深化工程建设项目审批制度改革",
    "省定",
    ("李娜",),
    ("市自然资源和规划局",),
    (),
    (N("N1", "审批时间压减至80个工作日", "2021-10"), N("N2", "建成联审平台", "2021-12")),
)
F = T(
    "KF-06",
    "促开放",
    "推进跨境电商综合试验区建设",
    "省定",
    ("李娜",),
    ("市商务局",),
    ("市市场监管局", "禹城市"),
    (N("N1", "出台建设方案", "2021-08"),),
)
ABC = (A, B, C)

STD = (
    ("task_code", "任务编号"),
    ("area", "领域"),
    ("title", "任务名称"),
    ("source", "任务来源"),
    ("leader", "分管市领导"),
    ("lead_unit", "牵头单位"),
    ("co_units", "配合单位"),
    ("node_code", "节点编号"),
    ("node", "节点目标"),
    ("due", "完成时限"),
)
STD_HEADER = tuple(title for _, title in STD)
STD_KEYS = tuple(key for key, _ in STD)
TASK_KEYS = {"seq", "task_code", "area", "title", "source", "leader", "lead_unit", "co_units"}


def written_due(due: str) -> str:
    """2021-06 as a clerk writes it: 2021年6月底."""
    year, month = due.split("-")
    return f"{year}年{int(month)}月底"


def rows_of(tasks, keys=STD_KEYS, over=None, seq=None) -> list[tuple]:
    """One row per node, the task's cells on its first row only (blank below, as clerks
    leave them); `over` replaces cells: {(task code, node code, key): value}."""
    over = over or {}
    out = []
    for number, t in enumerate(tasks, start=1):
        for i, n in enumerate(t.nodes):
            values = {
                "seq": (seq or {}).get(t.code, number),
                "task_code": t.code,
                "area": t.area,
                "title": t.title,
                "source": t.source,
                "leader": "、".join(t.leaders),
                "lead_unit": "、".join(t.lead_units),
                "co_units": "、".join(t.co_units),
                "node_code": n.code,
                "node": n.title,
                "due": written_due(n.due),
            }
            if i:
                values.update(dict.fromkeys(TASK_KEYS))
            for key in keys:
                if (t.code, n.code, key) in over:
                    values[key] = over[(t.code, n.code, key)]
            out.append(tuple(values[key] for key in keys))
    return out


def merged_task_cells(first_row: int, tasks, columns: int) -> tuple[str, ...]:
    """Merges of a multi-node task's cells (columns A.. up to `columns`), as clerks do."""
    refs, row = [], first_row
    for t in tasks:
        if len(t.nodes) > 1:
            last = row + len(t.nodes) - 1
            refs += [
                f"{get_column_letter(c)}{row}:{get_column_letter(c)}{last}"
                for c in range(1, columns + 1)
            ]
        row += len(t.nodes)
    return tuple(refs)


def renumbered(task: T, code: str | None = None, **changes) -> T:
    """The task with generated node codes 1, 2, 3… (and another task code)."""
    nodes = tuple(replace(n, code=str(i)) for i, n in enumerate(task.nodes, start=1))
    return replace(task, code=code or task.code, nodes=nodes, **changes)


def with_dues(task: T, **dues: str) -> T:
    return replace(task, nodes=tuple(replace(n, due=dues.get(n.code, n.due)) for n in task.nodes))


def std_sheet(title="台账", tasks=ABC, **layout) -> Sheet:
    return Sheet(title, (STD_HEADER, *rows_of(tasks)), **layout)


TITLE_2021 = "德州市2021年全面深化改革重点任务台账"


# --- the ledgers ------------------------------------------------------------------------

LEDGER_CASES: list[Case] = []


def ledger(name, file, expect, tags, **options) -> None:
    LEDGER_CASES.append(Case(name, "ledger", file, expect, tuple(tags), options))


def accepted(sheet="台账", tasks=ABC, **rest) -> Imported:
    return Imported(sheet=sheet, tasks=tuple(tasks), **rest)


# The layout SPEC §4 describes, with nothing messy: the yardstick for the rest.
ledger("plain_spec_layout", Xlsx((std_sheet(),)), accepted(), ["baseline"])

# CSV saved by WPS in GBK, a title row above the header, full-width commas between units.
ledger(
    "csv_gbk_with_title_row",
    Csv(
        (
            (TITLE_2021,),
            STD_HEADER,
            *rows_of(ABC, over={("ZT-01", "N1", "co_units"): "市财政局，德城区"}),
        ),
        encoding="gbk",
    ),
    accepted(sheet=None),
    ["csv-gbk", "title-rows"],
)

# CSV in UTF-8 with a BOM; co-units separated by semicolons, slashes and spaces.
ledger(
    "csv_utf8_every_separator",
    Csv(
        (
            STD_HEADER,
            *rows_of(
                ABC,
                over={
                    ("ZT-01", "N1", "co_units"): "市财政局；德城区",
                    ("CY-02", "N1", "co_units"): "市财政局 / 市自然资源和规划局",
                },
            ),
        ),
        encoding="utf-8-sig",
    ),
    accepted(sheet=None),
    ["csv-utf8", "co-units-separators"],
)

# Three title rows, notes, blank rows: the header on row 12, task cells merged.
_title_rows = (
    (TITLE_2021,),
    ("（按“1+6”改革领域分类）",),
    (),
    ("填报单位：市委改革办", None, None, None, None, None, None, "填报日期：2021年5月10日"),
    (),
    ("说明：1. 本表由各牵头单位填报，市委改革办汇总。",),
    ("      2. 节点目标应具体、可考核。",),
    (),
    (),
    ("单位：项",),
    (),
)
ledger(
    "title_rows_header_on_row_12",
    Xlsx(
        (
            Sheet(
                "台账",
                (*_title_rows, STD_HEADER, *rows_of(ABC)),
                merges=("A1:J1", "A2:J2", *merged_task_cells(13, ABC, 7)),
            ),
        )
    ),
    accepted(),
    ["title-rows", "header-below-row-10", "merged-cells"],
)

# Two-row header: the task columns merged down two rows, 节点任务 merged across the node
# columns with 节点编号 | 节点目标 | 完成时限 below it (节点任务 is itself a node synonym).
_top = (*STD_HEADER[:7], "节点任务", None, None)
_low = (None,) * 7 + STD_HEADER[7:]
ledger(
    "two_row_header_merged",
    Xlsx(
        (
            Sheet(
                "台账",
                ((TITLE_2021,), _top, _low, *rows_of(ABC)),
                merges=(
                    "A1:J1",
                    "H2:J2",
                    *(f"{get_column_letter(c)}2:{get_column_letter(c)}3" for c in range(1, 8)),
                    *merged_task_cells(4, ABC, 7),
                ),
            ),
        )
    ),
    accepted(),
    ["two-row-header-merged", "title-rows"],
)

# The same two-row header typed without merging: the group title only over its first column.
ledger(
    "two_row_header_not_merged",
    Xlsx((Sheet("台账", (_top, _low, *rows_of(ABC))),)),
    accepted(),
    ["two-row-header-unmerged"],
)

# Header synonyms, set one: 编号, 类别, 改革事项, 任务来源（省定/市定）, 责任领导, 主责单位,
# 协同单位, 节点任务, 时间节点.
ledger(
    "synonyms_responsible_leader",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (
                        "编号",
                        "类别",
                        "改革事项",
                        "任务来源（省定/市定）",
                        "责任领导",
                        "主责单位",
                        "协同单位",
                        "节点编号",
                        "节点任务",
                        "时间节点",
                    ),
                    *rows_of(ABC),
                ),
            ),
        )
    ),
    accepted(),
    ["synonyms", "bracketed-qualifier"],
)

# Set two: 任务代码, 改革领域, 改革任务, 来源, 牵头领导, 牵头部门, 配合部门, 节点代码, 时限要求.
ledger(
    "synonyms_lead_leader",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (
                        "任务代码",
                        "改革领域",
                        "改革任务",
                        "来源",
                        "牵头领导",
                        "牵头部门",
                        "配合部门",
                        "节点代码",
                        "节点目标",
                        "时限要求",
                    ),
                    *rows_of(ABC),
                ),
            ),
        )
    ),
    accepted(),
    ["synonyms"],
)

# Set three: 市级领导, 所属领域, 任务内容, 任务类别, and qualifiers in both bracket widths.
ledger(
    "synonyms_city_leader_with_qualifiers",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (
                        "任务编号",
                        "所属领域",
                        "任务内容",
                        "任务类别",
                        "市级领导",
                        "牵头单位（部门）",
                        "配合单位(部门)",
                        "节点编号",
                        "节点任务目标",
                        "完成时限（年月）",
                    ),
                    *rows_of(ABC),
                ),
            ),
        )
    ),
    accepted(),
    ["synonyms", "bracketed-qualifier"],
)

# Header cells with line breaks, stars, full-width spaces and brackets; full-width digits.
ledger(
    "header_cells_folded",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (
                        "*任务\n编号",
                        "领\u3000域",
                        "任务名称（全称）",
                        "任务来源\n(省定/市定)",
                        "分管\n市领导",
                        "牵头单位*",
                        "配合单位",
                        "节点\n编号",
                        "节点目标",
                        "完成时限\n（年月）",
                    ),
                    *rows_of(ABC, over={("ZT-01", "N1", "due"): "２０２１年６月底"}),
                ),
            ),
        )
    ),
    accepted(),
    ["header-folding", "bracketed-qualifier"],
)

# No 领域 column: the area comes from section rows (一、总体（1项）), merged across or not.
_no_area = tuple(k for k in STD_KEYS if k != "area")
_no_area_header = tuple(t for k, t in STD if k != "area")
ledger(
    "section_rows_give_the_area",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    ("2021年改革任务台账",),
                    _no_area_header,
                    ("一、总体（1项）",),
                    *rows_of([A], _no_area),
                    ("二、强产业（1项）",),
                    *rows_of([B], _no_area),
                    ("三、优环境",),
                    *rows_of([C], _no_area),
                ),
                merges=("A1:I1", "A3:I3", "A6:I6"),
            ),
        )
    ),
    accepted(),
    ["section-rows", "area-from-section"],
)

# Section rows that are no area, beside a 领域 column: skipped (with a note).
ledger(
    "section_rows_beside_an_area_column",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    ("（一）省定改革任务",),
                    *rows_of([B, C]),
                    ("（二）市定改革任务",),
                    *rows_of([A]),
                ),
                merges=("A2:J2", "A6:J6"),
            ),
        )
    ),
    accepted(mentions=(rows_named(2),)),
    ["section-rows", "section-row-not-area"],
)

# No 领域 column and a section row that names no area: the area cannot be known.
ledger(
    "section_row_without_an_area_refused",
    Xlsx(
        (
            Sheet(
                "台账",
                (_no_area_header, ("一、重点改革任务",), *rows_of(ABC, _no_area)),
                merges=("A2:I2",),
            ),
        )
    ),
    Refused(
        ("FileRefused", "ImportFailed"),
        (sheet_named("台账"), (rows_named(2), rows_named(3)), "领域"),
    ),
    ["section-row-not-area", "refused"],
)

# Footer rows: 合计, 备注：, 制表人/审核人, 联系电话 — skipped with a note naming them.
ledger(
    "footer_rows_skipped",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(ABC),
                    (),
                    ("合计", None, "共3项任务、5个节点"),
                    ("备注：本表节点时限以市委改革办批复为准。",),
                    ("制表人：王某某", None, None, None, None, "审核人：李某某"),
                    ("联系电话：0534-2688000",),
                ),
                merges=("A9:J9",),
            ),
        )
    ),
    accepted(mentions=(rows_named(8),)),
    ["footer-rows"],
)

# The ledger on the second sheet behind a cover sheet that stays active.
ledger(
    "ledger_on_the_second_sheet",
    Xlsx(
        (
            Sheet("封面", ((TITLE_2021,), (), ("市委全面深化改革委员会办公室",), ("2021年5月",))),
            std_sheet(),
        ),
        active=0,
    ),
    accepted(),
    ["not-first-sheet"],
)

# Silent case 5: 填报示例 first, the real ledger on the active second sheet.
_example = T(
    "SL-001",
    "总体",
    "（示例）某某改革任务",
    "市定",
    ("某某",),
    ("市XX局",),
    ("市YY局",),
    (N("N1", "（示例）制定方案", "2021-06"),),
)
ledger(
    "example_sheet_first",
    Xlsx(
        (
            std_sheet("填报示例", [_example]),
            std_sheet("2021年台账"),
            Sheet("填报说明", (("1. 每个节点一行；",), ("2. 完成时限写到月。",))),
        ),
        active=1,
    ),
    accepted(sheet="2021年台账"),
    ["example-sheet", "silent-5", "not-first-sheet"],
)

# Two sheets that are both ledgers: which one is meant cannot be guessed.
_two_ledgers = Xlsx((std_sheet("省定任务", [B, C]), std_sheet("市定任务", [A])))
ledger(
    "two_ledger_sheets_refused",
    _two_ledgers,
    Refused(("FileRefused",), (sheet_named("省定任务"), sheet_named("市定任务"), "--sheet")),
    ["several-sheets-refused", "refused"],
)
ledger(
    "two_ledger_sheets_with_sheet_option",
    _two_ledgers,
    accepted(sheet="市定任务", tasks=[A]),
    ["sheet-option"],
    sheet="市定任务",
)

# A hidden sheet with last year's ledger is no candidate.
_old = T(
    "ZT-20",
    "总体",
    "2020年度旧任务",
    "市定",
    ("陈静",),
    ("市发展改革委",),
    (),
    (N("N1", "旧节点", "2020-12"),),
)
ledger(
    "hidden_sheet_of_last_year",
    Xlsx((std_sheet("2020年台账", [_old], state="hidden"), std_sheet("2021年台账")), active=1),
    accepted(sheet="2021年台账"),
    ["hidden-sheet"],
)

# Only 序号: task codes from the area's prefix, the title row's year and the 序号. B runs
# into 2022: its code still takes the ledger's year, 2021, from the title.
_seq_keys = ("seq", *(k for k in STD_KEYS if k not in ("task_code", "node_code")))
_seq_header = ("序号", *(t for k, t in STD if k not in ("task_code", "node_code")))
_seq_tasks = (A, with_dues(B, N1="2022-03"), C)
ledger(
    "seq_only_year_in_title",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    ("德州市2021年度全面深化改革重点任务台账",),
                    _seq_header,
                    *rows_of(_seq_tasks, _seq_keys),
                ),
                merges=("A1:I1", *merged_task_cells(6, [C], 7)),
            ),
        )
    ),
    accepted(
        tasks=[
            renumbered(A, "ZT2021-001"),
            renumbered(_seq_tasks[1], "CY2021-002"),
            renumbered(C, "HJ2021-003"),
        ],
        mentions=("ZT2021-001", "CY2021-002", "HJ2021-003"),
    ),
    ["seq-only", "generated-codes", "title-rows"],
)

# Only 序号, restarting in each section; no year anywhere but in the dates.
_cy1 = T(
    "CY2022-001",
    "强产业",
    "推进制造业数字化转型",
    "省定",
    ("赵明",),
    ("市工业和信息化局",),
    ("市商务局",),
    (N("1", "出台转型行动方案", "2022-03"), N("2", "建成10个数字化车间", "2022-09")),
)
_cy2 = T(
    "CY2022-002",
    "强产业",
    "深化开发区体制机制改革",
    "市定",
    ("刘洋",),
    ("市商务局",),
    ("市发展改革委",),
    (N("1", "完成开发区整合", "2022-06"),),
)
_ms1 = T(
    "MS2022-001",
    "惠民生",
    "推进人社服务快办行动",
    "市定",
    ("陈静",),
    ("市人力资源和社会保障局",),
    ("市财政局",),
    (N("1", "实现20项服务快办", "2022-12"),),
)
_seq_no_area = tuple(k for k in _seq_keys if k != "area")
ledger(
    "seq_only_sections_year_from_dates",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    ("重点改革任务推进台账",),
                    tuple(t for t in _seq_header if t != "领域"),
                    ("一、强产业（2项）",),
                    *rows_of([_cy1, _cy2], _seq_no_area),
                    ("二、惠民生（1项）",),
                    *rows_of([_ms1], _seq_no_area),
                ),
                merges=("A1:H1", "A3:H3", "A7:H7"),
            ),
        )
    ),
    accepted(tasks=[_cy1, _cy2, _ms1], mentions=("CY2022-001",)),
    ["seq-only", "generated-codes", "section-rows", "area-from-section"],
)

# Nodes written in one cell, the due cell left blank; no 节点编号 column.
_no_node_code = tuple(k for k in STD_KEYS if k != "node_code")
_no_node_code_header = tuple(t for k, t in STD if k != "node_code")


def _one_cell(task: T, text: str) -> list[tuple]:
    """The task's single row: all its nodes in the node cell, the due cell blank."""
    first = rows_of([replace(task, nodes=task.nodes[:1])], _no_node_code)[0]
    return [(*first[:-2], text, None)]


ledger(
    "nodes_in_one_cell_blank_due",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    _no_node_code_header,
                    *_one_cell(
                        A, "1. 2021年6月底前：制定实施方案；2. 2021年12月底前：全面完成改革任务"
                    ),
                    *rows_of([B], _no_node_code),
                    *_one_cell(
                        C,
                        "1、2021年10月底前，审批时间压减至80个工作日\n2、2021年12月底前，建成联审平台",
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[renumbered(A), renumbered(B), renumbered(C)]),
    ["nodes-in-one-cell"],
)

# Nodes in one cell and no due column at all; "1.2021年…" with no space after the number.
ledger(
    "nodes_in_one_cell_no_due_column",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (*STD_HEADER[:7], "节点任务"),
                    (
                        *rows_of([A])[0][:7],
                        "1.2021年6月底前：制定实施方案；2.2021年12月底前：全面完成改革任务",
                    ),
                    (*rows_of([B])[0][:7], "1.2021年9月底前：出台评价办法"),
                ),
            ),
        )
    ),
    accepted(tasks=[renumbered(A), renumbered(B)]),
    ["nodes-in-one-cell", "no-due-column"],
)

# Year-less dates take the year written in the title row.
_yearless = {
    ("ZT-01", "N1", "due"): "6月底",
    ("ZT-01", "N2", "due"): "12月底前",
    ("CY-02", "N1", "due"): "9月",
    ("HJ-03", "N1", "due"): "10月31日前",
    ("HJ-03", "N2", "due"): "12月",
}
ledger(
    "yearless_dates_take_the_title_year",
    Xlsx(
        (
            Sheet(
                "台账",
                (("2021年度全面深化改革任务台账",), STD_HEADER, *rows_of(ABC, over=_yearless)),
                merges=("A1:J1",),
            ),
        )
    ),
    accepted(),
    ["yearless-title-year", "day-before", "title-rows"],
)

# Year-less dates and no year anywhere: refused with the advice; accepted with --year.
_no_year = Xlsx((Sheet("台账", (STD_HEADER, *rows_of(ABC, over=_yearless))),))
ledger(
    "yearless_dates_without_a_year_refused",
    _no_year,
    Refused(("ImportFailed", "FileRefused"), (sheet_named("台账"), "第2行", "J列", "--year")),
    ["yearless-refused", "refused"],
)
ledger(
    "yearless_dates_with_the_year_option",
    _no_year,
    accepted(),
    ["year-option"],
    year=2021,
)

# 上半年, 第三季度, 年底前, …日前, 一季度末, 下半年, 2021年上半年, 第4季度, 年内.
_phrases = T(
    "HJ-04",
    "优环境",
    "深化“放管服”改革",
    "省定",
    ("李娜",),
    ("市市场监管局",),
    ("市发展改革委",),
    (
        N("N1", "完成涉企证照整合", "2021-06"),
        N("N2", "推行告知承诺制", "2021-09"),
        N("N3", "实现“一网通办”", "2021-12"),
        N("N4", "清理规范中介服务", "2021-12"),
        N("N5", "制定工作方案", "2021-03"),
        N("N6", "开展评估", "2021-12"),
        N("N7", "梳理事项清单", "2021-06"),
        N("N8", "总结推广经验", "2021-12"),
        N("N9", "形成制度成果", "2021-12"),
    ),
)
_phrase_dues = (
    "上半年",
    "第三季度",
    "年底前",
    "2021年12月31日前",
    "一季度末",
    "下半年",
    "2021年上半年",
    "第4季度",
    "年内",
)
ledger(
    "date_phrases",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    ("2021年改革任务台账",),
                    STD_HEADER,
                    *rows_of(
                        [_phrases],
                        over={
                            ("HJ-04", f"N{i}", "due"): due
                            for i, due in enumerate(_phrase_dues, start=1)
                        },
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[_phrases]),
    ["half-year-quarter-year-end", "day-before"],
)

# 持续推进, 长期坚持, 常态化推进: due at the end of the ledger's year, with a warning.
_ongoing = T(
    "MS-05",
    "惠民生",
    "深化医药卫生体制改革",
    "省定",
    ("刘洋",),
    ("市人力资源和社会保障局",),
    ("市财政局",),
    (
        N("N1", "推进分级诊疗", "2021-12"),
        N("N2", "常态化开展医保基金监管", "2021-12"),
        N("N3", "出台实施方案", "2021-06"),
        N("N4", "巩固家庭医生签约服务", "2021-12"),
    ),
)
ledger(
    "ongoing_tasks_due_at_year_end",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    ("2021年改革任务台账",),
                    STD_HEADER,
                    *rows_of(
                        [_ongoing],
                        over={
                            ("MS-05", "N1", "due"): "持续推进",
                            ("MS-05", "N2", "due"): "长期坚持",
                            ("MS-05", "N4", "due"): "常态化推进",
                        },
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[_ongoing], mentions=("持续推进", rows_named(3))),
    ["ongoing"],
)

# Silent case 4: 2021.1 formatted 0.00 is what Excel shows as 2021.10 — October.
ledger(
    "numeric_dates_as_displayed",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(
                        ABC,
                        over={
                            ("ZT-01", "N1", "due"): 2021.06,
                            ("ZT-01", "N2", "due"): 2021.12,
                            ("CY-02", "N1", "due"): 2021.1,
                            ("HJ-03", "N1", "due"): dt.datetime(2021, 10, 31),
                            ("HJ-03", "N2", "due"): 2021.09,
                        },
                    ),
                ),
                formats={
                    "J2": "0.00",
                    "J3": "0.00",
                    "J4": "0.00",
                    "J5": "yyyy-mm-dd",
                    "J6": "0.00",
                },
            ),
        )
    ),
    accepted(tasks=[A, with_dues(B, N1="2021-10"), with_dues(C, N2="2021-09")]),
    ["numeric-format", "silent-4"],
)

# Silent case 3: leaders written with their titles are the existing leaders.
ledger(
    "leader_titles_split_off",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(
                        [A, B, C, F],
                        over={
                            ("ZT-01", "N1", "leader"): "陈静（副市长）",
                            ("CY-02", "N1", "leader"): "刘洋副市长",
                            ("HJ-03", "N1", "leader"): "张伟 （常务副市长）",
                            ("KF-06", "N1", "leader"): "李娜(副市长)",
                        },
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[A, replace(B, leaders=("刘洋",)), replace(C, leaders=("张伟",)), F]),
    ["leader-titles", "silent-3"],
)

# Several leaders in one cell, with or without titles: the first is the primary.
ledger(
    "several_leaders",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(
                        ABC,
                        over={
                            ("ZT-01", "N1", "leader"): "张伟、李娜",
                            ("CY-02", "N1", "leader"): "赵明（副市长）、刘洋（副市长）",
                        },
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[replace(A, leaders=("张伟", "李娜")), replace(B, leaders=("赵明", "刘洋")), C]),
    ["several-leaders", "leader-titles", "silent-3"],
)

# Joint lead units (共同牵头): "A、B" in the lead cell, the first is the primary.
_joint_a = replace(A, lead_units=("市发展改革委", "市财政局"), co_units=("德城区",))
_joint_c = replace(C, lead_units=("市自然资源和规划局", "市市场监管局"))
ledger(
    "joint_lead_units",
    Xlsx((std_sheet(tasks=[_joint_a, B, _joint_c]),)),
    accepted(tasks=[_joint_a, B, _joint_c]),
    ["joint-lead", "silent-3"],
)

# Silent case 2: co-units separated by half- and full-width spaces and line breaks.
_spaced = replace(C, co_units=("市发展改革委", "陵城区", "禹城市"))
ledger(
    "co_units_split_on_spaces",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(
                        [A, B, _spaced],
                        over={
                            ("ZT-01", "N1", "co_units"): "市财政局  德城区",
                            ("CY-02", "N1", "co_units"): "市财政局\u3000市自然资源和规划局",
                            ("HJ-03", "N1", "co_units"): "市发展改革委\n陵城区 禹城市",
                        },
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[A, B, _spaced]),
    ["co-units-spaces", "silent-2"],
)

# A trailing 等 is removed (with a warning), not made into a unit.
_deng = replace(A, co_units=("市财政局", "市工业和信息化局"))
ledger(
    "trailing_deng_removed",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(
                        [_deng, B, C],
                        over={("ZT-01", "N1", "co_units"): "市财政局、市工业和信息化局等"},
                    ),
                ),
            ),
        )
    ),
    accepted(tasks=[_deng, B, C], mentions=("等", rows_named(2))),
    ["trailing-deng", "silent-3"],
)

# Silent case 1: 牵头单位 | 责任单位, the second holding co-units. Refused; --map says which.
_lead_resp_header = (*STD_HEADER[:6], "责任单位", *STD_HEADER[7:])
_lead_resp = Xlsx((Sheet("台账", (_lead_resp_header, *rows_of(ABC))),))
ledger(
    "lead_and_responsible_unit_columns_refused",
    _lead_resp,
    Refused(("FileRefused", "ImportFailed"), (sheet_named("台账"), "F列", "G列", "--map")),
    ["two-columns-one-field", "silent-1", "refused"],
)
ledger(
    "lead_and_responsible_unit_columns_mapped",
    _lead_resp,
    accepted(),
    ["map-option", "silent-1"],
    mapping={"责任单位": "配合单位"},
)

# 协办单位 is a co-unit column (it used to be skipped without a word).
ledger(
    "xieban_units_are_co_units",
    Xlsx((Sheet("台账", ((*STD_HEADER[:6], "协办单位", *STD_HEADER[7:]), *rows_of(ABC))),)),
    accepted(),
    ["synonyms", "silent-1"],
)

# Columns the importer does not know are named in the summary as not imported.
ledger(
    "unknown_columns_reported",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (*STD_HEADER, "备注", "督办意见"),
                    *[
                        (*row, "已列入省考核" if i == 0 else None, "按期推进" if i == 2 else None)
                        for i, row in enumerate(rows_of(ABC))
                    ],
                ),
            ),
        )
    ),
    accepted(mentions=("K列「备注」", "L列「督办意见」")),
    ["unknown-header", "silent-1"],
)

# Two synonyms of one field: 牵头市领导 and 分管市领导.
ledger(
    "two_leader_columns_refused",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (*STD_HEADER[:4], "牵头市领导", "分管市领导", *STD_HEADER[5:]),
                    *[(*row[:5], row[4], *row[5:]) for row in rows_of(ABC)],
                ),
            ),
        )
    ),
    Refused(("FileRefused", "ImportFailed"), (sheet_named("台账"), "E列", "F列", "--map")),
    ["two-columns-one-field", "refused"],
)

# Silent case 7: a hidden row (A's second node on row 3) is never read without saying so.
_hidden_row = Xlsx((std_sheet(hidden_rows=(3,)),))
ledger(
    "hidden_row_refused",
    _hidden_row,
    Refused(
        ("FileRefused", "ImportFailed"), (sheet_named("台账"), rows_named(3), "--include-hidden")
    ),
    ["hidden-rows-refused", "silent-7", "refused"],
)
ledger(
    "hidden_row_included",
    _hidden_row,
    accepted(mentions=(rows_named(3),)),
    ["hidden-rows-include"],
    hidden="include",
)
ledger(
    "hidden_row_skipped",
    _hidden_row,
    accepted(tasks=[replace(A, nodes=A.nodes[:1]), B, C], mentions=(rows_named(3),)),
    ["hidden-rows-skip"],
    hidden="skip",
)

# Rows hidden by an autofilter (领域 filtered to 强产业 and 优环境): the same rule.
_filtered = Xlsx(
    (std_sheet(hidden_rows=(2, 3), autofilter="A1:J6", filters={1: ("强产业", "优环境")}),)
)
ledger(
    "filtered_rows_refused",
    _filtered,
    Refused(
        ("FileRefused", "ImportFailed"), (sheet_named("台账"), rows_named(2), "--include-hidden")
    ),
    ["autofilter", "hidden-rows-refused", "silent-7", "refused"],
)
ledger(
    "filtered_rows_skipped",
    _filtered,
    accepted(tasks=[B, C]),
    ["autofilter", "hidden-rows-skip"],
    hidden="skip",
)

# Silent case 7: a hidden column of old deadlines (J) ahead of the current ones (K).
_old_dues = {
    ("ZT-01", "N1", "due"): "2021年3月底",
    ("ZT-01", "N2", "due"): "2021年9月底",
    ("CY-02", "N1", "due"): "2021年6月底",
    ("HJ-03", "N1", "due"): "2021年8月底",
    ("HJ-03", "N2", "due"): "2021年10月底",
}
_old_column = Xlsx(
    (
        Sheet(
            "台账",
            (
                (*STD_HEADER[:9], "完成时限（原）", "完成时限（调整后）"),
                *[
                    (*row[:9], old[9], row[9])
                    for row, old in zip(rows_of(ABC), rows_of(ABC, over=_old_dues), strict=True)
                ],
            ),
            hidden_columns=("J",),
        ),
    )
)
ledger(
    "hidden_old_deadline_column_refused",
    _old_column,
    Refused(
        ("FileRefused", "ImportFailed"),
        (sheet_named("台账"), re.compile(r"J\s*列"), ("--skip-hidden", "--include-hidden")),
    ),
    ["hidden-column-refused", "silent-7", "refused"],
)
ledger(
    "hidden_old_deadline_column_skipped",
    _old_column,
    accepted(),
    ["hidden-column-skip"],
    hidden="skip",
)
ledger(
    "hidden_old_deadline_column_included_refused",
    _old_column,
    Refused(("FileRefused", "ImportFailed"), (sheet_named("台账"), "J列", "K列", "--map")),
    ["two-columns-one-field", "refused"],
    hidden="include",
)

# Units the database does not know: refused, each with the closest existing name.
ledger(
    "new_units_refused_with_the_closest_names",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of(
                        ABC,
                        over={
                            ("ZT-01", "N1", "lead_unit"): "市发改委",
                            ("CY-02", "N1", "co_units"): "市财政局、市自然资源局",
                        },
                    ),
                ),
            ),
        )
    ),
    Refused(
        ("NewNames",),
        ("市发改委", "市发展改革委", "市自然资源局", "市自然资源和规划局", "--allow-new-units"),
        names=("市发改委", "市自然资源局"),
    ),
    ["new-names-refused", "refused"],
)

# With allow_new the new unit and leader (title split off) are created.
_new = T(
    "HJ-07",
    "优环境",
    "推进政务数据共享",
    "市定",
    ("王强",),
    ("市大数据局",),
    ("市发展改革委",),
    (N("N1", "建成数据共享平台", "2021-11"),),
)
ledger(
    "new_names_allowed",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    STD_HEADER,
                    *rows_of([A, _new], over={("HJ-07", "N1", "leader"): "王强（市长助理）"}),
                ),
            ),
        )
    ),
    accepted(
        tasks=[A, _new],
        new_units=("市大数据局",),
        new_leaders=("王强",),
        leader_titles={"王强": "市长助理"},
    ),
    ["new-names-allowed", "leader-titles"],
    allow_new=True,
)

# The office's usual file: title rows, sections, 序号 only, synonyms, nodes in one cell
# with year-less dates, two leaders, spaces between units and a trailing 等.
_dj = T(
    "DJ2021-001",
    "抓党建",
    "深化基层党建“整镇推进”改革",
    "市定",
    ("陈静",),
    ("德城区",),
    ("陵城区", "禹城市"),
    (N("1", "完成试点评估", "2021-06"), N("2", "全面推开", "2021-12")),
)
_xc = T(
    "XC2021-002",
    "兴乡村",
    "深化农村集体产权制度改革",
    "省定",
    ("赵明", "刘洋"),
    ("市农业农村局",),
    ("市财政局", "市自然资源和规划局"),
    (N("1", "完成清产核资", "2021-09"), N("2", "完成股份合作制改革", "2021-12")),
)
ledger(
    "office_file_with_everything",
    Xlsx(
        (
            Sheet(
                "重点任务",
                (
                    (TITLE_2021,),
                    ("（2021年4月修订）",),
                    (
                        "序号",
                        "改革任务",
                        "任务来源（省定/市定）",
                        "牵头领导",
                        "主责单位",
                        "配合单位",
                        "节点任务",
                    ),
                    ("一、抓党建（1项）",),
                    (
                        1,
                        "深化基层党建“整镇推进”改革",
                        "市定",
                        "陈静（副市长）",
                        "德城区",
                        "陵城区 禹城市",
                        "1. 6月底前：完成试点评估；\n2. 12月底前：全面推开",
                    ),
                    ("二、兴乡村（1项）",),
                    (
                        2,
                        "深化农村集体产权制度改革",
                        "省定",
                        "赵明、刘洋",
                        "市农业农村局",
                        "市财政局、市自然资源和规划局等",
                        "1. 2021年9月底前：完成清产核资；\n2. 年底前：完成股份合作制改革",
                    ),
                    (),
                    ("制表人：王某某", None, None, "审核人：李某某"),
                ),
                merges=("A1:G1", "A2:G2", "A4:G4", "A6:G6"),
                widths={"B": 30, "G": 48},
            ),
        )
    ),
    accepted(sheet="重点任务", tasks=[_dj, _xc], mentions=("DJ2021-001", "等")),
    ["seq-only", "section-rows", "nodes-in-one-cell", "yearless-title-year", "synonyms"],
)

# A long instructions block: the header on row 25, within the first 30 rows.
ledger(
    "header_on_row_25",
    Xlsx(
        (
            Sheet(
                "台账",
                (
                    (TITLE_2021,),
                    *[(f"填表要求{i}：请按说明填写。",) for i in range(1, 23)],
                    (),
                    STD_HEADER,
                    *rows_of(ABC),
                ),
            ),
        )
    ),
    accepted(),
    ["header-below-row-10", "title-rows"],
)


# --- the progress files -----------------------------------------------------------------

PROGRESS_CASES: list[Case] = []

# Every progress case is imported over this ledger (A, B and C, the standard layout).
BASE_LEDGER = Case("base_ledger", "ledger", Xlsx((std_sheet(),)), accepted(), ("baseline",))

PROGRESS_HEADER = ("任务编号", "节点编号", "月份", "状态", "完成日期", "进度", "进展情况")


def progress(name, file, expect, tags, **options) -> None:
    PROGRESS_CASES.append(Case(name, "progress", file, expect, tuple(tags), options))


def reported(sheet="进展", rows=(), **rest) -> Imported:
    return Imported(sheet=sheet, progress=tuple(rows), **rest)


_done = ("ZT-01", "N1", "2021-06", "已完成", "2021-06-25")
_done_p = P("ZT-01", "N1", "2021-06", "done", "2021-06-25", 100, "方案已印发")

# Silent case 6: 0.7 in a General cell is 70%, not 1%.
progress(
    "fractions_in_general_cells",
    Xlsx(
        (
            Sheet(
                "进展",
                (
                    PROGRESS_HEADER,
                    (*_done, 1, "方案已印发"),
                    ("ZT-01", "N2", "2021-06", "推进中", None, 0.4, "已完成机构调整"),
                    ("CY-02", "N1", "2021-06", "推进中", None, 0.7, "办法已起草"),
                    ("HJ-03", "N1", "2021-06", "推进中", None, 0.25, "平台招标中"),
                ),
            ),
        )
    ),
    reported(
        rows=[
            _done_p,
            P("ZT-01", "N2", "2021-06", "in_progress", None, 40, "已完成机构调整"),
            P("CY-02", "N1", "2021-06", "in_progress", None, 70, "办法已起草"),
            P("HJ-03", "N1", "2021-06", "in_progress", None, 25, "平台招标中"),
        ]
    ),
    ["progress-fractions", "silent-6"],
)

# The text "0.7" (every CSV cell is text) is 70% too.
progress(
    "fraction_text_in_csv",
    Csv(
        (
            PROGRESS_HEADER,
            ("ZT-01", "N2", "2021-06", "推进中", "", "0.7", "已完成机构调整"),
            ("CY-02", "N1", "2021-06", "推进中", "", "0.5", "办法已起草"),
            ("HJ-03", "N1", "2021-06", "未启动", "", "0", ""),
        )
    ),
    reported(
        sheet=None,
        rows=[
            P("ZT-01", "N2", "2021-06", "in_progress", None, 70, "已完成机构调整"),
            P("CY-02", "N1", "2021-06", "in_progress", None, 50, "办法已起草"),
            P("HJ-03", "N1", "2021-06", "not_started", None, 0, ""),
        ],
    ),
    ["progress-fraction-text", "silent-6", "csv-utf8"],
)

# Percent-formatted cells and "80%" text.
progress(
    "percent_formatted_cells",
    Xlsx(
        (
            Sheet(
                "进展",
                (
                    PROGRESS_HEADER,
                    ("ZT-01", "N2", "2021-06", "推进中", None, 0.7, ""),
                    ("CY-02", "N1", "2021-06", "推进中", None, 0.45, ""),
                    ("HJ-03", "N1", "2021-06", "推进中", None, "80%", ""),
                ),
                formats={"F2": "0%", "F3": "0%"},
            ),
        )
    ),
    reported(
        rows=[
            P("ZT-01", "N2", "2021-06", "in_progress", None, 70, ""),
            P("CY-02", "N1", "2021-06", "in_progress", None, 45, ""),
            P("HJ-03", "N1", "2021-06", "in_progress", None, 80, ""),
        ]
    ),
    ["progress-percent-format"],
)

# A column mixing fractions and whole percents cannot be read either way.
progress(
    "mixed_fractions_and_percents_refused",
    Xlsx(
        (
            Sheet(
                "进展",
                (
                    PROGRESS_HEADER,
                    ("ZT-01", "N2", "2021-06", "推进中", None, 0.7, ""),
                    ("CY-02", "N1", "2021-06", "推进中", None, 80, ""),
                ),
            ),
        )
    ),
    Refused(("FileRefused", "ImportFailed"), (sheet_named("进展"), "F列")),
    ["progress-mixed-refused", "refused"],
)

# 基本完成, 序时推进, 超序时推进: in progress, with a note.
progress(
    "status_words_in_progress",
    Xlsx(
        (
            Sheet(
                "进展",
                (
                    PROGRESS_HEADER,
                    ("ZT-01", "N2", "2021-06", "基本完成", None, 95, "仅剩档案移交"),
                    ("CY-02", "N1", "2021-06", "序时推进", None, 60, "按计划推进"),
                    ("HJ-03", "N1", "2021-06", "超序时推进", None, 80, "提前完成招标"),
                ),
            ),
        )
    ),
    reported(
        rows=[
            P("ZT-01", "N2", "2021-06", "in_progress", None, 95, "仅剩档案移交"),
            P("CY-02", "N1", "2021-06", "in_progress", None, 60, "按计划推进"),
            P("HJ-03", "N1", "2021-06", "in_progress", None, 80, "提前完成招标"),
        ],
        mentions=("基本完成",),
    ),
    ["progress-status-words"],
)

# Title rows, the header on row 11, a footer.
progress(
    "progress_title_rows_and_footer",
    Xlsx(
        (
            Sheet(
                "6月进展",
                (
                    ("德州市全面深化改革重点任务2021年6月进展情况",),
                    ("填报单位：市委改革办", None, None, None, None, "填报时间：2021年7月3日"),
                    *[()] * 8,
                    PROGRESS_HEADER,
                    (*_done, None, "方案已印发"),
                    ("CY-02", "N1", "2021-06", "推进中", None, 50, "办法已起草"),
                    (),
                    ("填报人：王某某", None, "联系电话：0534-2688000"),
                ),
                merges=("A1:G1",),
            ),
        )
    ),
    reported(
        sheet="6月进展",
        rows=[_done_p, P("CY-02", "N1", "2021-06", "in_progress", None, 50, "办法已起草")],
    ),
    ["progress-title-rows", "header-below-row-10", "footer-rows"],
)

# Year-less months: refused without a year, read with --year.
_month_only = Xlsx(
    (
        Sheet(
            "进展",
            (
                PROGRESS_HEADER,
                ("ZT-01", "N2", "6月", "推进中", None, 40, ""),
                ("CY-02", "N1", "6月份", "推进中", None, 50, ""),
            ),
        ),
    )
)
progress(
    "yearless_months_refused",
    _month_only,
    Refused(("ImportFailed", "FileRefused"), (sheet_named("进展"), "第2行", "C列", "--year")),
    ["progress-yearless-refused", "refused"],
)
progress(
    "yearless_months_with_the_year_option",
    _month_only,
    reported(
        rows=[
            P("ZT-01", "N2", "2021-06", "in_progress", None, 40, ""),
            P("CY-02", "N1", "2021-06", "in_progress", None, 50, ""),
        ]
    ),
    ["progress-year-option"],
    year=2021,
)

# Hidden progress rows: refused, or dropped with --skip-hidden.
_hidden_progress = Xlsx(
    (
        Sheet(
            "进展",
            (
                PROGRESS_HEADER,
                ("ZT-01", "N2", "2021-06", "推进中", None, 40, ""),
                ("CY-02", "N1", "2021-05", "推进中", None, 20, "上月旧行"),
                ("CY-02", "N1", "2021-06", "推进中", None, 50, ""),
            ),
            hidden_rows=(3,),
        ),
    )
)
progress(
    "hidden_progress_row_refused",
    _hidden_progress,
    Refused(
        ("FileRefused", "ImportFailed"), (sheet_named("进展"), rows_named(3), "--include-hidden")
    ),
    ["progress-hidden-rows", "refused"],
)
progress(
    "hidden_progress_row_skipped",
    _hidden_progress,
    reported(
        rows=[
            P("ZT-01", "N2", "2021-06", "in_progress", None, 40, ""),
            P("CY-02", "N1", "2021-06", "in_progress", None, 50, ""),
        ],
        mentions=(rows_named(3),),
    ),
    ["progress-hidden-rows"],
    hidden="skip",
)

# An instructions sheet first; the progress on the second.
progress(
    "progress_after_an_instructions_sheet",
    Xlsx(
        (
            Sheet("填报说明", (("状态填写：未启动、推进中、已完成",), ("进度填写0–100",))),
            Sheet(
                "2021年6月",
                (PROGRESS_HEADER, ("HJ-03", "N1", "2021-06", "推进中", None, 30, "")),
            ),
        )
    ),
    reported(sheet="2021年6月", rows=[P("HJ-03", "N1", "2021-06", "in_progress", None, 30, "")]),
    ["not-first-sheet", "example-sheet"],
)


# --- what the corpus must cover -----------------------------------------------------------

# Every convention issue 9 names ("Why" and Build 1, 3, 4, 5): each is the tag of a case.
REQUIRED_TAGS = (
    # the seven silent cases
    "silent-1",
    "silent-2",
    "silent-3",
    "silent-4",
    "silent-5",
    "silent-6",
    "silent-7",
    # Build 1: never silently wrong
    "unknown-header",
    "two-columns-one-field",
    "map-option",
    "hidden-rows-refused",
    "hidden-rows-include",
    "hidden-rows-skip",
    "autofilter",
    "hidden-column-refused",
    "hidden-column-skip",
    "several-sheets-refused",
    "sheet-option",
    "new-names-refused",
    "new-names-allowed",
    # Build 3: names
    "leader-titles",
    "several-leaders",
    "joint-lead",
    "co-units-spaces",
    "co-units-separators",
    "trailing-deng",
    # Build 4: dates and progress
    "numeric-format",
    "yearless-title-year",
    "yearless-refused",
    "year-option",
    "day-before",
    "half-year-quarter-year-end",
    "ongoing",
    "progress-fractions",
    "progress-fraction-text",
    "progress-mixed-refused",
    "progress-status-words",
    "progress-title-rows",
    "progress-year-option",
    "progress-hidden-rows",
    # Build 5: layouts
    "title-rows",
    "header-below-row-10",
    "two-row-header-merged",
    "two-row-header-unmerged",
    "synonyms",
    "bracketed-qualifier",
    "section-rows",
    "area-from-section",
    "section-row-not-area",
    "footer-rows",
    "not-first-sheet",
    "example-sheet",
    "seq-only",
    "generated-codes",
    "nodes-in-one-cell",
    # files
    "csv-gbk",
    "csv-utf8",
)

CASES = LEDGER_CASES + PROGRESS_CASES


def write_all(directory: Path) -> list[tuple[Case, Path]]:
    directory.mkdir(parents=True, exist_ok=True)
    return [(case, case.write(directory)) for case in [BASE_LEDGER, *CASES]]


def main(argv: list[str]) -> None:
    directory = Path(argv[1] if len(argv) > 1 else "corpus")
    for case, path in write_all(directory):
        if isinstance(case.expect, Refused):
            outcome = f"refused ({' or '.join(case.expect.errors)})"
        elif case.kind == "ledger":
            outcome = f"{len(case.expect.tasks)} tasks"
        else:
            outcome = f"{len(case.expect.progress)} progress rows"
        options = " ".join(f"{k}={v}" for k, v in case.options.items())
        print(f"{case.kind:8} {path.name:55} {outcome:30} {options}")
    print(f"{len(LEDGER_CASES)} ledgers, {len(PROGRESS_CASES)} progress files in {directory}")


if __name__ == "__main__":
    main(sys.argv)
