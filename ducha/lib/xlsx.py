"""Writing xlsx: cells that never turn into formulas, and sheets that print as they show.

Every workbook Ducha writes is printed by someone in Excel, WPS or LibreOffice. A sheet
carries its own paper, orientation, fit-to-width, repeated header row and page numbers,
and every row the height its wrapped text needs: LibreOffice does not grow a row on
opening a file, so a row without a height prints only the first line of a wrapped cell.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Sequence

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# What a workbook is served as (downloads) and checked as (uploads).
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
HEADER_ALIGN = Alignment(wrap_text=True, horizontal="center", vertical="center")
TITLE_FONT = Font(bold=True, size=14)
TITLE_ALIGN = Alignment(horizontal="center", vertical="center")
WRAP = Alignment(wrap_text=True, vertical="center")
# Spreadsheets print no gridlines unless asked: printed tables draw their own.
EDGE = Side(style="thin", color="9AA1AB")
BOX = Border(left=EDGE, right=EDGE, top=EDGE, bottom=EDGE)

A4, A3 = 9, 8  # the paper size codes of the xlsx format

# A CJK character is about two column units wide (the unit is the default font's digit,
# 7 px; a Chinese character at 11 pt is 15 px in Excel and WPS, less in LibreOffice).
# Counting it a little wider than two keeps the estimate on the safe side for all three.
WIDE = 2.2
# Points per line of 11 pt text with a Chinese font (宋体 and 等线 take 14.25), plus the
# cell's top and bottom padding once per row.
LINE_POINTS = 15.0
ROW_PADDING = 3.0
TITLE_HEIGHT = 28.0
SCORE_FORMAT = "0.0"  # scores are rounded to one decimal: 80 shows as 80.0


def set_text(cell: Cell, value: object) -> None:
    """Put a value in a cell; text is always stored as text, even "=1+1" or "@SUM(A1)".

    openpyxl would store a string starting with "=" as a formula; Excel and WPS would
    evaluate "+", "-" and "@" ones when the user edits the cell. Force the string type and
    set the quote prefix so the cell stays text in every spreadsheet program.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True


def text_width(text: str) -> float:
    """The width of one line of text in column units."""
    return sum(WIDE if unicodedata.east_asian_width(ch) in "WFA" else 1.0 for ch in text)


def lines_needed(value: object, width: float) -> int:
    """How many lines a wrapped cell of `width` column units takes to show `value` whole."""
    if value is None or value == "":
        return 1
    # About a unit and a half goes to the cell's padding and to the room that whole words
    # and line-breaking rules (no "，" at a line's start) leave at the end of a line.
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in str(value).split("\n"))


def height_for(lines: int) -> float:
    return lines * LINE_POINTS + ROW_PADDING


def fit_row(sheet: Worksheet, row: int, values: Sequence[object], widths: Sequence[float]) -> int:
    """Give a row the height its tallest wrapped cell needs; returns the lines it takes."""
    lines = max(lines_needed(v, w) for v, w in zip(values, widths, strict=True))
    sheet.row_dimensions[row].height = height_for(lines)
    return lines


def block_edge(first: bool, last: bool) -> Border:
    """The border of one cell of a column of cells that should read as one block."""
    return Border(
        left=EDGE, right=EDGE, top=EDGE if first else Side(), bottom=EDGE if last else Side()
    )


def title_row(sheet: Worksheet, row: int, text: str, columns: int) -> None:
    """A title merged across the table's columns."""
    cell = sheet.cell(row=row, column=1)
    set_text(cell, text)
    cell.font, cell.alignment = TITLE_FONT, TITLE_ALIGN
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    sheet.row_dimensions[row].height = TITLE_HEIGHT


def note_rows(sheet: Worksheet, row: int, lines: Sequence[str], columns: int) -> None:
    """Lines under a table, each merged across its columns so that none is cut at print."""
    for offset, text in enumerate(lines):
        cell = sheet.cell(row=row + offset, column=1)
        set_text(cell, text)
        sheet.merge_cells(
            start_row=row + offset, start_column=1, end_row=row + offset, end_column=columns
        )


def write_header(sheet: Worksheet, row: int, columns: Sequence[tuple[str, float]]) -> None:
    """The header row of a table, (title, width) per column, and the columns' widths."""
    for col, (title, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=col)
        set_text(cell, title)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        cell.border = BOX
        sheet.column_dimensions[get_column_letter(col)].width = width
    fit_row(sheet, row, [title for title, _ in columns], [width for _, width in columns])


def write_table(
    sheet: Worksheet,
    header_row: int,
    columns: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[object]],
    number_formats: dict[int, str] | None = None,
) -> int:
    """A header row of (title, width) and rows of values below it, filterable, every row
    tall enough for its wrapped text, the header frozen. Returns the last row written.

    `number_formats` maps 1-based columns to an Excel number format."""
    number_formats = number_formats or {}
    widths = [width for _, width in columns]
    write_header(sheet, header_row, columns)
    last = header_row
    for last, values in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=last, column=col)
            set_text(cell, value)
            cell.alignment, cell.border = WRAP, BOX
            if col in number_formats:
                cell.number_format = number_formats[col]
        fit_row(sheet, last, values, widths)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last}"
    sheet.freeze_panes = f"A{header_row + 1}"
    return last


def print_setup(
    sheet: Worksheet,
    *,
    paper: int,
    landscape: bool,
    repeat_rows: str,
    heading: str = "",
    titled: bool = True,
) -> None:
    """Paper, orientation, one page wide, the header rows on every page, page N of M, and
    `heading` at the top right of every page but the first when that has a title row.

    Fit to width only (fitToHeight 0): a long table runs on to as many pages as it needs,
    never shrunk to one."""
    setup = sheet.page_setup
    setup.paperSize = paper
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = repeat_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.25, footer=0.25
    )
    footer = "第 &P 页，共 &N 页"
    for part in (sheet.oddFooter.center, sheet.firstFooter.center):
        part.text, part.size = footer, 9
    if heading:
        # "&" starts a header code: a literal one is written twice.
        sheet.oddHeader.right.text = heading.replace("&", "&&")
        sheet.oddHeader.right.size = 9
        sheet.HeaderFooter.differentFirst = titled


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def save_stable(workbook, output, at: dt.datetime) -> None:
    """Save so that the same workbook stamped `at` is the same bytes, whenever it is made.

    openpyxl stamps the file with the moment it writes it (docProps/core.xml's modified,
    and every zip entry's time): a published board's file would differ on each download,
    so neither its ETag, a checksum quoted in a circular nor a restore drill could rely on
    it. Here the document says `at` (a publication's time) and the entries carry none.
    """
    stamp = at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    when = stamp.isoformat().encode() + b"Z"
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + when + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
