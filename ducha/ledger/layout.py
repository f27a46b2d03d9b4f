"""Where the table is in a workbook as a clerk made it: which sheet, which header row, which
column holds which field, and which rows are titles, area headings or footers.

Nothing here guesses silently. Every header cell is either mapped to a field or reported as
ignored; a field named by two columns, several sheets that look like the ledger, and hidden
rows or columns all stop the import with what to do, unless the options say.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ducha.ledger.columns import IGNORE, Column, field_for, fold, lookup
from ducha.ledger.names import split_nodes
from ducha.lib.tabular import FileRefused, Table, cell_text, column_letter, halfwidth

if TYPE_CHECKING:
    from ducha.org.models import Jurisdiction

HEADER_ROWS = 30  # title rows above the header: the header is looked for this far down
EXAMPLE_SHEETS = ("示例", "样例", "范例", "样表", "说明", "example", "instruction", "选项")
FOOTER_WORDS = (
    "备注",
    "注：",
    "注:",
    "说明：",
    "说明:",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "填表人",
    "填报人",
    "联系人",
    "联系电话",
    "合计",
    "总计",
    "小计",
    "共计",
)
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十]+\s*[)）]|\d{1,2}\s*[、．]|"
    r"第[一二三四五六七八九十]+[部分章节类项]\s*[、:：]?)\s*"
)
_COUNT = re.compile(r"\s*[(（]\s*(?:共\s*)?\d+\s*[项个条]\s*[)）]\s*$")


@dataclass
class Options:
    """What the person importing said about the file (the CLI's flags, the web form)."""

    sheet: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # header text → field or 忽略
    year: int | None = None
    hidden: str = "refuse"  # or "include", "skip"
    allow_new: bool = False
    # Whose ledger the file is: every lookup and every row made is in it (None: the home one).
    jurisdiction: Jurisdiction | None = None


@dataclass
class Layout:
    table: Table
    header_index: int  # index in table.rows of the (last) header row
    positions: dict[str, int]  # field key → 0-based column
    title_texts: list[str]  # the text of the rows above the header
    ignored: list[str] = field(default_factory=list)  # 'K列「备注」'
    notes: list[str] = field(default_factory=list)

    def column(self, key: str, columns: tuple[Column, ...]) -> str:
        title = next(c.title for c in columns if c.key == key)
        return f"{column_letter(self.positions[key])}列（{title}）"


@dataclass
class Record:
    row: int
    values: dict[str, object]
    section: str = ""  # the area heading above the row, as written


def parse_mapping(pairs: list[str], columns: tuple[Column, ...]) -> dict[str, str]:
    """--map '责任单位=配合单位' (repeatable) → {folded header: field key or IGNORE}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, target = halfwidth(pair).partition("=")
        if not sep or not header.strip() or not target.strip():
            raise FileRefused(f"--map「{pair}」应写作 表头=字段，如 --map '责任单位=配合单位'")
        mapping[header.strip()] = target.strip()
    return resolve_mapping(mapping, columns)


def resolve_mapping(mapping: dict[str, str], columns: tuple[Column, ...]) -> dict[str, str]:
    """{header: field} as a person wrote it (a title, an alias, a key or 忽略) → {folded
    header: key}; an unknown field is refused, never read into nothing."""
    resolved = {}
    for header, target in mapping.items():
        key = field_for(target, columns)
        if key is None:
            titles = "、".join(c.title for c in columns)
            raise FileRefused(
                f"--map「{header}={target}」：「{target}」不是可导入的字段，应为 {titles} 或 忽略"
            )
        resolved[fold(header)] = key
    return resolved


def plain_name(name: str) -> str:
    """A name as typed on another keyboard (a sheet's, a jurisdiction's): half-width, no
    spaces, any case."""
    return "".join(halfwidth(name).split()).lower()


def _is_example(table: Table) -> bool:
    title = table.sheet.lower()
    return any(word in title for word in EXAMPLE_SHEETS)


def _header_names(table: Table, index: int, two_rows: bool) -> list[object]:
    cells = list(table.rows[index][1])
    if not two_rows:
        return cells
    lower = table.rows[index + 1][1]
    width = max(len(cells), len(lower))
    cells += [None] * (width - len(cells))
    return [lower[i] if i < len(lower) and cell_text(lower[i]) else cells[i] for i in range(width)]


def _find_header(
    table: Table, columns: tuple[Column, ...], mapping: dict[str, str], core: set[str]
) -> tuple[int, bool, dict[str, list[int]]] | None:
    """(index of the last header row, two rows?, field → columns) of the first row in the
    first 30 naming the core fields; a second row under it counts when it names more."""
    spellings = lookup(columns)

    def keys(cells: list[object]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for index, cell in enumerate(cells):
            name = fold(cell)
            if not name:
                continue
            key = mapping.get(name) or spellings.get(name)
            if key and key != IGNORE:
                found.setdefault(key, []).append(index)
        return found

    limit = min(HEADER_ROWS, len(table.rows))
    for index in range(limit):
        one = keys(table.rows[index][1])
        if not one:  # a title row names no field, so it is never a header's top half
            continue
        if index + 1 < len(table.rows):
            two = keys(_header_names(table, index, True))
            if len(two) > len(one) and core <= two.keys():
                return index + 1, True, two
        if core <= one.keys():
            return index, False, one
    return None


def locate(
    tables: list[Table],
    columns: tuple[Column, ...],
    options: Options,
    core: set[str],
    needed: set[str] = frozenset(),
) -> Layout:
    """The sheet and header to read, or FileRefused saying which and what to do. A header
    row names every `core` field; `needed` ones it lacks are named when none is found."""
    needed = set(needed) | core
    mapping = resolve_mapping(options.mapping, columns)
    if options.sheet is not None:
        wanted = [t for t in tables if t.sheet == options.sheet] or [
            t for t in tables if plain_name(t.sheet) == plain_name(options.sheet)
        ]
        names = "、".join(f"「{t.sheet}」" for t in tables)
        if not wanted:
            raise FileRefused(
                f"{tables[0].name}：没有名为「{options.sheet}」的工作表，现有 {names}"
            )
        if len(wanted) > 1:
            raise FileRefused(
                f"{tables[0].name}：有多个工作表名为「{options.sheet}」（{names}），"
                "请照工作表标签原样填写"
            )
        table = wanted[0]
        found = _find_header(table, columns, mapping, core)
        if found is None:
            raise _no_header(table, columns, needed)
        return _layout(table, columns, options, *found)

    candidates = []
    for table in tables:
        if not table.visible or (len(tables) > 1 and _is_example(table)):
            continue
        found = _find_header(table, columns, mapping, core)
        if found is not None:
            candidates.append((table, found))
    if len(candidates) > 1:
        names = "、".join(f"「{t.sheet}」" for t, _ in candidates)
        raise FileRefused(
            f"{tables[0].name}：有多个工作表都像{_what(columns)}：{names}，"
            f"请用 --sheet 指定要导入的一个（网页导入：选择工作表）"
        )
    if not candidates:
        skipped = [t for t in tables if t.visible and len(tables) > 1 and _is_example(t)]
        if skipped and any(_find_header(t, columns, mapping, core) for t in skipped):
            names = "、".join(f"「{t.sheet}」" for t in skipped)
            raise FileRefused(
                f"{tables[0].name}：只有示例或说明工作表 {names} 有表头，未导入；"
                f"若它就是要导入的表，请用 --sheet 指定"
            )
        visible = [t for t in tables if t.visible] or tables
        first = next((t for t in visible if t.active), visible[0])
        raise _no_header(first, columns, needed)
    table, found = candidates[0]
    layout = _layout(table, columns, options, *found)
    # Instructions, examples and hidden option lists (a template's own sheets) go unsaid.
    others = [
        t.sheet for t in tables if t is not table and t.sheet and t.visible and not _is_example(t)
    ]
    if others:
        layout.notes.append("其余工作表未导入：" + "、".join(f"「{s}」" for s in others))
    return layout


def _what(columns: tuple[Column, ...]) -> str:
    return "任务台账" if any(c.key == "lead_unit" for c in columns) else "月度进展表"


def _no_header(table: Table, columns: tuple[Column, ...], core: set[str]) -> FileRefused:
    spellings = lookup(columns)
    best: tuple[int, set[str]] | None = None
    for number, cells in table.rows[:HEADER_ROWS]:
        found = {spellings[fold(c)] for c in cells if fold(c) in spellings}
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
    titles = {c.key: c.title for c in columns}
    if best is None:
        expected = "、".join(titles[k] for k in columns_in_order(columns, core))
        return FileRefused(
            f"{table.where}：找不到表头行，前 {HEADER_ROWS} 行中没有 {expected} 等列名"
        )
    missing = "、".join(titles[k] for k in columns_in_order(columns, core - best[1]))
    return FileRefused(f"{table.where} 第{best[0]}行：表头缺少必填列：{missing}")


def columns_in_order(columns: tuple[Column, ...], keys: set[str]) -> list[str]:
    return [c.key for c in columns if c.key in keys]


def _layout(
    table: Table,
    columns: tuple[Column, ...],
    options: Options,
    header_index: int,
    two_rows: bool,
    found: dict[str, list[int]],
) -> Layout:
    names = _header_names(table, header_index - 1 if two_rows else header_index, two_rows)
    first_header = header_index - 1 if two_rows else header_index
    titles = {c.key: c.title for c in columns}
    data_rows = [n for n, cells in table.rows[header_index + 1 :] if any(map(cell_text, cells))]
    notes: list[str] = []

    hidden_columns = sorted(i for i in table.hidden_columns if i < len(names) and fold(names[i]))
    hidden_rows = [n for n in data_rows if n in table.hidden_rows]
    if (hidden_columns or hidden_rows) and options.hidden == "refuse":
        parts = []
        if hidden_columns:
            parts.append(
                "、".join(f"{column_letter(i)}列「{cell_text(names[i])}」" for i in hidden_columns)
                + " 被隐藏"
            )
        if hidden_rows:
            parts.append(f"第 {_rows_text(hidden_rows)} 行被隐藏（含筛选隐藏）")
        raise FileRefused(
            f"{table.where}：{'；'.join(parts)}。隐藏的内容不会不声不响地导入或丢弃："
            "要一并导入请用 --include-hidden，要跳过请用 --skip-hidden（网页导入：勾选相应选项）"
        )
    skip_columns: set[int] = set()
    if hidden_columns and options.hidden == "skip":
        skip_columns = set(hidden_columns)
        notes.append(
            "已跳过隐藏的列："
            + "、".join(f"{column_letter(i)}列「{cell_text(names[i])}」" for i in hidden_columns)
        )
    if hidden_rows and options.hidden == "include":
        notes.append(f"隐藏的第 {_rows_text(hidden_rows)} 行已一并导入")
    elif hidden_columns and options.hidden == "include":
        notes.append(
            "隐藏的列已一并读取："
            + "、".join(f"{column_letter(i)}列「{cell_text(names[i])}」" for i in hidden_columns)
        )

    positions: dict[str, int] = {}
    doubled: list[str] = []
    for key, places in found.items():
        places = [p for p in places if p not in skip_columns]
        if not places:
            continue
        if len(places) > 1:
            shown = "、".join(f"{column_letter(p)}列「{cell_text(names[p])}」" for p in places)
            doubled.append(f"{shown} 都对应「{titles[key]}」")
        positions[key] = places[0]
    if doubled:
        key = next(k for k in found if len(found[k]) > 1)
        example = cell_text(names[found[key][1]])
        target = "配合单位" if key == "lead_unit" else "忽略"
        raise FileRefused(
            f"{table.where}：{'；'.join(doubled)}，无法确定哪一列是哪个字段。"
            f"请用 --map 说明，如 --map '{example}={target}'（字段写「忽略」则不导入该列）"
        )
    if hidden_rows and options.hidden == "skip":
        notes.append(_skip_rows(table, header_index, positions))
    used = set(positions.values())
    ignored = [
        f"{column_letter(i)}列「{cell_text(names[i])}」"
        for i in range(len(names))
        if fold(names[i]) and i not in used and i not in skip_columns
    ]
    title_texts = [
        cell_text(c) for _, cells in table.rows[:first_header] for c in cells if cell_text(c)
    ]
    return Layout(table, header_index, positions, title_texts, ignored, notes)


def _skip_rows(table: Table, header_index: int, positions: dict[str, int]) -> str:
    """Drop the hidden rows, and the visible rows that continue a task whose first row is
    hidden (their task cells are blank): they would otherwise join the task above."""
    key = positions.get("task_code", positions.get("seq"))
    kept, dropped, skipping = [], [], False
    for number, cells in table.rows[header_index + 1 :]:
        if number in table.hidden_rows:
            dropped.append(number)
            skipping = True
        elif key is not None and not cell_text(cells[key] if key < len(cells) else None):
            if skipping and any(map(cell_text, cells)):
                dropped.append(number)
            else:
                kept.append((number, cells))
        else:
            skipping = False
            kept.append((number, cells))
    shown = [n for n in dropped if n in table.hidden_rows]
    joined = [n for n in dropped if n not in table.hidden_rows]
    table.rows = table.rows[: header_index + 1] + kept
    note = f"已跳过隐藏的第 {_rows_text(shown)} 行"
    if joined:
        note += f"，以及接在隐藏任务下的第 {_rows_text(joined)} 行"
    return note


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(n) for n in rows[:20])
    return shown + (f" 等 {len(rows)} 行" if len(rows) > 20 else "")


def section_text(cells: list[object]) -> str | None:
    """The heading of an area section row ("一、总体（10项）" → "总体"), or None."""
    texts = {cell_text(c) for c in cells if cell_text(c)}
    if len(texts) != 1:
        return None
    text = halfwidth(texts.pop())
    if split_nodes(text):  # "1、2021年6月底前：…；2、…" is a node cell, not a heading
        return None
    stripped = _NUMBERING.sub("", text, count=1)
    if stripped == text and not _COUNT.search(text):
        return None
    return _COUNT.sub("", stripped).strip() or None


def plain_section(cells: list[object], areas: dict[str, object]) -> str | None:
    """A row holding only an area's name (no numbering) is a heading too."""
    texts = {cell_text(c) for c in cells if cell_text(c)}
    if len(texts) == 1:
        text = texts.pop()
        if text in areas or text.lower() in areas:
            return text
    return None


def is_footer(cells: list[object]) -> bool:
    texts = [cell_text(c) for c in cells if cell_text(c)]
    if not texts or len(set(texts)) > 4:
        return False
    return halfwidth(texts[0]).startswith(FOOTER_WORDS)


def records(layout: Layout, areas: dict[str, object]) -> Iterator[Record | tuple[str, int, str]]:
    """Data rows as Records; section and footer rows as ("section"|"footer", row, text)."""
    section = ""
    positions = layout.positions
    rows = layout.table.rows[layout.header_index + 1 :]
    # Footer rows close the table: only the rows after the last data row can be footers,
    # so a node written "审核通过实施细则" in the middle stays a node.
    tail = len(rows)
    while tail and (not any(map(cell_text, rows[tail - 1][1])) or is_footer(rows[tail - 1][1])):
        tail -= 1
    for index, (number, cells) in enumerate(rows):
        if not any(cell_text(c) for c in cells):
            continue
        heading = section_text(cells) or plain_section(cells, areas)
        if heading is not None:
            section = heading
            yield ("section", number, heading)
            continue
        if index >= tail:
            yield ("footer", number, cell_text(next(c for c in cells if cell_text(c))))
            continue
        values = {key: (cells[pos] if pos < len(cells) else None) for key, pos in positions.items()}
        if all(cell_text(v) == "" for v in values.values()):
            continue
        yield Record(number, values, section)
