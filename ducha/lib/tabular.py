"""Read a spreadsheet (xlsx or csv) into rows of cells, refusing hostile files early.

Everything a clerk's Excel can produce is accepted: CSV in UTF-8 with or without BOM or
in GBK/GB18030, a title row above the header, merged cells. Hostile files are refused
before any parsing, in bounded time and memory: oversized files, files whose content is
not what their extension says, xlsx zip bombs (by the declared uncompressed sizes, which
the zip reader also enforces) and XML with DTDs or entities (also blocked by defusedxml).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.utils.cell import range_boundaries

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * MB
    max_unzipped_bytes: int = 100 * MB
    max_zip_members: int = 2000
    max_rows: int = 100_000


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class Table:
    name: str
    rows: list[tuple[int, list[object]]]  # (row number as Excel shows it, cells)
    kind: str  # "xlsx" or "csv"
    notes: list[str] = field(default_factory=list)
    sheet: str = ""  # the worksheet's title; "" for CSV
    visible: bool = True
    active: bool = True
    hidden_rows: set[int] = field(default_factory=set)  # row numbers, hidden or filtered out
    hidden_columns: set[int] = field(default_factory=set)  # 0-based column indexes

    @property
    def where(self) -> str:
        """The file and, for a workbook, the sheet: 台账.xlsx 工作表「台账」."""
        return f"{self.name} 工作表「{self.sheet}」" if self.sheet else self.name


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
DTD_PATTERN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

# Said to every clerk whose file is refused for its format: the programs they have.
SAVE_AS_XLSX = "请在 Excel、WPS 或 LibreOffice 中另存为 .xlsx 后再导入"
OTHER_SPREADSHEETS = {
    ".xls": "旧版 .xls 文件",
    ".et": "WPS 表格的 .et 文件",
    ".ett": "WPS 表格的 .ett 模板",
    ".ods": "LibreOffice 的 .ods 文件",
    ".xlsb": "Excel 二进制 .xlsb 文件",
}


def read_table(path: str | Path, limits: Limits = Limits(), name: str | None = None) -> Table:
    """The first visible sheet (or the CSV)."""
    tables = read_tables(path, limits, name)
    visible = [t for t in tables if t.visible]
    if not visible:
        raise FileRefused(f"{tables[0].name}：工作簿里没有可见的工作表")
    return visible[0]


def read_tables(
    path: str | Path, limits: Limits = Limits(), name: str | None = None
) -> list[Table]:
    """Every sheet of a workbook, in the workbook's order (a CSV is one table)."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise FileRefused(f"{name}：文件不存在")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(
            f"{name}：文件大小 {size / MB:.1f} MB，超过上限 {limits.max_bytes / MB:.0f} MB"
        )
    with path.open("rb") as f:
        head = f.read(8192)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if head.startswith(OLE_MAGIC):
            raise FileRefused(f"{name}：这是旧版 .xls 文件，{SAVE_AS_XLSX}")
        if not head.startswith(XLSX_MAGIC):
            raise FileRefused(
                f"{name}：扩展名是 {suffix}，但内容不是 Excel（xlsx）文件，{SAVE_AS_XLSX}"
            )
        return _read_xlsx(path, name, limits)
    if suffix in (".csv", ".txt"):
        if head.startswith((XLSX_MAGIC, OLE_MAGIC)) or b"\x00" in head:
            raise FileRefused(f"{name}：扩展名是 {suffix}，但内容不是文本 CSV 文件")
        return [_read_csv(path.read_bytes(), name, limits)]
    if suffix in OTHER_SPREADSHEETS:
        raise FileRefused(f"{name}：不支持{OTHER_SPREADSHEETS[suffix]}，{SAVE_AS_XLSX}")
    raise FileRefused(f"{name}：只能导入 .xlsx 或 .csv 文件，{SAVE_AS_XLSX}")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileRefused(
            f"{name}：第{line}行有无法识别的字符，文件编码既不是 UTF-8 也不是 GBK/GB18030"
        ) from None


def _read_csv(data: bytes, name: str, limits: Limits) -> Table:
    text = decode_text(data, name)
    sample = text[:4096]
    delimiter = ","
    if "\t" in sample.split("\n", 1)[0] and "," not in sample.split("\n", 1)[0]:
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[object]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if number > limits.max_rows + 20:
                raise FileRefused(f"{name}：超过 {limits.max_rows} 行的上限，请分批导入")
            rows.append((number, list(record)))
    except csv.Error as e:
        raise FileRefused(f"{name}：第{reader.line_num}行 CSV 格式错误（{e}）") from None
    return Table(name=name, rows=rows, kind="csv")


