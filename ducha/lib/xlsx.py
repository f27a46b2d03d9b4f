"""Writing xlsx cells that can never turn into formulas."""

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
WRAP = Alignment(wrap_text=True, vertical="top")


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
