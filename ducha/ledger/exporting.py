"""The ledger back out to Excel, in the layout the importer reads (a round trip)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ducha.ledger.columns import JURISDICTION_COLUMN, LEDGER_COLUMNS
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.months import format_month
from ducha.lib.xlsx import (
    A3,
    BOX,
    WRAP,
    block_edge,
    fit_row,
    print_setup,
    set_text,
    write_header,
)
from ducha.org.models import Jurisdiction

TASK_COLUMNS = ("task_code", "area", "title", "source", "leader", "lead_unit", "co_units")
TRAILING_TASK_COLUMNS = ("requirements", "start_month", "status")
# A little wider than an A3 landscape page: fit to width prints it at about 90 %, with
# each task's first row two or three lines tall and every node row one.
WIDTHS = {
    "task_code": 12,
    "area": 9,
    "title": 28,
    "source": 8,
    "leader": 9,
    "lead_unit": 16,
    "co_units": 26,
    "node_code": 8,
    "node": 30,
    "due": 9,
    "requirements": 52,
    "start_month": 9,
    "status": 8,
}
JURISDICTION_WIDTH = 10


def ledger_rows(tasks) -> list[tuple[Task, list[dict[str, str]]]]:
    out = []
    for task in tasks:
        shared = {
            "task_code": task.code,
            "area": task.area.name,
            "title": task.title,
            "source": task.get_source_display(),
            "leader": "、".join(task.leader_names()),
            "lead_unit": "、".join(task.lead_unit_names()),
            "co_units": "、".join(task.co_unit_names()),
            "requirements": task.requirements,
            "start_month": format_month(task.start_month) if task.start_month else "",
            "status": task.get_status_display(),
        }
        # Every month in one form, whatever form each clerk first wrote it in.
        rows = [
            shared | {"node_code": n.code, "node": n.title, "due": format_month(n.due_month)}
            for n in task.nodes.all()
        ]
        out.append((task, rows))
    return out


def export_ledger(path: str | Path, tasks=None, *, jurisdiction: Jurisdiction | None = None) -> int:
    """Write one jurisdiction's ledger (None: the home one) to `path`; returns the number
    of node rows written.

    In Chinese whatever the reader's language, so that it always imports back. Another
    jurisdiction's ledger names it in a 辖区 column on every row: imported without
    --jurisdiction, it is refused rather than written into the home ledger."""
    jurisdiction = Jurisdiction.objects.resolve(jurisdiction)
    with translation.override(settings.LANGUAGE_CODE):
        return _export_ledger(path, tasks, jurisdiction)


def _export_ledger(path: str | Path, tasks, jurisdiction: Jurisdiction) -> int:
    if tasks is None:
        tasks = Task.objects.filter(jurisdiction=jurisdiction)
    tasks = (
        tasks.select_related("area", "leader", "lead_unit")
        .with_co_units()
        .prefetch_related("nodes")
        .order_by("code")
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "改革任务台账"
    columns = [c for c in LEDGER_COLUMNS if c.key in WIDTHS]  # no 序号: codes are written
    widths_of = WIDTHS
    if not jurisdiction.home:
        columns.insert(0, JURISDICTION_COLUMN)
        widths_of = WIDTHS | {JURISDICTION_COLUMN.key: JURISDICTION_WIDTH}
    keys = [c.key for c in columns]
    widths = [widths_of[key] for key in keys]
    write_header(sheet, 1, [(c.title, widths_of[c.key]) for c in columns])
    sheet.freeze_panes = "A2"

    # No merged cells: a merged block split by a page break prints badly (LibreOffice draws
    # it again over the next page's header), and Excel ignores manual page breaks when it
    # fits a sheet to the page width, so no break could keep a block whole. The task code
    # goes on every row instead, the other task cells on the task's first row, and the
    # borders draw the block; the importer reads blank task cells as the task's own.
    task_columns = {keys.index(k) + 1 for k in (*TASK_COLUMNS, *TRAILING_TASK_COLUMNS)}
    task_columns.discard(keys.index("task_code") + 1)
    row_number, written = 2, 0
    for _task, rows in ledger_rows(tasks):
        for index, row in enumerate(rows):
            row[JURISDICTION_COLUMN.key] = jurisdiction.name
            values = [
                None if index and col in task_columns else row[key]
                for col, key in enumerate(keys, start=1)
            ]
            for col, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=col)
                set_text(cell, value)
                cell.alignment = WRAP
                if col in task_columns:
                    cell.border = block_edge(first=index == 0, last=index == len(rows) - 1)
                else:
                    cell.border = BOX
            fit_row(sheet, row_number, values, widths)
            row_number += 1
            written += 1
    last = max(row_number - 1, 1)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{last}"
    whose = settings.DUCHA_CITY if jurisdiction.home else jurisdiction.name
    heading = f"{whose}改革任务台账（{clock.today().isoformat()} 导出）"
    print_setup(sheet, paper=A3, landscape=True, repeat_rows="1:1", heading=heading, titled=False)
    workbook.save(path)
    return written
