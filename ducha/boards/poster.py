"""The printable A3 poster of a published board, in Chinese (HTML rendered by WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
from itertools import groupby

from django.conf import settings
from django.template.loader import render_to_string

from ducha.ratings.marks import MARKS, mark, stylesheet

FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Serif CJK SC", sans-serif'
)


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


def poster_html(board: dict) -> str:
    year, month = int(board["month"][:4]), int(board["month"][5:])
    rows = []
    for t in sorted(board["tasks"], key=lambda t: (t["area_order"], t["task"])):
        rows.append(t | {"rating_name": mark(t["rating"]).name, "mark": mark(t["rating"])})
    areas = [
        {"name": area, "rows": list(group)}
        for area, group in groupby(rows, key=lambda r: r["area"])
    ]
    counts = {key: sum(1 for r in rows if r["rating"] == key) for key in MARKS}
    legend = [{"mark": m, "count": counts[key]} for key, m in MARKS.items()]
    published = dt.datetime.fromisoformat(board["published_at"])
    return render_to_string(
        "boards/poster.html",
        {
            "board": board,
            "title": f"{settings.DUCHA_CITY}改革任务“四色”督查公示",
            "month_zh": f"{year}年{month}月",
            "published_on": f"{published.year}年{published.month}月{published.day}日",
            "total": len(rows),
            "areas": areas,
            "legend": legend,
            "fonts": FONTS,
            "mark_css": stylesheet(),
        },
    )


def board_pdf(board: dict, output) -> None:
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
    HTML(string=poster_html(board)).write_pdf(output)
