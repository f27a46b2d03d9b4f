"""The printable A3 poster of a published board, in Chinese (HTML rendered by WeasyPrint).

Page one is what an office pins up: the month, the five counts, the horses and the snails
by name, the lead units ranked within their kind, on a city's poster its counties ranked on
their own ledgers in a table of their own (boards/league.py), and the issuing office with
the date in the foot. The full task list follows as an annex. Every row carries its mark's
name beside the colour, so a black-and-white copy says the same thing.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
from itertools import groupby

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ducha.boards.exports import jurisdiction_of, month_league, place_name
from ducha.boards.league import League
from ducha.boards.units import units_by_kind
from ducha.lib.months import format_day_zh, format_month_zh, parse_month
from ducha.org.models import Unit
from ducha.ratings.marks import HORSE, MARKS, NOT_RATED, SNAIL, mark, stylesheet

# The Simplified Chinese face first everywhere: with another first, or none, some glyphs
# come from the Japanese face, whose forms differ from those printed in China.
FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif'

# Page one is tried at these settings in turn, the tighter ones only when it would overflow.
DENSITIES = ("roomy", "", "dense", "denser")


class PosterError(Exception):
    pass


def check_cjk_font() -> None:
    """A poster without a Chinese font would print boxes: say what to install instead."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise PosterError(
            "生成 PDF 需要 fontconfig 和中文字体：apt-get install fontconfig fonts-noto-cjk"
        )
    found = subprocess.run(  # noqa: S603 - fixed arguments
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not found:
        raise PosterError(
            "没有找到中文字体，无法生成 PDF：请安装 fonts-noto-cjk"
            "（apt-get install fonts-noto-cjk）"
        )


def poster_html(board: dict, part: str = "notice", density: str = "") -> str:
    """The HTML of the notice (page one) or of the annex (every task)."""
    return _html(_context(board), part, density)


def _html(context: dict, part: str, density: str = "") -> str:
    # Always Chinese (the unit kinds' labels are translatable), whoever asks for it.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("boards/poster.html", context | {"part": part, "density": density})


def _context(board: dict) -> dict:
    jurisdiction = jurisdiction_of(board)
    place = place_name(jurisdiction)
    rows = [
        t | {"mark": mark(t["rating"])}
        for t in sorted(board["tasks"], key=lambda t: (t["area_order"], t["task"]))
    ]
    counts = {key: sum(1 for r in rows if r["rating"] == key) for key in MARKS}
    groups = [
        {
            "kind": g.kind,
            "label": g.label,  # lazy: shown in Chinese, inside _html
            "units": [
                {
                    "rank": s.rank,
                    "name": s.name,
                    "score": f"{s.score:.1f}",
                    "counts": [getattr(s, key) for key in MARKS],
                }
                for s in g.units
            ],
        }
        for g in units_by_kind(board["tasks"], jurisdiction=jurisdiction)
    ]
    return {
        "board": board,
        "title": f"{place}改革任务“四色”督查公示",
        "month_zh": format_month_zh(parse_month(board["month"])),
        "published_on": format_day_zh(dt.datetime.fromisoformat(board["published_at"]).date()),
        # A county's board is issued by its own reform office (县委改革办).
        "office": (
            settings.DUCHA_OFFICE_NAME if jurisdiction is None else jurisdiction.reform_office
        ),
        "total": len(rows),
        "legend": [
            *({"mark": m, "count": counts[key]} for key, m in MARKS.items()),
            {"mark": NOT_RATED, "count": sum(1 for r in rows if r["rating"] is None)},
        ],
        "marks": list(MARKS.values()),
        "points": [(m, settings.DUCHA_POINTS[key]) for key, m in MARKS.items()],
        "highlights": [
            {"mark": m, "rows": [r for r in rows if r["rating"] == m.key]} for m in (HORSE, SNAIL)
        ],
        "unit_groups": groups,
        "rank_columns": _rank_columns(groups),
        "league": _league(month_league(board, jurisdiction), groups),
        "areas": [
            {"name": area, "rows": list(group)}
            for area, group in groupby(rows, key=lambda r: r["area"])
        ],
        "fonts": FONTS,
        "mark_css": stylesheet(),
    }


def _rank_columns(groups: list[dict]) -> list[list[dict]]:
    """Page one's three columns of unit tables, the longest group split into two or three.

    City departments are the many: their table continues in the next column (under a
    repeated head); the smaller groups share the last column.
    """
    if not groups:
        return []
    first, rest = groups[0], groups[1:]
    slots = 2 if rest else 3
    beside = sum(len(g["units"]) + 3 for g in rest)
    height = max(-(-len(first["units"]) // slots), beside - 3, 1)
    units = first["units"]
    columns = [
        [first | {"units": units[i : i + height], "continued": i > 0, "total": len(units)}]
        for i in range(0, len(units), height)
    ]
    if rest:
        columns.append([g | {"continued": False, "total": len(g["units"])} for g in rest])
    return columns


def _league(table: League | None, groups: list[dict]) -> dict | None:
    """The counties' own table for page one, in up to three columns side by side."""
    if table is None:
        return None
    rows = [
        {
            "rank": s.rank,
            "name": s.name,
            "score": f"{s.score:.1f}",
            "counts": [getattr(s, key) for key in MARKS],
            "unpublished": s.name in table.unpublished,
        }
        for s in table.scores
    ]
    height = max(-(-len(rows) // 3), 1)
    columns = [rows[i : i + height] for i in range(0, len(rows), height)]
    return {
        "name": table.heading_name,
        "columns": columns + [[]] * (3 - len(columns)) if rows else [],
        "unpublished": any(r["unpublished"] for r in rows),
        "unrated": [j.name for j in table.unrated],
        # The city's lead units of the kind "county" are ranked above, as units of the city.
        "beside_units": any(g["kind"] == Unit.Kind.COUNTY for g in groups),
    }


def weasyprint_html():
    """WeasyPrint's HTML class, once the CJK font and the Pango libraries are there: the
    one way Ducha's printed documents (the poster, a supervision notice) are made."""
    check_cjk_font()
    try:
        from weasyprint import HTML
    except OSError as e:  # the Pango libraries are missing
        raise PosterError(
            f"生成 PDF 需要 Pango 库：apt-get install libpango-1.0-0 libpangoft2-1.0-0（{e}）"
        ) from None
    # WeasyPrint warns on every run when HarfBuzz's subsetter is absent; the PDF is fine.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML


def board_pdf(board: dict, output) -> None:
    HTML = weasyprint_html()
    context = _context(board)
    # Page one is laid out alone (a fraction of the annex's time), set tighter until it
    # fits on its sheet; the annex, numbered on its own, follows it.
    for density in DENSITIES:
        notice = HTML(string=_html(context, "notice", density)).render()
        if len(notice.pages) == 1:
            break
    annex = HTML(string=_html(context, "annex")).render()
    notice.copy([*notice.pages, *annex.pages]).write_pdf(output)
