"""Taking the ledger and the monthly progress in from Excel or CSV (SPEC.md §4).

Each import reads the whole file, checks every cell, and only then writes, in one
transaction: a file with any error changes nothing. Writing is an upsert by codes, so
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ducha.audit import record
from ducha.ledger.cascade import deadline_problems_of
from ducha.ledger.checks import progress_problems, stored_percent
from ducha.ledger.codes import NODE_CODE_LENGTH, TASK_CODE_LENGTH, code_problem
from ducha.ledger.columns import LEDGER_FILE_COLUMNS, PROGRESS_FILE_COLUMNS, Column
from ducha.ledger.layout import Layout, Options, locate, plain_name, records
from ducha.ledger.models import CoLeader, CoUnit, ImportRun, JointLead, Node, Progress, Task
from ducha.ledger.names import closest, is_title, split_leaders, split_nodes, split_units
from ducha.lib.cells import code_text, parse_date, parse_due, parse_month, parse_percent, title_year
from ducha.lib.chain import file_sha256
from ducha.lib.months import format_month_zh
from ducha.lib.tabular import (
    FileRefused,
    Limits,
    Table,
    cell_text,
    column_letter,
    halfwidth,
    read_tables,
)
from ducha.org.areas import CODE_PREFIXES
from ducha.org.models import Area, Jurisdiction, Leader, Unit

Progressed = Callable[[int, int], None]


@dataclass(frozen=True)
class CellError:
    file: str
    row: int
    column: str  # "J列（完成时限）", or "" for a whole-row problem
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" + (f" {self.column}" if self.column else "")
        return f"{self.file} {where}：{self.message}"


class ImportFailed(Exception):
    """The file has errors; nothing was written."""

    def __init__(self, file: str, errors: list[CellError], total: int | None = None):
        self.file = file
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [f"{self.file}：发现 {self.total} 处错误，未导入任何数据。"]
        lines += [f"  {e}" for e in self.errors]
        if self.total > len(self.errors):
            lines.append(f"  ……另有 {self.total - len(self.errors)} 处错误未列出")
        return "\n".join(lines)


@dataclass
class Summary:
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0
    new_units: list[str] = field(default_factory=list)
    new_leaders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Runs of rows whose task cells were left blank (not merged) and so joined the task
    # above: (first row, last row, task code).
    joined: list[tuple[int, int, str]] = field(default_factory=list)
    run_id: int | None = None
    sheet: str = ""  # the worksheet read; "" for CSV
    dry_run: bool = False
    similar: dict[str, str] = field(default_factory=dict)  # new name → closest existing one
    generated: list[tuple[str, str]] = field(default_factory=list)  # (made code, task title)
    changes: list[str] = field(default_factory=list)  # "任务 X 牵头单位：A → B"
    jurisdiction: str = ""  # whose ledger, named when it is not the home one's

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.tasks_created
            or self.tasks_updated
            or self.new_units
            or self.new_leaders
            or self.changes
        )

    def lines(self) -> list[str]:
        what = "节点" if self.kind == ImportRun.Kind.LEDGER else "进展"
        where = f"{self.file} 工作表「{self.sheet}」" if self.sheet else self.file
        if self.jurisdiction:
            where += f"（{self.jurisdiction}）"
        verb = "预览（未写入任何数据）" if self.dry_run else "读取"
        out = [f"{where}：{verb} {self.rows} 行数据"]
        would = "将" if self.dry_run else ""
        if self.kind == ImportRun.Kind.LEDGER:
            out.append(
                f"  任务：{would}新增 {self.tasks_created}，{would}更新 {self.tasks_updated}"
            )
        out.append(
            f"  {what}：{would}新增 {self.created}，{would}更新 {self.updated}，"
            f"未变 {self.unchanged}"
        )
        out += [f"  {line}" for line in _new_name_lines(self)]
        shown = CHANGES_SHOWN
        out += [f"  变更：{c}" for c in self.changes[:shown]]
        if len(self.changes) > shown:
            out.append(f"  ……另有 {len(self.changes) - shown} 处变更未列出")
        if self.generated:
            codes = "、".join(f"{code}（{title[:12]}）" for code, title in self.generated[:shown])
            more = f"等 {len(self.generated)} 个" if len(self.generated) > shown else ""
            out.append(f"  台账只有序号，已生成任务编号：{codes}{more}；导出台账时会写入任务编号")
        if self.joined:
            out.append(f"  提示：{joined_text(self.joined)}")
        out += [f"  提示：{w}" for w in self.warnings]
        return out


JOINED_SHOWN = 10
CHANGES_SHOWN = 30


def joined_text(runs: list[tuple[int, int, str]]) -> str:
    """第 12–14 行未填任务编号，已并入上方任务 DZ2021-186 (several runs: the first few)."""

    def rows(first: int, last: int) -> str:
        return f"第 {first} 行" if first == last else f"第 {first}–{last} 行"

    if len(runs) == 1:
        first, last, code = runs[0]
        return f"{rows(first, last)}未填任务编号，已并入上方任务 {code}"
    count = sum(last - first + 1 for first, last, _ in runs)
    shown = "，".join(f"{rows(first, last)} → {code}" for first, last, code in runs[:JOINED_SHOWN])
    more = f"……共 {len(runs)} 处" if len(runs) > JOINED_SHOWN else ""
    return f"{count} 行未填任务编号，已并入各自上方的任务：{shown}{more}"


def joined_runs(rows: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """(row, task code) pairs → runs of consecutive rows that joined the same task."""
    runs: list[tuple[int, int, str]] = []
    for row, code in sorted(rows):
        if runs and runs[-1][2] == code and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row, code)
        else:
            runs.append((row, row, code))
    return runs


class _Collector:
    """Gathers cell errors up to a cap, counting the rest."""

    def __init__(self, table: Table, positions: dict[str, int], columns: tuple[Column, ...]):
        self.table = table
        self.positions = positions
        self.titles = {c.key: c.title for c in columns}
        self.cap = settings.DUCHA_IMPORT_MAX_ERRORS
        self.errors: list[CellError] = []
        self.total = 0

    def add(self, row: int, key: str | None, message: str) -> None:
        self.total += 1
        if len(self.errors) < self.cap:
            column = ""
            if key is not None:
                column = f"{column_letter(self.positions[key])}列（{self.titles[key]}）"
            self.errors.append(CellError(self.table.where, row, column, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportFailed(self.table.where, self.errors, self.total)


class _Whose:
    """A file's 辖区 column against the jurisdiction imported into: one jurisdiction per
    file, so a county's ledger never lands in the city's (or another county's) by mistake.
    A blank cell says nothing (a task's continuation rows leave it blank)."""

    def __init__(self, jurisdiction: Jurisdiction, positions: dict[str, int]):
        self.jurisdiction = jurisdiction
        self.known: dict[str, Jurisdiction] = {}
        self.active = "jurisdiction" in positions
        if self.active:
            for j in Jurisdiction.objects.all():
                self.known[plain_name(j.slug)] = self.known[plain_name(j.name)] = j

    def check(self, row: int, values: dict, errors: _Collector) -> None:
        text = cell_text(values.get("jurisdiction")) if self.active else ""
        if not text:
            return
        named = self.known.get(plain_name(text))
        if named is not None and named.pk == self.jurisdiction.pk:
            return
        chosen = f"本次导入的是「{self.jurisdiction.name}」（{self.jurisdiction.slug}）"
        if named is None:
            message = (
                f"「{text}」不是已知的辖区（应写辖区名称或标识），{chosen}；"
                "一个文件只导入一个辖区，请用 --jurisdiction 指定"
            )
        else:
            message = (
                f"本行属于「{named.name}」，{chosen}；一个文件只导入一个辖区，"
                f"请用 --jurisdiction {named.slug} 导入"
            )
        errors.add(row, "jurisdiction", message)


def _limits() -> Limits:
    return Limits(max_bytes=settings.DUCHA_IMPORT_MAX_MB * 1024 * 1024)


def _start_run(
    kind: str, path: Path, summary: Summary, by, by_name: str, jurisdiction: Jurisdiction
) -> ImportRun:
    return ImportRun.objects.create(
        kind=kind,
        jurisdiction=jurisdiction,
        filename=summary.file,
        sha256=file_sha256(path),
        rows=summary.rows,
        by=by,
        by_name=by_name,
    )


def _finish_run(run: ImportRun, summary: Summary) -> None:
    run.created, run.updated, run.unchanged = summary.created, summary.updated, summary.unchanged
    run.save(update_fields=["created", "updated", "unchanged"])
    summary.run_id = run.pk
    detail = {
        "kind": run.kind,
        "file": run.filename,
        "sha256": run.sha256,
        "created": summary.created,
        "updated": summary.updated,
        "new_units": summary.new_units,
        "new_leaders": summary.new_leaders,
    }
    if not run.jurisdiction.home:
        detail["jurisdiction"] = run.jurisdiction.slug
    record("ledger_imported", actor=run.by, actor_name=run.by_name, target=run, detail=detail)


# --- the ledger ------------------------------------------------------------------------

_SPLIT_UNITS = re.compile(r"[、,，;；/\n]+")

SOURCES = {
    "省定": Task.Source.PROVINCIAL,
    "省级": Task.Source.PROVINCIAL,
    "省": Task.Source.PROVINCIAL,
    "provincial": Task.Source.PROVINCIAL,
    "province": Task.Source.PROVINCIAL,
    "市定": Task.Source.CITY,
    "市级": Task.Source.CITY,
    "市": Task.Source.CITY,
    "city": Task.Source.CITY,
}
TASK_STATUSES = {
    "": Task.Status.ACTIVE,
    "正常": Task.Status.ACTIVE,
    "推进中": Task.Status.ACTIVE,
    "active": Task.Status.ACTIVE,
    "暂停": Task.Status.SUSPENDED,
    "暂缓": Task.Status.SUSPENDED,
    "suspended": Task.Status.SUSPENDED,
    "取消": Task.Status.CANCELLED,
    "已取消": Task.Status.CANCELLED,
    "cancelled": Task.Status.CANCELLED,
}
TASK_KEYS = (
    "area",
    "title",
    "source",
    "leader",
    "lead_unit",
    "co_units",
    "requirements",
    "start_month",
    "status",
)


@dataclass
class ParsedNode:
    row: int
    code: str
    title: str
    due_month: dt.date
    due_text: str


@dataclass
class ParsedTask:
    row: int
    code: str
    area: Area
    title: str
    source: str
    leaders: list[str]  # the first is the task's leader, the rest further leaders
    lead_units: list[str]  # the first is the primary lead unit (共同牵头: the rest)
    co_units: list[str]
    requirements: str
    start_month: dt.date | None
    status: str
    nodes: list[ParsedNode] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)  # rows that inherited the task cells
    seq: str = ""  # the 序号 a code is made from when the ledger has no 任务编号

    @property
    def leader(self) -> str:
        return self.leaders[0]

    @property
    def lead_unit(self) -> str:
        return self.lead_units[0]

    @property
    def plan_year(self) -> int:
        return min(n.due_month for n in self.nodes).year


@dataclass
class ParsedLedger:
    tasks: list[ParsedTask]
    titles: dict[str, str]  # leader → title, from "陈静（副市长）"
    notes: list[str]
    layout: Layout


def _area_lookup() -> dict[str, Area]:
    lookup: dict[str, Area] = {}
    for area in Area.objects.all():
        for spelling in area.spellings():
            lookup[spelling] = area
            lookup[spelling.lower()] = area
    return lookup


_AREA_SUFFIXES = ("领域", "方面", "板块", "改革", "类")


def _section_area(text: str, areas: dict[str, Area]) -> Area | None:
    """The area a section heading names: 总体, 抓党建领域, 强产业方面改革 …"""
    for _ in range(3):
        if area := areas.get(text) or areas.get(text.lower()):
            return area
        stripped = text.removesuffix("改革").removesuffix("领域").removesuffix("方面")
        stripped = stripped.removesuffix("板块").removesuffix("类").strip()
        if stripped == text:
            break
        text = stripped
    return None


class _Notes:
    """Warnings about rows, gathered by what they say: "…：第 5、7、9 行"."""

    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = {}

    def add(self, row: int, text: str) -> None:
        self.rows.setdefault(text, []).append(row)

    def lines(self) -> list[str]:
        out = []
        for text, rows in self.rows.items():
            shown = "、".join(str(r) for r in rows[:15]) + ("等" if len(rows) > 15 else "")
            out.append(f"{text}（第 {shown} 行）")
        return out


LEDGER_CORE = {"title", "lead_unit", "node"}
# Named when missing; 任务编号 may be 序号, 领域 may come from section rows, 完成时限 from
# the node cells ("2021年6月底前：…").
LEDGER_NEEDED = {"title", "source", "leader", "lead_unit", "node"}


def parse_ledger(
    tables: Table | list[Table],
    progressed: Progressed | None = None,
    options: Options | None = None,
) -> ParsedLedger:
    options = options or Options()
    jurisdiction = Jurisdiction.objects.resolve(options.jurisdiction)
    tables = tables if isinstance(tables, list) else [tables]
    layout = locate(tables, LEDGER_FILE_COLUMNS, options, LEDGER_CORE, LEDGER_NEEDED)
    table, positions = layout.table, layout.positions
    titles = {c.key: c.title for c in LEDGER_FILE_COLUMNS}
    missing = [
        titles[c.key]
        for c in LEDGER_FILE_COLUMNS
        if c.required and c.key not in positions and c.key not in ("task_code", "area", "due")
    ]
    if "task_code" not in positions and "seq" not in positions:
        missing.insert(0, "任务编号（或 序号）")
    if missing:
        number = table.rows[layout.header_index][0]
        raise FileRefused(f"{table.where} 第{number}行：表头缺少必填列：{'、'.join(missing)}")
    errors = _Collector(table, positions, LEDGER_FILE_COLUMNS)
    whose = _Whose(jurisdiction, positions)
    areas = _area_lookup()
    area_names = "、".join(a.name for a in Area.objects.all())
    year = options.year or title_year(layout.title_texts)
    notes = _Notes()
    tasks: dict[str, ParsedTask] = {}
    leader_titles: dict[str, str] = {}
    first_values: dict[str, dict[str, str]] = {}
    failed: set[str] = set()  # tasks whose own cells had errors: check their nodes only
    current: str | None = None
    section_rows: dict[str, int] = {}
    total = len(table.rows) - layout.header_index - 1
    by_code = "task_code" in positions

    for count, item in enumerate(records(layout, areas), start=1):
        if progressed and count % 500 == 0:
            progressed(count, total)
        if isinstance(item, tuple):
            kind, row, text = item
            if kind == "footer":
                notes.add(row, "表尾行（备注、制表人、合计等）已跳过")
            else:
                section_rows[text] = row
                if _section_area(text, areas) is None and "area" in positions:
                    notes.add(row, f"分区标题「{text}」不是领域名称，已跳过")
            continue
        row, values = item.row, item.values
        whose.check(row, values, errors)
        text = {key: cell_text(values.get(key)) for key in TASK_KEYS}
        if by_code:
            code = code_text(values.get("task_code"))
        else:
            seq = code_text(values.get("seq"))
            code = f"{item.section}\x00{seq}" if seq else ""
        # Merged cells were filled in when the file was read: a blank code was left blank.
        joined = not code
        if code:
            current = code
        elif current is None:
            errors.add(row, "task_code" if by_code else "seq", "第一条数据缺少任务编号（或序号）")
            continue
        else:
            code = current

        task = tasks.get(code)
        if task is None and code not in failed:
            first_values[code] = text
            if not text["area"] and item.section:
                text = text | {"area": item.section}
            task = _parse_task(row, code, text, areas, area_names, errors, notes, leader_titles)
            if task is not None and not by_code:
                task.seq = code.split("\x00", 1)[1]
            if task is None:
                failed.add(code)
            else:
                tasks[code] = task
        elif task is not None:
            # A continuation row: blank task cells inherit; filled ones must agree.
            seen = first_values[code]
            for key in TASK_KEYS:
                if key in positions and text[key] and seen[key] and text[key] != seen[key]:
                    shown = task.code if by_code else f"序号 {task.seq}"
                    errors.add(
                        row,
                        key,
                        f"与任务 {shown} 第{task.row}行的「{seen[key]}」不一致：「{text[key]}」",
                    )
        if joined and task is not None and by_code:
            task.joined.append(row)
        for node in _parse_nodes(row, values, positions, year, errors, notes, task):
            if task is None:
                continue
            if any(n.code == node.code for n in task.nodes):
                key = "node_code" if "node_code" in positions else "node"
                errors.add(row, key, f"任务 {task.code} 的节点编号 {node.code} 重复")
            else:
                task.nodes.append(node)

    if not by_code:
        _make_codes(list(tasks.values()), year, errors, jurisdiction)
    if jurisdiction.parent_id is not None:  # tasks taken up from above keep its deadlines
        _check_cascaded(tasks.values(), jurisdiction, positions, errors)
    errors.raise_if_any()
    if not tasks:
        raise FileRefused(f"{table.where}：表头下没有任何数据行")
    return ParsedLedger(list(tasks.values()), leader_titles, notes.lines(), layout)


def _check_cascaded(tasks, jurisdiction: Jurisdiction, positions, errors: _Collector) -> None:
    """A node of a task pushed down from above is due no later than above (two queries)."""
    late = deadline_problems_of(
        jurisdiction, {t.code: {n.code: n.due_month for n in t.nodes} for t in tasks}
    )
    key = "due" if "due" in positions else "node"
    for task in tasks:
        rows = {n.code: n.row for n in task.nodes}
        for node_code, message in late.get(task.code, []):
            errors.add(rows[node_code], key, message)


def _make_codes(
    tasks: list[ParsedTask], year: int | None, errors: _Collector, jurisdiction: Jurisdiction
) -> None:
    """序号-only ledgers: <area prefix><year>-<序号>, e.g. CY2021-007; the export writes
    them into 任务编号, so the next round trip matches by code."""
    seen: dict[str, int] = {}
    for task in tasks:
        number = task.seq
        if not (number.isascii() and number.isdigit()):
            errors.add(task.row, "seq", f"序号「{number}」不是数字，无法生成任务编号")
            continue
        prefix = CODE_PREFIXES.get(task.area.key, task.area.key[:2].upper())
        when = year or (task.plan_year if task.nodes else None)
        task.code = f"{prefix}{when or ''}-{int(number):03d}"
        if task.code in seen:
            errors.add(
                task.row,
                "seq",
                f"生成的任务编号 {task.code} 与第{seen[task.code]}行重复：同一领域的序号须不同",
            )
        seen.setdefault(task.code, task.row)
    # A made code is a guess: it may only update the task it was made for before. Another
    # title under the same code is another ledger's task, never overwritten on a guess.
    made = {t.code: t for t in tasks if t.code in seen}
    mine = Task.objects.filter(jurisdiction=jurisdiction, code__in=made)
    for code, title in mine.values_list("code", "title"):
        if title != made[code].title:
            errors.add(
                made[code].row,
                "seq",
                f"生成的任务编号 {code} 已属于另一项任务「{title[:30]}」，未覆盖：若是同一任务"
                "改了名称，请导出台账（含任务编号）修改后再导入；若是新任务，请核对领域和序号",
            )


# The longest text each cell may hold: the length of the column it is stored in.
TEXT_LIMITS: dict[str, int] = {
    "title": Task._meta.get_field("title").max_length,
    "leader": Leader._meta.get_field("name").max_length,
    "lead_unit": Unit._meta.get_field("name").max_length,
    "co_units": Unit._meta.get_field("name").max_length,
    "node": Node._meta.get_field("title").max_length,
    "due": Node._meta.get_field("due_text").max_length,
}


def _check_length(row: int, key: str, text: str, errors: _Collector) -> bool:
    """Add an error when `text` is longer than its column can store; True when it fits."""
    limit = TEXT_LIMITS[key]
    if len(text) <= limit:
        return True
    errors.add(row, key, f"「{text[:20]}…」共 {len(text)} 个字符，超过上限 {limit} 个字符")
    return False


def _parse_task(
    row: int,
    code: str,
    text: dict[str, str],
    areas: dict[str, Area],
    area_names: str,
    errors: _Collector,
    notes: _Notes,
    leader_titles: dict[str, str],
) -> ParsedTask | None:
    before = errors.total
    shown = code if "\x00" not in code else ""
    if shown and (problem := code_problem(code, "任务编号", TASK_CODE_LENGTH)):
        errors.add(row, "task_code", problem)
    named = f"任务 {shown} " if shown else "该任务"
    for key in ("area", "title", "source", "leader", "lead_unit"):
        if text[key]:
            continue
        if key in errors.positions:
            errors.add(row, key, f"{named}的这一项不能为空")
        else:
            errors.add(row, None, f"{named}没有领域：表中没有领域列，上方也没有领域分区标题")
    _check_length(row, "title", text["title"], errors)
    area = _section_area(text["area"], areas) if text["area"] else None
    if text["area"] and area is None:
        where = "area" if "area" in errors.positions else None
        errors.add(row, where, f"「{text['area']}」不是已知领域，应为：{area_names}")
    source = SOURCES.get(text["source"].lower())
    if text["source"] and source is None:
        errors.add(row, "source", f"「{text['source']}」应为 省定 或 市定")
    status = TASK_STATUSES.get(text["status"].lower())
    if status is None:
        errors.add(row, "status", f"「{text['status']}」应为 正常、暂停 或 取消")
    start = None
    if text["start_month"]:
        try:
            start = parse_month(text["start_month"])
        except ValueError as e:
            errors.add(row, "start_month", str(e))
    people = split_leaders(text["leader"])
    for note in people.notes:
        notes.add(row, note)
    if text["leader"] and not people.people:
        errors.add(row, "leader", f"「{text['leader']}」中没有市领导的姓名")
    for person in people.people:
        if is_title(person.name):
            errors.add(row, "leader", f"「{text['leader']}」只写了职务，没有姓名")
        elif _check_length(row, "leader", person.name, errors) and person.title:
            leader_titles.setdefault(person.name, person.title)
    lead = split_units(text["lead_unit"])
    co = split_units(text["co_units"])
    for note in (*lead.notes, *co.notes):
        notes.add(row, note)
    if text["lead_unit"] and not lead.names:
        errors.add(row, "lead_unit", f"「{text['lead_unit']}」中没有单位名称")
    for key, names in (("lead_unit", lead.names), ("co_units", co.names)):
        for unit in names:
            if not _check_length(row, key, unit, errors):
                break  # one message for the cell is enough
    lead_units = list(lead.names)
    co_units = [u for u in co.names if u not in lead_units]
    if errors.total > before:
        return None
    return ParsedTask(
        row=row,
        code=code,
        area=area,  # type: ignore[arg-type]
        title=text["title"],
        source=source,  # type: ignore[arg-type]
        leaders=[p.name for p in people.people],
        lead_units=lead_units,
        co_units=co_units,
        requirements=text["requirements"],
        start_month=start,
        status=status,
    )


def _parse_nodes(
    row: int,
    values: dict,
    positions: dict[str, int],
    year: int | None,
    errors: _Collector,
    notes: _Notes,
    task: ParsedTask | None,
) -> list[ParsedNode]:
    """The row's node, or several when one cell lists them with their dates."""
    title = cell_text(values.get("node"))
    raw_due = values.get("due")
    if not cell_text(raw_due) and (items := split_nodes(title)):
        if "node_code" in positions and code_text(values.get("node_code")):
            errors.add(row, "node_code", "一格写了多个节点时，节点编号应留空（将按顺序编号）")
            return []
        notes.add(row, "一格中写了多个带时限的节点，已拆分为多个节点")
        nodes = []
        for due_text, item_title in items:
            # Numbered on after the task's nodes so far, as a ledger without 节点编号 is.
            code = str(len(task.nodes) + len(nodes) + 1) if task is not None else "1"
            node = _one_node(row, code, item_title, due_text, positions, year, errors, notes, task)
            if node is None:
                return []
            nodes.append(node)
        return nodes
    code = code_text(values.get("node_code")) if "node_code" in positions else ""
    node = _one_node(row, code, title, raw_due, positions, year, errors, notes, task)
    return [node] if node is not None else []


def _one_node(row, code, title, raw_due, positions, year, errors, notes, task):
    before = errors.total
    if not code and "node_code" not in positions:
        code = str(len(task.nodes) + 1) if task is not None else "1"
    if not code:
        errors.add(row, "node_code", "节点编号不能为空")
    elif "node_code" in positions and (problem := code_problem(code, "节点编号", NODE_CODE_LENGTH)):
        errors.add(row, "node_code", problem)
    if not title:
        errors.add(row, "node", "节点目标不能为空")
    _check_length(row, "node", title, errors)
    due = None
    due_key = "due" if "due" in positions else "node"
    if not cell_text(raw_due) and "due" not in positions:
        errors.add(row, "node", "没有完成时限列，节点目标也未写明时限（如「2021年6月底前：…」）")
    else:
        try:
            due = parse_due(raw_due, year)
        except ValueError as e:
            errors.add(row, due_key, str(e))
    if errors.total > before or due is None:
        return None
    if due.warning:
        notes.add(row, due.warning)
    due_text = cell_text(raw_due)
    if isinstance(raw_due, dt.date):
        due_text = due_text[:10]
    if not _check_length(row, "due" if "due" in positions else "node", due_text, errors):
        return None
    return ParsedNode(row=row, code=code, title=title, due_month=due.month, due_text=due_text)


class NewNames(ImportFailed):
    """The file names units or leaders the database does not have; nothing was written.
    The person importing confirms them (--allow-new-units, or the web's checkbox)."""

    def __init__(self, file: str, summary: Summary):
        self.summary = summary
        self.names = [*summary.new_units, *summary.new_leaders]
        lines = [*_new_name_lines(summary)]
        errors = [CellError(file, 0, "", line) for line in lines]
        super().__init__(file, errors)

    def describe(self) -> str:
        lines = [
            f"{self.file}：文件中有数据库里没有的单位或市领导，未导入任何数据。",
            *(f"  {line}" for line in _new_name_lines(self.summary)),
            "  核对无误后，加 --allow-new-units 重新导入即新建；"
            "若是写法不同，请改成已有名称（或先在管理后台添加）。",
        ]
        return "\n".join(lines)


def _new_name_lines(summary: Summary) -> list[str]:
    def shown(name: str) -> str:
        near = summary.similar.get(name)
        return f"「{name}」— 与已有「{near}」相近" if near else f"「{name}」"

    out = []
    if summary.new_units:
        out.append(
            f"新单位 {len(summary.new_units)} 个：" + "；".join(map(shown, summary.new_units))
        )
    if summary.new_leaders:
        out.append(
            f"新市领导 {len(summary.new_leaders)} 名：" + "；".join(map(shown, summary.new_leaders))
        )
    return out


class _DryRun(Exception):
    """Raised inside the import's transaction to undo it: a preview writes nothing."""


def import_ledger(
    path: str | Path,
    *,
    options: Options | None = None,
    name: str | None = None,
    by=None,
    by_name: str = "",
    progressed: Progressed | None = None,
    dry_run: bool = False,
) -> Summary:
    options = options or Options()
    jurisdiction = Jurisdiction.objects.resolve(options.jurisdiction)
    options = replace(options, jurisdiction=jurisdiction)  # resolved once
    path = Path(path)
    tables = read_tables(path, _limits(), name=name)
    parsed = parse_ledger(tables, progressed, options)
    layout = parsed.layout
    summary = Summary(kind=ImportRun.Kind.LEDGER, file=layout.table.name)
    summary.sheet = layout.table.sheet
    summary.jurisdiction = "" if jurisdiction.home else jurisdiction.name
    summary.dry_run = dry_run
    summary.rows = sum(len(t.nodes) for t in parsed.tasks)
    summary.warnings.extend(layout.table.notes)
    summary.warnings.extend(layout.notes)
    if layout.ignored:
        summary.warnings.append("未识别的列（未导入）：" + "、".join(layout.ignored))
    summary.warnings.extend(parsed.notes)
    if "task_code" not in layout.positions:
        summary.generated = [(t.code, t.title) for t in parsed.tasks]
    summary.joined = joined_runs([(row, t.code) for t in parsed.tasks for row in t.joined])
    try:
        with transaction.atomic():
            run = None
            if not dry_run:
                run = _start_run(ImportRun.Kind.LEDGER, path, summary, by, by_name, jurisdiction)
            write_ledger(parsed, summary, jurisdiction=jurisdiction)
            # The first import into a jurisdiction with no units or leaders yet makes them.
            units = Unit.objects.filter(jurisdiction=jurisdiction)
            leaders = Leader.objects.filter(jurisdiction=jurisdiction)
            gated = summary.new_units and units.exclude(name__in=summary.new_units).exists()
            gated = gated or (
                summary.new_leaders and leaders.exclude(name__in=summary.new_leaders).exists()
            )
            if dry_run:
                raise _DryRun
            if gated and not options.allow_new:
                raise NewNames(layout.table.where, summary)
            _finish_run(run, summary)
    except _DryRun:
        pass
    return summary


def preview_ledger(
    path: str | Path, *, options: Options | None = None, name: str | None = None
) -> Summary:
    """What importing would do, with nothing written."""
    return import_ledger(path, options=options, name=name, dry_run=True)


def _ensure_units(names: set[str], summary: Summary, jurisdiction: Jurisdiction) -> dict[str, Unit]:
    mine = Unit.objects.filter(jurisdiction=jurisdiction)
    units = {u.name: u for u in mine.filter(name__in=names)}
    missing = sorted(names - units.keys())
    if missing:
        known = list(mine.values_list("name", flat=True))
        for name in missing:
            if near := closest(name, known):
                summary.similar[name] = near
        created = Unit.objects.bulk_create(
            Unit(jurisdiction=jurisdiction, name=n, kind=Unit.guess_kind(n)) for n in missing
        )
        units.update({u.name: u for u in created})
        summary.new_units.extend(missing)
    return units


def _ensure_leaders(
    titles: dict[str, str], names: set[str], summary: Summary, jurisdiction: Jurisdiction
) -> dict[str, Leader]:
    """The leaders named, created when new; a title written beside a name ("陈静（副市长）")
    fills a leader's blank title and never overwrites one the office set."""
    mine = Leader.objects.filter(jurisdiction=jurisdiction)
    leaders = {p.name: p for p in mine.filter(name__in=names)}
    missing = sorted(names - leaders.keys())
    if missing:
        known = list(mine.values_list("name", flat=True))
        for name in missing:
            if near := closest(name, known):
                summary.similar[name] = near
        created = Leader.objects.bulk_create(
            Leader(jurisdiction=jurisdiction, name=n, title=titles.get(n, "")) for n in missing
        )
        leaders.update({p.name: p for p in created})
        summary.new_leaders.extend(missing)
    untitled = [p for p in leaders.values() if not p.title and titles.get(p.name)]
    for leader in untitled:
        leader.title = titles[leader.name]
        summary.changes.append(f"市领导 {leader.name} 职务：（空）→ {leader.title}")
    Leader.objects.bulk_update(untitled, ["title"])
    return leaders


TASK_FIELDS = (
    "title",
    "area_id",
    "source",
    "leader_id",
    "lead_unit_id",
    "requirements",
    "start_month",
    "status",
    "plan_year",
)
NODE_FIELDS = ("title", "due_month", "due_text", "order")
FIELD_TITLES = {
    "title": "任务名称",
    "area_id": "领域",
    "source": "任务来源",
    "leader_id": "分管市领导",
    "lead_unit_id": "牵头单位",
    "requirements": "工作要求",
    "start_month": "起始月份",
    "status": "任务状态",
    "plan_year": "计划年度",
}


def _sync_links(
    model, target: str, want: dict[tuple[int, int], int], task_ids
) -> dict[int, list[int]]:
    """Make a task's ordered links (co-units, further lead units, further leaders) what
    the file says, touching only the differences. Returns {task: its linked ids before}
    for the tasks whose links changed."""
    have = {
        (link.task_id, getattr(link, f"{target}_id")): link
        for link in model.objects.filter(task_id__in=task_ids)
    }
    stale = have.keys() - want.keys()
    added = sorted(want.keys() - have.keys())
    moved = [have[key] for key in want.keys() & have.keys() if have[key].order != want[key]]
    touched = {t for t, _ in added} | {t for t, _ in stale} | {link.task_id for link in moved}
    before: dict[int, list[int]] = {task: [] for task in touched}
    for (task, other), _link in sorted(have.items(), key=lambda item: item[1].order):
        if task in before:
            before[task].append(other)
    for link in moved:
        link.order = want[(link.task_id, getattr(link, f"{target}_id"))]
    model.objects.filter(pk__in=[have[key].pk for key in stale]).delete()
    model.objects.bulk_create(
        [model(task_id=t, **{f"{target}_id": o}, order=want[(t, o)]) for t, o in added],
        batch_size=1000,
    )
    model.objects.bulk_update(moved, ["order"], batch_size=1000)
    return before


def _names_of(target: str, ids: set[int]) -> dict[int, str]:
    """Names of units or leaders by id, in one query."""
    source = Unit if target == "unit" else Leader
    return dict(source.objects.filter(pk__in=ids).values_list("pk", "name"))


def _shown(key: str, value, names: dict[str, dict[int, str]]) -> str:
    if value in (None, ""):
        return "（空）"
    if key in names:
        return names[key].get(value, str(value))
    if key == "source":
        return Task.Source(value).label
    if key == "status":
        return Task.Status(value).label
    if isinstance(value, dt.date):
        return format_month_zh(value)
    return str(value)[:40]


def write_ledger(
    ledger: ParsedLedger | list[ParsedTask],
    summary: Summary,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> None:
    """Upsert the tasks, nodes and names into one jurisdiction's ledger (None: the home one)."""
    jurisdiction = Jurisdiction.objects.resolve(jurisdiction)
    if isinstance(ledger, list):
        parsed, titles = ledger, {}
    else:
        parsed, titles = ledger.tasks, ledger.titles
    unit_names = {u for t in parsed for u in (*t.lead_units, *t.co_units)}
    units = _ensure_units(unit_names, summary, jurisdiction)
    people = {p for t in parsed for p in t.leaders}
    leaders = _ensure_leaders(titles, people, summary, jurisdiction)
    names = {
        "area_id": dict(Area.objects.values_list("pk", "name")),
        "leader_id": {p.pk: p.name for p in leaders.values()},
        "lead_unit_id": {u.pk: u.name for u in units.values()},
    }

    mine = Task.objects.filter(jurisdiction=jurisdiction)
    existing = {t.code: t for t in mine.filter(code__in=[p.code for p in parsed])}
    if changing := [t for t in existing.values()]:
        names["leader_id"].update(
            Leader.objects.filter(pk__in={t.leader_id for t in changing}).values_list("pk", "name")
        )
        names["lead_unit_id"].update(
            Unit.objects.filter(pk__in={t.lead_unit_id for t in changing}).values_list("pk", "name")
        )
    new_tasks, changed_tasks = [], []
    for p in parsed:
        values = {
            "title": p.title,
            "area_id": p.area.pk,
            "source": p.source,
            "leader_id": leaders[p.leader].pk,
            "lead_unit_id": units[p.lead_unit].pk,
            "requirements": p.requirements,
            "start_month": p.start_month,
            "status": p.status,
            "plan_year": p.plan_year,
        }
        task = existing.get(p.code)
        if task is None:
            task = Task(jurisdiction=jurisdiction, code=p.code, **values)
            new_tasks.append(task)
            existing[p.code] = task
        elif differing := [k for k, v in values.items() if getattr(task, k) != v]:
            for k in differing:
                before, after = _shown(k, getattr(task, k), names), _shown(k, values[k], names)
                summary.changes.append(f"任务 {p.code} {FIELD_TITLES[k]}：{before} → {after}")
            for k, v in values.items():
                setattr(task, k, v)
            changed_tasks.append(task)
    Task.objects.bulk_create(new_tasks, batch_size=500)
    Task.objects.bulk_update(changed_tasks, TASK_FIELDS, batch_size=500)
    summary.tasks_created, summary.tasks_updated = len(new_tasks), len(changed_tasks)
    task_ids = [existing[p.code].pk for p in parsed]

    # Cooperating units, further lead units and further leaders, in their written order:
    # a name dropped from a list is a deletion, and the preview shows the list before.
    touched: set[int] = set()
    by_id = {t.pk: t for t in existing.values()}
    created = {t.pk for t in new_tasks}
    for model, target, title, lists, lookup in (
        (CoUnit, "unit", "配合单位", lambda p: p.co_units, units),
        (JointLead, "unit", "共同牵头单位", lambda p: p.lead_units[1:], units),
        (CoLeader, "leader", "其他分管市领导", lambda p: p.leaders[1:], leaders),
    ):
        want = {
            (existing[p.code].pk, lookup[name].pk): order
            for p in parsed
            for order, name in enumerate(lists(p), start=1)
        }
        before = _sync_links(model, target, want, task_ids)
        old_names = _names_of(target, {o for ids in before.values() for o in ids})
        wanted = {existing[p.code].pk: lists(p) for p in parsed}
        for task_id, ids in sorted(before.items(), key=lambda i: by_id[i[0]].code):
            if task_id in created:
                continue
            after = wanted[task_id]
            shown = "、".join(old_names[i] for i in ids) or "（空）"
            summary.changes.append(
                f"任务 {by_id[task_id].code} {title}：{shown} → {'、'.join(after) or '（空）'}"
            )
        touched |= before.keys()
    touched -= {t.pk for t in new_tasks} | {t.pk for t in changed_tasks}
    summary.tasks_updated += len(touched)

    nodes = {(n.task_id, n.code): n for n in Node.objects.filter(task_id__in=task_ids)}
    new_nodes, changed_nodes = [], []
    for p in parsed:
        task = existing[p.code]
        for order, pn in enumerate(p.nodes, start=1):
            values = {
                "title": pn.title,
                "due_month": pn.due_month,
                "due_text": pn.due_text,
                "order": order,
            }
            node = nodes.get((task.pk, pn.code))
            if node is not None and node.due_month == pn.due_month:
                # Another wording of the same month (an export writes 2021-06 for 2021年6月底)
                # is no change: the clerk's first wording stays.
                values["due_text"] = node.due_text
            if node is None:
                new_nodes.append(Node(task=task, code=pn.code, **values))
            elif any(getattr(node, k) != v for k, v in values.items()):
                if node.title != pn.title:
                    summary.changes.append(
                        f"节点 {p.code}/{pn.code} 节点目标：{node.title[:30]} → {pn.title[:30]}"
                    )
                if node.due_month != pn.due_month:
                    summary.changes.append(
                        f"节点 {p.code}/{pn.code} 完成时限：{format_month_zh(node.due_month)}"
                        f" → {format_month_zh(pn.due_month)}"
                    )
                for k, v in values.items():
                    setattr(node, k, v)
                changed_nodes.append(node)
            else:
                summary.unchanged += 1
    Node.objects.bulk_create(new_nodes, batch_size=1000)
    Node.objects.bulk_update(changed_nodes, NODE_FIELDS, batch_size=1000)
    summary.created, summary.updated = len(new_nodes), len(changed_nodes)

    file_nodes = {(existing[p.code].pk, n.code) for p in parsed for n in p.nodes}
    kept = [key for key in nodes if key not in file_nodes]
    if kept:
        summary.warnings.append(f"数据库中另有 {len(kept)} 个节点不在本文件中，已保留未删除")


# --- monthly progress ------------------------------------------------------------------

STATUSES = {
    "未启动": Progress.Status.NOT_STARTED,
    "未开始": Progress.Status.NOT_STARTED,
    "not_started": Progress.Status.NOT_STARTED,
    "notstarted": Progress.Status.NOT_STARTED,
    "推进中": Progress.Status.IN_PROGRESS,
    "进行中": Progress.Status.IN_PROGRESS,
    "正在推进": Progress.Status.IN_PROGRESS,
    "in_progress": Progress.Status.IN_PROGRESS,
    "inprogress": Progress.Status.IN_PROGRESS,
    "已完成": Progress.Status.DONE,
    "完成": Progress.Status.DONE,
    "done": Progress.Status.DONE,
    "completed": Progress.Status.DONE,
}
# Words offices use for "going": read as 推进中, with a note saying so.
STATUS_WORDS = {
    "基本完成": Progress.Status.IN_PROGRESS,
    "序时推进": Progress.Status.IN_PROGRESS,
    "超序时推进": Progress.Status.IN_PROGRESS,
    "按序时推进": Progress.Status.IN_PROGRESS,
}


@dataclass
class ParsedProgress:
    row: int
    task_code: str
    node_code: str
    month: dt.date
    status: str
    done_on: dt.date | None
    percent: int | None
    note: str


Resolved = tuple[ParsedProgress, Task, Node]


PROGRESS_CORE = {"task_code", "node_code", "status"}


def _fraction_column(layout: Layout) -> str:
    """How the 进度 column is written: "fraction" when every number in it is at most 1 and
    one lies strictly between 0 and 1 (0.7 is 70%), "percent" otherwise, "mixed" when
    fractions sit beside numbers over 1."""
    position = layout.positions.get("percent")
    if position is None:
        return "percent"
    small = large = False
    for _number, cells in layout.table.rows[layout.header_index + 1 :]:
        value = cells[position] if position < len(cells) else None
        if isinstance(value, str):
            text = halfwidth(value).strip()
            if not text or text.endswith("%"):
                continue
            try:
                value = float(text)
            except ValueError:
                continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            small = small or 0 < value < 1
            large = large or value > 1
    if small and large:
        return "mixed"
    return "fraction" if small else "percent"


@dataclass
class ParsedProgressFile:
    rows: list[Resolved]
    layout: Layout


def parse_progress(
    tables: Table | list[Table],
    progressed: Progressed | None = None,
    options: Options | None = None,
) -> ParsedProgressFile:
    """Check every row, and that its task and node are in the ledger."""
    options = options or Options()
    jurisdiction = Jurisdiction.objects.resolve(options.jurisdiction)
    tables = tables if isinstance(tables, list) else [tables]
    layout = locate(tables, PROGRESS_FILE_COLUMNS, options, PROGRESS_CORE)
    table, positions = layout.table, layout.positions
    titles = {c.key: c.title for c in PROGRESS_FILE_COLUMNS}
    missing = [
        titles[c.key] for c in PROGRESS_FILE_COLUMNS if c.required and c.key not in positions
    ]
    if missing:
        number = table.rows[layout.header_index][0]
        raise FileRefused(f"{table.where} 第{number}行：表头缺少必填列：{'、'.join(missing)}")
    errors = _Collector(table, positions, PROGRESS_FILE_COLUMNS)
    whose = _Whose(jurisdiction, positions)
    year = options.year or title_year(layout.title_texts)
    percents = _fraction_column(layout)
    if percents == "mixed":
        column = layout.column("percent", PROGRESS_FILE_COLUMNS)
        raise FileRefused(
            f"{table.where} {column}：既有 0–1 之间的小数（如 0.7）又有大于 1 的数，"
            "无法判断是比例还是百分数：请统一写成百分数（如 70 或 70%）"
        )
    notes = _Notes()
    parsed: list[ParsedProgress] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    total = len(table.rows) - layout.header_index - 1

    for count, item in enumerate(records(layout, {}), start=1):
        if progressed and count % 500 == 0:
            progressed(count, total)
        if isinstance(item, tuple):
            notes.add(item[1], "表尾或分区标题行已跳过")
            continue
        row, values = item.row, item.values
        before = errors.total
        whose.check(row, values, errors)
        task_code = code_text(values.get("task_code"))
        node_code = code_text(values.get("node_code"))
        if not task_code:
            errors.add(row, "task_code", "任务编号不能为空")
        if not node_code:
            errors.add(row, "node_code", "节点编号不能为空")
        month = None
        try:
            month = parse_month(values.get("month"), year)
        except ValueError as e:
            errors.add(row, "month", str(e))
        raw_status = "".join(cell_text(values.get("status")).split()).lower()
        status = STATUSES.get(raw_status)
        if status is None and raw_status in STATUS_WORDS:
            status = STATUS_WORDS[raw_status]
            notes.add(row, f"状态「{raw_status}」按「推进中」导入")
        if status is None:
            shown = cell_text(values.get("status"))
            errors.add(
                row,
                "status",
                f"「{shown}」应为 未启动、推进中 或 已完成" if shown else "状态不能为空",
            )
        done_on = None
        if "done_on" in positions and cell_text(values.get("done_on")):
            try:
                done_on = parse_date(values.get("done_on"))
            except ValueError as e:
                errors.add(row, "done_on", str(e))
        percent = None
        if "percent" in positions:
            raw = values.get("percent")
            try:
                if percents == "fraction" and cell_text(raw) and not cell_text(raw).endswith("%"):
                    raw = float(halfwidth(cell_text(raw))) * 100
                percent = parse_percent(raw)
            except ValueError as e:
                errors.add(row, "percent", str(e))
        note = cell_text(values.get("note")) if "note" in positions else ""
        if errors.total > before:
            continue
        assert month is not None and status is not None
        _check_progress_row(row, status, month, done_on, percent, positions, errors)
        if errors.total > before:
            continue
        percent = stored_percent(status, percent)
        key = (task_code, node_code, month)
        if key in seen:
            errors.add(
                row,
                None,
                f"与第{seen[key]}行重复：{task_code}/{node_code} "
                f"在 {format_month_zh(month)} 已有一行",
            )
            continue
        seen[key] = row
        parsed.append(
            ParsedProgress(row, task_code, node_code, month, status, done_on, percent, note)
        )
    layout.notes.extend(notes.lines())
    if percents == "fraction":
        layout.notes.append(
            f"{layout.column('percent', PROGRESS_FILE_COLUMNS)}的数都不大于 1，"
            "按比例读取（0.7 即 70%）"
        )
    if layout.ignored:
        layout.notes.append("未识别的列（未导入）：" + "、".join(layout.ignored))

    codes = {p.task_code for p in parsed}
    tasks = {t.code: t for t in Task.objects.filter(jurisdiction=jurisdiction, code__in=codes)}
    ledger = "台账" if jurisdiction.home else f"{jurisdiction.name}的台账"
    nodes = {
        (n.task_id, n.code): n
        for n in Node.objects.filter(task__in=tasks.values()).only("id", "task_id", "code")
    }
    resolved: list[Resolved] = []
    for p in parsed:
        task = tasks.get(p.task_code)
        if task is None:
            errors.add(p.row, "task_code", f"任务 {p.task_code} 不在{ledger}中，请先导入任务台账")
            continue
        node = nodes.get((task.pk, p.node_code))
        if node is None:
            errors.add(p.row, "node_code", f"任务 {p.task_code} 没有节点 {p.node_code}")
            continue
        resolved.append((p, task, node))
    errors.raise_if_any()
    return ParsedProgressFile(resolved, layout)


def _check_progress_row(row, status, month, done_on, percent, positions, errors) -> None:
    for field_name, message in progress_problems(status, month, done_on, percent):
        key = field_name if field_name in positions else "status"
        errors.add(row, key, message)


PROGRESS_FIELDS = ("status", "done_on", "percent", "note")


def import_progress(
    path: str | Path,
    *,
    options: Options | None = None,
    name: str | None = None,
    by=None,
    by_name: str = "",
    progressed: Progressed | None = None,
    dry_run: bool = False,
) -> Summary:
    options = options or Options()
    jurisdiction = Jurisdiction.objects.resolve(options.jurisdiction)
    options = replace(options, jurisdiction=jurisdiction)  # resolved once
    path = Path(path)
    tables = read_tables(path, _limits(), name=name)
    parsed = parse_progress(tables, progressed, options)
    layout = parsed.layout
    summary = Summary(kind=ImportRun.Kind.PROGRESS, file=layout.table.name, rows=len(parsed.rows))
    summary.sheet, summary.dry_run = layout.table.sheet, dry_run
    summary.jurisdiction = "" if jurisdiction.home else jurisdiction.name
    summary.warnings.extend([*layout.table.notes, *layout.notes])
    try:
        with transaction.atomic():
            if dry_run:
                write_progress(parsed.rows, None, summary)
                raise _DryRun
            run = _start_run(ImportRun.Kind.PROGRESS, path, summary, by, by_name, jurisdiction)
            write_progress(parsed.rows, run, summary)
            _finish_run(run, summary)
    except _DryRun:
        pass
    return summary


def write_progress(resolved: list[Resolved], run: ImportRun | None, summary: Summary) -> None:
    node_ids = {node.pk for _, _, node in resolved}
    existing = {
        (r.node_id, r.month): r
        for r in Progress.objects.filter(node_id__in=node_ids).only(
            "id", "node_id", "month", "status", "done_on", "percent", "note"
        )
    }
    done_month: dict[int, dt.date] = {}
    for r in existing.values():
        if r.status == Progress.Status.DONE:
            done_month[r.node_id] = min(r.month, done_month.get(r.node_id, r.month))
    for p, _, node in resolved:
        if p.status == Progress.Status.DONE:
            done_month[node.pk] = min(p.month, done_month.get(node.pk, p.month))

    new_rows, changed_rows, reopened = [], [], []
    for p, task, node in resolved:
        values = {"status": p.status, "done_on": p.done_on, "percent": p.percent, "note": p.note}
        row = existing.get((node.pk, p.month))
        if row is None:
            new_rows.append(Progress(task=task, node=node, month=p.month, import_run=run, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.import_run = run
            row.origin = Progress.Origin.IMPORT
            changed_rows.append(row)
        else:
            summary.unchanged += 1
        first_done = done_month.get(node.pk)
        if first_done and p.month > first_done and p.status != Progress.Status.DONE:
            reopened.append(f"{p.task_code}/{p.node_code}（第{p.row}行）")
    Progress.objects.bulk_create(new_rows, batch_size=1000)
    Progress.objects.bulk_update(
        changed_rows, [*PROGRESS_FIELDS, "import_run", "origin"], batch_size=1000
    )
    summary.created, summary.updated = len(new_rows), len(changed_rows)
    if reopened:
        shown = "、".join(reopened[:10]) + ("等" if len(reopened) > 10 else "")
        summary.warnings.append(
            f"{len(reopened)} 行报告的节点此前已完成，完成状态不因后来的行改变：{shown}"
        )
