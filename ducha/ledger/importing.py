"""Taking the ledger and the monthly progress in from Excel or CSV (SPEC.md §4).

Each import reads the whole file, checks every cell, and only then writes, in one
transaction: a file with any error changes nothing. Writing is an upsert by codes, so
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ducha.audit import record
from ducha.ledger.checks import progress_problems, stored_percent
from ducha.ledger.codes import NODE_CODE_LENGTH, TASK_CODE_LENGTH, code_problem
from ducha.ledger.columns import LEDGER_COLUMNS, PROGRESS_COLUMNS, Column, match_header
from ducha.ledger.models import CoUnit, ImportRun, Node, Progress, Task
from ducha.lib.cells import code_text, parse_date, parse_month, parse_percent
from ducha.lib.months import format_month_zh
from ducha.lib.tabular import FileRefused, Limits, Table, cell_text, column_letter, read_table
from ducha.org.models import Area, Leader, Unit

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

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.tasks_created
            or self.tasks_updated
            or self.new_units
            or self.new_leaders
        )

    def lines(self) -> list[str]:
        what = "节点" if self.kind == ImportRun.Kind.LEDGER else "进展"
        out = [f"{self.file}：读取 {self.rows} 行数据"]
        if self.kind == ImportRun.Kind.LEDGER:
            out.append(f"  任务：新增 {self.tasks_created}，更新 {self.tasks_updated}")
        out.append(f"  {what}：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}")
        if self.new_units:
            out.append(f"  新建单位 {len(self.new_units)} 个：{'、'.join(self.new_units)}")
        if self.new_leaders:
            out.append(f"  新建市领导 {len(self.new_leaders)} 名：{'、'.join(self.new_leaders)}")
        if self.joined:
            out.append(f"  提示：{joined_text(self.joined)}")
        out += [f"  提示：{w}" for w in self.warnings]
        return out


JOINED_SHOWN = 10


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
            self.errors.append(CellError(self.table.name, row, column, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportFailed(self.table.name, self.errors, self.total)


def _locate_header(table: Table, columns: tuple[Column, ...]) -> tuple[int, dict[str, int]]:
    """The header is the first row (of the first ten) that names the required columns."""
    required = [c for c in columns if c.required]
    best: tuple[int, dict[str, int]] | None = None
    for index, (_number, cells) in enumerate(table.rows[:10]):
        found = match_header(cells, columns)
        if all(c.key in found for c in required):
            return index, found
        if found and (best is None or len(found) > len(best[1])):
            best = (index, found)
    if best is None:
        expected = "、".join(c.title for c in required)
        raise FileRefused(f"{table.name}：找不到表头行，前 10 行中没有 {expected} 等列名")
    number = table.rows[best[0]][0]
    missing = "、".join(c.title for c in required if c.key not in best[1])
    raise FileRefused(f"{table.name}：第{number}行表头缺少必填列：{missing}")


def _records(table: Table, header_index: int, positions: dict[str, int]):
    """Data rows as (row number, {key: raw cell}), skipping blank rows."""
    for number, cells in table.rows[header_index + 1 :]:
        values = {key: (cells[pos] if pos < len(cells) else None) for key, pos in positions.items()}
        if all(cell_text(v) == "" for v in values.values()):
            continue
        yield number, values


def _limits() -> Limits:
    return Limits(max_bytes=settings.DUCHA_IMPORT_MAX_MB * 1024 * 1024)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _start_run(kind: str, path: Path, summary: Summary, by, by_name: str) -> ImportRun:
    return ImportRun.objects.create(
        kind=kind,
        filename=summary.file,
        sha256=_sha256(path),
        rows=summary.rows,
        by=by,
        by_name=by_name,
    )


def _finish_run(run: ImportRun, summary: Summary) -> None:
    run.created, run.updated, run.unchanged = summary.created, summary.updated, summary.unchanged
    run.save(update_fields=["created", "updated", "unchanged"])
    summary.run_id = run.pk
    record(
        "ledger_imported",
        actor=run.by,
        actor_name=run.by_name,
        target=run,
        detail={
            "kind": run.kind,
            "file": run.filename,
            "sha256": run.sha256,
            "created": summary.created,
            "updated": summary.updated,
            "new_units": summary.new_units,
            "new_leaders": summary.new_leaders,
        },
    )


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
    leader: str
    lead_unit: str
    co_units: list[str]
    requirements: str
    start_month: dt.date | None
    status: str
    nodes: list[ParsedNode] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)  # rows that inherited the task cells

    @property
    def plan_year(self) -> int:
        return min(n.due_month for n in self.nodes).year


def _area_lookup() -> dict[str, Area]:
    lookup: dict[str, Area] = {}
    for area in Area.objects.all():
        for spelling in area.spellings():
            lookup[spelling] = area
            lookup[spelling.lower()] = area
    return lookup


def parse_ledger(table: Table, progressed: Progressed | None = None) -> list[ParsedTask]:
    header_index, positions = _locate_header(table, LEDGER_COLUMNS)
    errors = _Collector(table, positions, LEDGER_COLUMNS)
    areas = _area_lookup()
    area_names = "、".join(a.name for a in Area.objects.all())
    tasks: dict[str, ParsedTask] = {}
    first_values: dict[str, dict[str, str]] = {}
    failed: set[str] = set()  # tasks whose own cells had errors: check their nodes only
    current: str | None = None
    total = len(table.rows) - header_index - 1

    for count, (row, values) in enumerate(_records(table, header_index, positions), start=1):
        if progressed and count % 500 == 0:
            progressed(count, total)
        code = code_text(values.get("task_code"))
        text = {key: cell_text(values.get(key)) for key in TASK_KEYS}
        # Merged cells were filled in when the file was read: a blank code was left blank.
        joined = not code
        if code:
            current = code
        elif current is None:
            errors.add(row, "task_code", "第一条数据缺少任务编号")
            continue
        else:
            code = current

        task = tasks.get(code)
        if task is None and code not in failed:
            first_values[code] = text
            task = _parse_task(row, code, text, areas, area_names, errors)
            if task is None:
                failed.add(code)
            else:
                tasks[code] = task
        elif task is not None:
            # A continuation row: blank task cells inherit; filled ones must agree.
            seen = first_values[code]
            for key in TASK_KEYS:
                if key in positions and text[key] and seen[key] and text[key] != seen[key]:
                    errors.add(
                        row,
                        key,
                        f"与任务 {code} 第{task.row}行的「{seen[key]}」不一致：「{text[key]}」",
                    )
        if joined and task is not None:
            task.joined.append(row)
        node = _parse_node(row, values, errors)
        if node is not None and task is not None:
            if any(n.code == node.code for n in task.nodes):
                errors.add(row, "node_code", f"任务 {code} 的节点编号 {node.code} 重复")
            else:
                task.nodes.append(node)

    errors.raise_if_any()
    if not tasks:
        raise FileRefused(f"{table.name}：表头下没有任何数据行")
    return list(tasks.values())


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
) -> ParsedTask | None:
    before = errors.total
    if problem := code_problem(code, "任务编号", TASK_CODE_LENGTH):
        errors.add(row, "task_code", problem)
    for key in ("area", "title", "source", "leader", "lead_unit"):
        if not text[key]:
            errors.add(row, key, f"任务 {code} 的这一项不能为空")
    for key in ("title", "leader", "lead_unit"):
        _check_length(row, key, text[key], errors)
    area = areas.get(text["area"]) or areas.get(text["area"].lower())
    if text["area"] and area is None:
        errors.add(row, "area", f"「{text['area']}」不是已知领域，应为：{area_names}")
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
    co_units = [u.strip() for u in _SPLIT_UNITS.split(text["co_units"]) if u.strip()]
    for unit in co_units:
        if not _check_length(row, "co_units", unit, errors):
            break  # one message for the cell is enough
    if errors.total > before:
        return None
    return ParsedTask(
        row=row,
        code=code,
        area=area,  # type: ignore[arg-type]
        title=text["title"],
        source=source,  # type: ignore[arg-type]
        leader=text["leader"],
        lead_unit=text["lead_unit"],
        co_units=list(dict.fromkeys(co_units)),
        requirements=text["requirements"],
        start_month=start,
        status=status,
    )


def _parse_node(row: int, values: dict, errors: _Collector) -> ParsedNode | None:
    code = code_text(values.get("node_code"))
    title = cell_text(values.get("node"))
    raw_due = values.get("due")
    before = errors.total
    if not code:
        errors.add(row, "node_code", "节点编号不能为空")
    elif problem := code_problem(code, "节点编号", NODE_CODE_LENGTH):
        errors.add(row, "node_code", problem)
    if not title:
        errors.add(row, "node", "节点目标不能为空")
    _check_length(row, "node", title, errors)
    due = None
    try:
        due = parse_month(raw_due)
    except ValueError as e:
        errors.add(row, "due", str(e))
    if errors.total > before or due is None:
        return None
    due_text = cell_text(raw_due)
    if isinstance(raw_due, dt.date):
        due_text = due_text[:10]
    if not _check_length(row, "due", due_text, errors):
        return None
    return ParsedNode(row=row, code=code, title=title, due_month=due, due_text=due_text)


def import_ledger(
    path: str | Path,
    *,
    name: str | None = None,
    by=None,
    by_name: str = "",
    progressed: Progressed | None = None,
) -> Summary:
    path = Path(path)
    table = read_table(path, _limits(), name=name)
    parsed = parse_ledger(table, progressed)
    summary = Summary(kind=ImportRun.Kind.LEDGER, file=table.name)
    summary.rows = sum(len(t.nodes) for t in parsed)
    summary.warnings.extend(table.notes)
    summary.joined = joined_runs([(row, t.code) for t in parsed for row in t.joined])
    with transaction.atomic():
        run = _start_run(ImportRun.Kind.LEDGER, path, summary, by, by_name)
        write_ledger(parsed, summary)
        _finish_run(run, summary)
    return summary


def _ensure_units(names: set[str], summary: Summary) -> dict[str, Unit]:
    units = {u.name: u for u in Unit.objects.filter(name__in=names)}
    missing = sorted(names - units.keys())
    if missing:
        created = Unit.objects.bulk_create(Unit(name=n, kind=Unit.guess_kind(n)) for n in missing)
        units.update({u.name: u for u in created})
        summary.new_units.extend(missing)
    return units


def _ensure_leaders(names: set[str], summary: Summary) -> dict[str, Leader]:
    leaders = {p.name: p for p in Leader.objects.filter(name__in=names)}
    missing = sorted(names - leaders.keys())
    if missing:
        created = Leader.objects.bulk_create(Leader(name=n) for n in missing)
        leaders.update({p.name: p for p in created})
        summary.new_leaders.extend(missing)
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


def write_ledger(parsed: list[ParsedTask], summary: Summary) -> None:
    unit_names = {t.lead_unit for t in parsed} | {u for t in parsed for u in t.co_units}
    units = _ensure_units(unit_names, summary)
    leaders = _ensure_leaders({t.leader for t in parsed}, summary)

    existing = {t.code: t for t in Task.objects.filter(code__in=[p.code for p in parsed])}
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
            task = Task(code=p.code, **values)
            new_tasks.append(task)
            existing[p.code] = task
        elif any(getattr(task, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(task, k, v)
            changed_tasks.append(task)
    Task.objects.bulk_create(new_tasks, batch_size=500)
    Task.objects.bulk_update(changed_tasks, TASK_FIELDS, batch_size=500)
    summary.tasks_created, summary.tasks_updated = len(new_tasks), len(changed_tasks)
    task_ids = [existing[p.code].pk for p in parsed]

    # Cooperating units, in their written order: add, renumber and remove only the differences.
    have = {
        (link.task_id, link.unit_id): link for link in CoUnit.objects.filter(task_id__in=task_ids)
    }
    want = {
        (existing[p.code].pk, units[u].pk): order
        for p in parsed
        for order, u in enumerate(p.co_units, start=1)
    }
    stale = have.keys() - want.keys()
    added = sorted(want.keys() - have.keys())
    moved = [have[key] for key in want.keys() & have.keys() if have[key].order != want[key]]
    for link in moved:
        link.order = want[(link.task_id, link.unit_id)]
    CoUnit.objects.filter(pk__in=[have[key].pk for key in stale]).delete()
    CoUnit.objects.bulk_create(
        [CoUnit(task_id=t, unit_id=u, order=want[(t, u)]) for t, u in added], batch_size=1000
    )
    CoUnit.objects.bulk_update(moved, ["order"], batch_size=1000)
    touched = {t for t, _ in added} | {t for t, _ in stale} | {link.task_id for link in moved}
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


def parse_progress(table: Table, progressed: Progressed | None = None) -> list[Resolved]:
    """Check every row, and that its task and node are in the ledger."""
    header_index, positions = _locate_header(table, PROGRESS_COLUMNS)
    errors = _Collector(table, positions, PROGRESS_COLUMNS)
    parsed: list[ParsedProgress] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    total = len(table.rows) - header_index - 1

    for count, (row, values) in enumerate(_records(table, header_index, positions), start=1):
        if progressed and count % 500 == 0:
            progressed(count, total)
        before = errors.total
        task_code = code_text(values.get("task_code"))
        node_code = code_text(values.get("node_code"))
        if not task_code:
            errors.add(row, "task_code", "任务编号不能为空")
        if not node_code:
            errors.add(row, "node_code", "节点编号不能为空")
        month = None
        try:
            month = parse_month(values.get("month"))
        except ValueError as e:
            errors.add(row, "month", str(e))
        raw_status = "".join(cell_text(values.get("status")).split()).lower()
        status = STATUSES.get(raw_status)
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
            try:
                percent = parse_percent(values.get("percent"))
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

    tasks = {t.code: t for t in Task.objects.filter(code__in={p.task_code for p in parsed})}
    nodes = {
        (n.task_id, n.code): n
        for n in Node.objects.filter(task__in=tasks.values()).only("id", "task_id", "code")
    }
    resolved: list[Resolved] = []
    for p in parsed:
        task = tasks.get(p.task_code)
        if task is None:
            errors.add(p.row, "task_code", f"任务 {p.task_code} 不在台账中，请先导入任务台账")
            continue
        node = nodes.get((task.pk, p.node_code))
        if node is None:
            errors.add(p.row, "node_code", f"任务 {p.task_code} 没有节点 {p.node_code}")
            continue
        resolved.append((p, task, node))
    errors.raise_if_any()
    return resolved


def _check_progress_row(row, status, month, done_on, percent, positions, errors) -> None:
    for field_name, message in progress_problems(status, month, done_on, percent):
        key = field_name if field_name in positions else "status"
        errors.add(row, key, message)


PROGRESS_FIELDS = ("status", "done_on", "percent", "note")


def import_progress(
    path: str | Path,
    *,
    name: str | None = None,
    by=None,
    by_name: str = "",
    progressed: Progressed | None = None,
) -> Summary:
    path = Path(path)
    table = read_table(path, _limits(), name=name)
    resolved = parse_progress(table, progressed)
    summary = Summary(kind=ImportRun.Kind.PROGRESS, file=table.name, rows=len(resolved))
    summary.warnings.extend(table.notes)
    with transaction.atomic():
        run = _start_run(ImportRun.Kind.PROGRESS, path, summary, by, by_name)
        write_progress(resolved, run, summary)
        _finish_run(run, summary)
    return summary


def write_progress(resolved: list[Resolved], run: ImportRun, summary: Summary) -> None:
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
