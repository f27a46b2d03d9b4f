"""A published board as CSV and xlsx (JSON is the snapshot itself; PDF is in poster.py)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ducha.lib.xlsx import FORMULA_TRIGGERS, HEADER_FILL, HEADER_FONT, WRAP, set_text
from ducha.ratings.marks import MARKS, mark

COLUMNS = [
    ("task", "任务编号", 12),
    ("area", "领域", 8),
    ("title", "任务名称", 44),
    ("source", "任务来源", 8),
    ("lead_unit", "牵头单位", 20),
    ("leader", "分管市领导", 10),
    ("rating_name", "评价", 8),
    ("colour", "颜色", 6),
    ("reasons", "评价说明", 60),
]


def rows(board: dict) -> list[dict]:
    out = []
    for t in sorted(board["tasks"], key=lambda t: (t["area_order"], t["task"])):
        m = mark(t["rating"])
        name, colour = m.name, m.colour
        out.append(
            t
            | {
                "rating_name": name + ("（调整）" if t["override"] else ""),
                "colour": colour,
                "reasons": "；".join(r["text"] for r in t["reasons"]),
            }
        )
    return out


def _csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run "=..." as a formula; a leading quote keeps it text.
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def board_csv(board: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for _, title, _ in COLUMNS])
    for row in rows(board):
        writer.writerow([_csv_safe(row[key]) for key, _, _ in COLUMNS])
    return buffer.getvalue()


def board_xlsx(board: dict, output) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{board['month']}四色公示"
    title = f"{board['month'][:4]}年{int(board['month'][5:])}月改革任务四色督查公示"
    set_text(sheet.cell(row=1, column=1), f"{title}（第{board['version']}版）")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for col, (_, header, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=col)
        set_text(cell, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "A3"
    rating_col = [key for key, _, _ in COLUMNS].index("rating_name") + 1
    for r, row in enumerate(rows(board), start=3):
        for col, (key, _, _) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=r, column=col)
            set_text(cell, row[key])
            cell.alignment = WRAP
        if row["rating"]:
            m = MARKS[row["rating"]]
            cell = sheet.cell(row=r, column=rating_col)
            cell.fill = PatternFill("solid", fgColor=m.solid.lstrip("#"))
            cell.font = Font(bold=True, color=m.on_solid.lstrip("#"))

    units = workbook.create_sheet("单位汇总")
    headers = ["排名", "牵头单位", *(m.name for m in MARKS.values()), "本月得分"]
    for col, header in enumerate(headers, start=1):
        cell = units.cell(row=1, column=col)
        set_text(cell, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    units.column_dimensions["B"].width = 24
    for r, u in enumerate(board["units"], start=2):
        values = [u["rank"], u["unit"], u["horse"], u["ox"], u["ostrich"], u["snail"], u["score"]]
        for col, value in enumerate(values, start=1):
            set_text(units.cell(row=r, column=col), value)

    footer = sheet.max_row + 2
    set_text(sheet.cell(row=footer, column=1), f"发布时间 {board['published_at']}")
    set_text(sheet.cell(row=footer + 1, column=1), f"SHA-256 {board['sha256']}")
    set_text(sheet.cell(row=footer + 2, column=1), f"上一条 {board['previous'] or '（首条）'}")
    workbook.save(output)
