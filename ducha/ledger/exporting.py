"""The ledger back out to Excel, in the layout the importer reads (a round trip)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ducha.ledger.columns import LEDGER_COLUMNS
from ducha.ledger.models import Node, Task
from ducha.lib.cells import parse_month
from ducha.lib.months import format_month
from ducha.lib.xlsx import HEADER_FILL, HEADER_FONT, WRAP, set_text

TASK_COLUMNS = ("task_code", "area", "title", "source", "leader", "lead_unit", "co_units")
TRAILING_TASK_COLUMNS = ("requirements", "start_month", "status")
WIDTHS = {"title": 40, "node": 40, "co_units": 30, "requirements": 30, "lead_unit": 20}


def _due_text(node: Node) -> str:
    """The due as the clerk wrote it, unless that no longer says the stored month."""
    try:
        if node.due_text and parse_month(node.due_text) == node.due_month:
            return node.due_text
    except ValueError:
        pass
    return format_month(node.due_month)


def ledger_rows(tasks) -> list[tuple[Task, list[dict[str, str]]]]:
    out = []
    for task in tasks:
        co_units = "、".join(
            u.name for u in sorted(task.co_units.all(), key=lambda u: (u.order, u.name))
        )
        shared = {
            "task_code": task.code,
            "area": task.area.name,
            "title": task.title,
            "source": task.get_source_display(),
            "leader": task.leader.name,
            "lead_unit": task.lead_unit.name,
            "co_units": co_units,
            "requirements": task.requirements,
            "start_month": format_month(task.start_month) if task.start_month else "",
            "status": task.get_status_display(),
        }
        rows = [
            shared | {"node_code": n.code, "node": n.title, "due": _due_text(n)}
            for n in task.nodes.all()
        ]
        out.append((task, rows))
    return out


def export_ledger(path: str | Path, tasks=None) -> int:
    """Write the ledger to `path`; returns the number of node rows written.

    In Chinese whatever the reader's language, so that it always imports back."""
    with translation.override(settings.LANGUAGE_CODE):
        return _export_ledger(path, tasks)


def _export_ledger(path: str | Path, tasks=None) -> int:
    if tasks is None:
        tasks = Task.objects.all()
    tasks = (
        tasks.select_related("area", "leader", "lead_unit")
        .prefetch_related("co_units", "nodes")
        .order_by("code")
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "改革任务台账"
    keys = [c.key for c in LEDGER_COLUMNS]
    for col, column in enumerate(LEDGER_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col)
        set_text(cell, column.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(col)].width = WIDTHS.get(column.key, 12)
    sheet.freeze_panes = "A2"

    row_number, written = 2, 0
    merged = [keys.index(k) + 1 for k in (*TASK_COLUMNS, *TRAILING_TASK_COLUMNS)]
    for _task, rows in ledger_rows(tasks):
        first = row_number
        for index, row in enumerate(rows):
            for col, key in enumerate(keys, start=1):
                if index and col in merged:
                    continue  # continuation rows inherit the task cells (merged below)
                cell = sheet.cell(row=row_number, column=col)
                set_text(cell, row[key])
                cell.alignment = WRAP
            row_number += 1
            written += 1
        if len(rows) > 1:
            for col in merged:
                sheet.merge_cells(
                    start_row=first, start_column=col, end_row=row_number - 1, end_column=col
                )
    workbook.save(path)
    return written
