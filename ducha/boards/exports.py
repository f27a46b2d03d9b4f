"""A published board as CSV and xlsx (JSON is the snapshot itself; PDF is in poster.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ducha.boards.league import League, league
from ducha.boards.units import UnitGroup, units_by_kind
from ducha.lib.months import format_month_zh, parse_month
from ducha.lib.xlsx import (
    A4,
    FORMULA_TRIGGERS,
    SCORE_FORMAT,
    note_rows,
    print_setup,
    save_stable,
    title_row,
    write_table,
)
from ducha.org.models import Jurisdiction
from ducha.ratings.marks import MARKS, mark

# (key, header, width). Fit to width prints them on one A4 landscape page at about 80 %:
# every column on the page, most rows one or two lines, the reasons beside their code.
COLUMNS = [
    ("task", "任务编号", 12),
    ("area", "领域", 9),
    ("title", "任务名称", 40),
    ("source", "任务来源", 9),
    ("lead_unit", "牵头单位", 18),
    ("leader", "分管市领导", 9),
    ("rating_name", "评价", 13),
    ("colour", "颜色", 5),
    ("reasons", "评价说明", 62),
]
# Ranked within their kind, as on the page and the poster (boards/units.py).
UNIT_COLUMNS = [
    ("类别", 11),
    ("排名", 6),
    ("牵头单位", 28),
    *((m.name, 8) for m in MARKS.values()),
    ("本月得分", 10),
]
# The counties' own table, on a sheet of its own (boards/league.py); its name column is
# headed by what they are called (县（市、区）).
LEAGUE_COLUMNS = [
    ("排名", 6),
    (None, 20),
    *((m.name, 8) for m in MARKS.values()),
    ("本月得分", 10),
    ("说明", 30),
]
UNPUBLISHED = "本月公示尚未发布，按当前评价计"


def jurisdiction_of(board: Mapping) -> Jurisdiction | None:
    """The jurisdiction whose board this is; None for the home one (its snapshots name none)."""
    slug = board.get("jurisdiction")
    return Jurisdiction.objects.get(slug=slug) if slug else None


def place_name(jurisdiction: Jurisdiction | None) -> str:
    """The name a board's title starts with: the city's, or that of the county it is of."""
    return settings.DUCHA_CITY if jurisdiction is None else jurisdiction.name


def month_league(board: Mapping, jurisdiction: Jurisdiction | None) -> League | None:
    """The league of the jurisdictions right below the board's (a city's counties) in the
    board's month, each from its own board; None when there are none below."""
    table = league([parse_month(board["month"])], jurisdiction, published_only=True)
    return table if table.below else None


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


def _groups(board: dict, jurisdiction: Jurisdiction | None):
    groups = units_by_kind(board["tasks"], jurisdiction=jurisdiction)
    with translation.override(settings.LANGUAGE_CODE):  # a file is always in Chinese
        return [UnitGroup(g.kind, str(g.label), g.units) for g in groups]


def board_xlsx(board: dict, output) -> None:
    """The board as a workbook that prints as it shows: the task list, then the units."""
    jurisdiction = jurisdiction_of(board)
    place = place_name(jurisdiction)
    month = format_month_zh(parse_month(board["month"]))
    edition = f"（第{board['version']}版）"
    title = f"{place}{month}改革任务“四色”督查公示{edition}"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{board['month']}四色公示"
    title_row(sheet, 1, title, len(COLUMNS))
    tasks = rows(board)
    last = write_table(
        sheet,
        2,
        [(header, width) for _, header, width in COLUMNS],
        [[row[key] for key, _, _ in COLUMNS] for row in tasks],
    )
    rating_col = [key for key, _, _ in COLUMNS].index("rating_name") + 1
    for r, row in enumerate(tasks, start=3):
        if row["rating"]:
            m = MARKS[row["rating"]]
            cell = sheet.cell(row=r, column=rating_col)
            cell.fill = PatternFill("solid", fgColor=m.solid.lstrip("#"))
            cell.font = Font(bold=True, color=m.on_solid.lstrip("#"))
    note_rows(
        sheet,
        last + 2,
        [
            f"发布时间 {board['published_at']}",
            f"SHA-256 {board['sha256']}",
            f"上一条 {board['previous'] or '（首条）'}",
        ],
        len(COLUMNS),
    )
    print_setup(sheet, paper=A4, landscape=True, repeat_rows="2:2", heading=title)

    units = workbook.create_sheet("单位汇总")
    unit_title = f"{place}{month}牵头单位四色督查汇总{edition}"
    title_row(units, 1, unit_title, len(UNIT_COLUMNS))
    write_table(
        units,
        2,
        UNIT_COLUMNS,
        [
            [str(group.label), s.rank, s.name, *(getattr(s, key) for key in MARKS), s.score]
            for group in _groups(board, jurisdiction)
            for s in group.units
        ],
        number_formats={len(UNIT_COLUMNS): SCORE_FORMAT},
    )
    print_setup(units, paper=A4, landscape=False, repeat_rows="2:2", heading=unit_title)
    table = month_league(board, jurisdiction)
    if table is not None:
        _league_sheet(workbook, table, f"{place}{month}", edition)
    # The same snapshot (and the same boards below it) gives the same file, byte for byte.
    save_stable(workbook, output, dt.datetime.fromisoformat(board["published_at"]))


def _league_sheet(workbook: Workbook, table: League, when: str, edition: str) -> None:
    """The counties' table on a sheet of its own, never rows among the lead units'."""
    name = table.heading_name
    sheet = workbook.create_sheet(f"{name}排名")
    title = f"{when}{name}改革任务推进排名{edition}"
    columns = [(header or name, width) for header, width in LEAGUE_COLUMNS]
    title_row(sheet, 1, title, len(columns))
    last = write_table(
        sheet,
        2,
        columns,
        [
            [
                s.rank,
                s.name,
                *(getattr(s, key) for key in MARKS),
                s.score,
                UNPUBLISHED if s.name in table.unpublished else "",
            ]
            for s in table.scores
        ],
        number_formats={len(columns) - 1: SCORE_FORMAT},
    )
    notes = [f"各{name}按本级台账任务的本月评价计分（规则同牵头单位），单独排名。"]
    if table.unrated:
        notes.append(f"本月尚未发布公示：{'、'.join(j.name for j in table.unrated)}")
    note_rows(sheet, last + 2, notes, len(columns))
    print_setup(sheet, paper=A4, landscape=False, repeat_rows="2:2", heading=title)