def _check_zip(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise FileRefused(
            f"{name}：压缩包内有 {len(members)} 个文件，不像正常的 Excel 文件，已拒绝"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise FileRefused(
            f"{name}：解压后有 {total / MB:.0f} MB，"
            f"超过上限 {limits.max_unzipped_bytes / MB:.0f} MB（可能是压缩炸弹），已拒绝"
        )
    for m in members:
        if m.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(m) as f:
                # A DTD must come before the root element, so the head of the part is enough;
                # defusedxml still guards anything this cheap check misses.
                if DTD_PATTERN.search(f.read(65536)):
                    raise FileRefused(
                        f"{name}：内部 XML（{m.filename}）含有 DTD/实体声明，"
                        "可能是 XML 实体攻击，已拒绝"
                    )


def _read_xlsx(path: Path, name: str, limits: Limits) -> list[Table]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileRefused(f"{name}：文件已损坏，无法作为 xlsx 打开") from None
    with archive:
        _check_zip(archive, name, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (DefusedXmlException, KeyError, ValueError, zipfile.BadZipFile, OSError) as e:
        if _caused_by_dtd(e):
            raise FileRefused(f"{name}：内部 XML 含有 DTD/实体声明，已拒绝") from None
        raise FileRefused(f"{name}：无法作为 Excel 文件读取（{str(e).splitlines()[0]}）") from None
    tables: list[Table] = []
    try:
        active = workbook.active
        budget = limits.max_rows + 20
        for sheet in workbook.worksheets:
            table = _read_sheet(workbook, sheet, name, budget, limits.max_rows)
            table.active = sheet is active
            budget -= len(table.rows)
            tables.append(table)
    except (DefusedXmlException, ParseError, ValueError, KeyError) as e:
        if _caused_by_dtd(e):
            raise FileRefused(f"{name}：内部 XML 含有 DTD/实体声明，已拒绝") from None
        raise FileRefused(f"{name}：工作表内容无法解析（{str(e).splitlines()[0]}）") from None
    finally:
        workbook.close()
    if not tables:
        raise FileRefused(f"{name}：工作簿里没有工作表")
    return tables


def _read_sheet(workbook, sheet, name: str, budget: int, max_rows: int) -> Table:
    rows: list[tuple[int, list[object]]] = []
    if not hasattr(sheet, "iter_rows"):  # a chart sheet holds no cells
        return Table(name=name, rows=[], kind="xlsx", sheet=sheet.title, visible=False)
    sheet.reset_dimensions()  # trust the rows, not a possibly stale <dimension>
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if not cells:
            continue
        if len(rows) > budget:
            raise FileRefused(f"{name}：超过 {max_rows} 行的上限，请分批导入")
        rows.append((number, [_cell_value(c) for c in cells]))
    layout = _sheet_layout(workbook, sheet)
    table = Table(
        name=name,
        rows=rows,
        kind="xlsx",
        sheet=sheet.title,
        visible=sheet.sheet_state == "visible",
        hidden_rows=layout.hidden_rows,
        hidden_columns=layout.hidden_columns,
    )
    if layout.merges:
        _fill_merges(table, layout.merges)
        table.notes.append(f"已按合并单元格填充 {len(layout.merges)} 处")
    return table


def _caused_by_dtd(error: BaseException | None) -> bool:
    """openpyxl wraps parser errors; look down the chain for defusedxml's refusal."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


# The first section of a number format, without colours, padding, literals and escapes.
_FORMAT_NOISE = re.compile(r'\[[^\]]*\]|_.|\\.|"[^"]*"|\s')
_FIXED_DECIMALS = re.compile(r"^[#,0]*?(?P<zeros>0*)(?:\.(?P<fixed>0*)(?P<optional>#*))?$")
_YEAR_LESS_DATE = re.compile(r"^[^y]*[md][^y]*$", re.IGNORECASE)


def displayed(value: int | float, fmt: str) -> object:
    """A number as the cell shows it. Excel keeps 40% as 0.4, a "2021.10" typed into a
    cell formatted 0.00 as 2021.1, and 007 formatted 000 as 7: what the clerk saw is what
    they meant."""
    if "%" in fmt:
        return f"{round(value * 100, 6):g}%"
    section = _FORMAT_NOISE.sub("", fmt.split(";", 1)[0])
    m = _FIXED_DECIMALS.match(section)
    if not m or not section or section.lower() == "general":
        return value
    fixed, optional = len(m["fixed"] or ""), len(m["optional"] or "")
    text = f"{value:.{fixed + optional}f}"
    if optional:  # 0.0# shows 2021.12 and 2021.1 as 2021.12 and 2021.1
        whole, _, decimals = text.partition(".")
        decimals = decimals.rstrip("0").ljust(fixed, "0")
        text = f"{whole}.{decimals}" if decimals else whole
    zeros = len(m["zeros"] or "")
    if zeros > 1 and float(value).is_integer() and value >= 0:
        return text.rjust(zeros + len(text) - len(text.split(".")[0]), "0")
    if text == str(value) or (float(value).is_integer() and text == str(int(value))):
        return value
    return text


def _year_less(value: dt.datetime, fmt: str) -> object:
    """A date whose format shows no year ("3月31日") is what the clerk saw: Excel filled
    in the year it was typed in, which is not the ledger's."""
    section = _FORMAT_NOISE.sub("", fmt.split(";", 1)[0]).replace("年", "")
    if section and _YEAR_LESS_DATE.match(section) and "d" in section.lower():
        return f"{value.month}月{value.day}日"
    if section and _YEAR_LESS_DATE.match(section):
        return f"{value.month}月"
    return value


def _cell_value(cell) -> object:
    value = cell.value
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return displayed(value, fmt)
    if isinstance(value, dt.datetime | dt.date) and fmt:
        return _year_less(value, fmt)
    return value


@dataclass
class _Layout:
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)


def _sheet_layout(workbook, sheet) -> _Layout:
    """Merged ranges (min_row, min_col, max_row, max_col), hidden rows (a filter hides rows
    the same way) and hidden columns: read-only mode reads none of them."""
    layout = _Layout()
    with workbook._archive.open(sheet._worksheet_path) as src:
        for _event, element in iterparse(src, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                layout.merges.append((min_row, min_col, max_row, max_col))
            elif tag == "row":
                if element.get("hidden") in ("1", "true") and element.get("r"):
                    layout.hidden_rows.add(int(element.get("r")))
                element.clear()
            elif tag == "col":
                if element.get("hidden") in ("1", "true"):
                    first, last = int(element.get("min")), int(element.get("max"))
                    # A style run to the sheet's edge is 16,384 columns: keep 2,000.
                    layout.hidden_columns.update(range(first - 1, min(last, first + 2000)))
            elif tag == "c":
                element.clear()
    return layout


MAX_MERGED_CELLS = 1_000_000


def _fill_merges(table: Table, merges: Iterable[tuple[int, int, int, int]]) -> None:
    """Give every cell of a merged range the range's value, within the cells the sheet
    holds: a range drawn to column XFD would otherwise be 16,384 cells a row."""
    by_number = {number: cells for number, cells in table.rows}
    last_row = table.rows[-1][0] if table.rows else 0
    width = max((len(cells) for _, cells in table.rows), default=0)
    clipped = [
        (r1, c1, min(r2, last_row), min(c2, width))
        for r1, c1, r2, c2 in merges
        if r1 <= last_row and c1 <= width
    ]
    area = sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2 in clipped)
    if area > MAX_MERGED_CELLS:
        raise FileRefused(
            f"{table.where}：合并单元格共覆盖 {area} 个单元格，超过上限 {MAX_MERGED_CELLS}，"
            "请取消不必要的合并后再导入"
        )
    for min_row, min_col, max_row, max_col in clipped:
        top = by_number.get(min_row)
        if top is None or len(top) < min_col:
            continue
        value = top[min_col - 1]
        for r in range(min_row, max_row + 1):
            cells = by_number.get(r)
            if cells is None:
                continue
            for c in range(min_col, max_col + 1):
                if (r, c) == (min_row, min_col):
                    continue
                while len(cells) < c:
                    cells.append(None)
                if cells[c - 1] in (None, ""):
                    cells[c - 1] = value


# --- cell normalisation -------------------------------------------------------------

_FULLWIDTH = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}
_FULLWIDTH.update({"\u3000": " ", "\u00a0": " ", "\ufeff": "", "\u200b": ""})
_HALFWIDTH = str.maketrans(_FULLWIDTH)


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms."""
    return text.translate(_HALFWIDTH)


def cell_text(value: object) -> str:
    """A cell as trimmed text; numbers as Excel shows them (2021, not 2021.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\ufeff", "").replace("\u200b", "")
    return " ".join(text.split()) if "\n" not in text else text.strip()


def column_letter(index: int) -> str:
    """0-based column index to its Excel letter."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
