"""Every chart of the product, drawn once on the server by matplotlib.

SVG for the web pages and the PDFs (text kept as <text>, so labels and values stay
searchable and readable by assistive technology), PNG of the same figure for Word. The
numbers come from figures.py; the rating colours and names from ratings/marks.py. A
published month's charts are cached with it (the key is its boards' hashes: a correction
is a new key), so a warm dashboard draws nothing; an unpublished month (the office's
preview) is drawn each time.

One Figure per chart (never pyplot): the drawing is safe across threads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from django.core.cache import cache
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ducha.lib.months import format_month_zh
from ducha.org.models import Jurisdiction
from ducha.ratings import marks
from ducha.stats import figures

# The family the SVG names: what browsers and WeasyPrint find through fontconfig once
# fonts-noto-cjk is installed. matplotlib measures the text with the same file.
FAMILY = "Noto Sans CJK SC"
FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)
DPI_PNG = 200
WIDTH = 7.2  # inches: a page's text width in Word and the PDF
SECONDS = 30 * 24 * 3600
DRAWING = "1"  # bump when the drawing changes: cached charts are keyed by it

# Colours of what is not a mark: neutral, so that no reader takes them for a rating.
ON_TIME = "#4E6E8E"
LATE = "#D98C3A"
MISSING = marks.NOT_RATED.hue
PLANNED = "#7A8591"
DONE = "#24476B"
UP = "#3C7A5A"
DOWN = "#A8483C"

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


def _register_font() -> list[str]:
    """Registers the CJK font under the family the SVG names; the fallbacks if it is missing."""
    for path in FONT_FILES:
        if path.exists():
            manager = font_manager.fontManager
            manager.addfont(str(path))
            for entry in [e for e in manager.ttflist if e.fname == str(path)]:
                if entry.name != FAMILY:
                    manager.ttflist.append(dataclasses.replace(entry, name=FAMILY))
            manager._findfont_cached.cache_clear()  # what was looked up before the font
            return [FAMILY, "DejaVu Sans"]
    return [FAMILY, "DejaVu Sans"]  # the browser still finds it; matplotlib measures with DejaVu


STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ducha",  # the same figure gives the same SVG: ids stay stable
    "font.family": _register_font(),
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8,
}


@dataclass(frozen=True)
class Chart:
    key: str  # a slug: "distribution", "trend", "areas", …
    title: str  # in Chinese: shown above the chart, and a document's figure caption
    svg: str  # the figure as SVG text (labels and values as <text>)
    png: bytes  # the same figure as PNG, for Word


def month_charts(month: dt.date, jurisdiction: Jurisdiction | None = None) -> list[Chart]:
    """The month's charts in reading order (distribution, trend over the year stacked by
    rating, by area, by source, punctuality, node completion, overdue nodes, movers)."""
    return charts_for(figures.month_figures(month, jurisdiction))


def year_charts(year: int, jurisdiction: Jurisdiction | None = None) -> list[Chart]:
    """The year's charts for the 盘点 (monthly distributions, by area and source, nodes
    completed against plan)."""
    return charts_for(figures.year_figures(year, jurisdiction))


def charts_for(
    data: figures.MonthFigures | figures.YearFigures, *, png: bool = True
) -> list[Chart]:
    """The charts of figures already loaded, without their PNG if `png` is False (a web page
    needs none, and a PNG at print resolution costs more than its SVG): from the cache
    when the figures are published, drawn now when they are not."""
    draw = _draw_month if isinstance(data, figures.MonthFigures) else _draw_year
    if data.key is None:
        return draw(data, png)
    full, light = (f"stats:charts:{DRAWING}:{kind}:{data.key}" for kind in ("png", "svg"))
    found = cache.get_many([full] if png else [full, light])
    if found:
        return found.get(full) or found[light]
    charts = draw(data, png)
    cache.set(full if png else light, charts, SECONDS)
    return charts


# The charts ------------------------------------------------------------------------------


def _draw_month(f: figures.MonthFigures, png: bool) -> list[Chart]:
    m = format_month_zh(f.month)
    where = f.where
    return [
        _chart("distribution", f"{where}{m}任务评价分布", png, _distribution, f.distribution),
        _chart("trend", f"{where}{f.month.year}年各月评价走势", png, _stacked_columns, f.trend),
        _chart("areas", f"{where}{m}各领域评价情况", png, _stacked_rows, f.areas),
        _chart("sources", f"{where}{m}按任务来源评价情况", png, _stacked_rows, f.sources),
        _chart("punctuality", f"{where}{m}各单位报送情况", png, _punctuality, f.punctuality),
        _chart("nodes", f"{where}{f.month.year}年节点完成与计划对比（累计）", png, _nodes, f.nodes),
        _chart("overdue", f"{where}{m}逾期未完成节点（按牵头单位）", png, _overdue, f.overdue),
        _chart("movers", f"{where}{m}评价较上月变化", png, _movers, f.movers),
    ]


def _draw_year(f: figures.YearFigures, png: bool) -> list[Chart]:
    y = f"{f.where}{f.year}年"
    return [
        _chart("months", f"{y}各月评价分布", png, _stacked_columns, f.months, "year"),
        _chart("areas", f"{y}各领域评价情况（任务·月）", png, _stacked_rows, f.areas, "year"),
        _chart(
            "sources", f"{y}按任务来源评价情况（任务·月）", png, _stacked_rows, f.sources, "year"
        ),
        _chart("nodes", f"{y}节点完成与计划对比（累计）", png, _nodes, f.nodes, "year"),
    ]


# matplotlib's settings are the process's: one chart at a time sets and restores them (the
# drawing holds the interpreter anyway, so a threaded server loses nothing to the lock).
_drawing = threading.Lock()


def _chart(key: str, title: str, png: bool, draw: Callable, data, prefix: str = "month") -> Chart:
    with _drawing, matplotlib.rc_context(STYLE):
        fig = draw(data)
        fig.suptitle(title, fontsize=STYLE["axes.titlesize"], fontweight="bold")
        svg = io.StringIO()
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        image = b""
        if png:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=DPI_PNG, bbox_inches="tight")
            image = buf.getvalue()
    return Chart(key, title, _inline(svg.getvalue(), f"{prefix}-{key}"), image)


def _inline(svg: str, key: str) -> str:
    """The SVG as a page carries it inline, and a PDF too.

    Without its XML prologue and fixed size: 100% wide, it scales to its box. Without any
    style attribute or element, which the site's Content-Security-Policy (style-src 'self')
    would refuse: each declaration becomes the presentation attribute of the same name.
    Its ids are prefixed with the chart's key, so that several charts share a page."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    root = " ".join(f'{k}="{v}"' for k, v in _declarations(_STYLE_ELEMENT.search(svg)[1]))
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(
        lambda found: " ".join(f'{k}="{v}"' for k, v in _declarations(found[1])), svg
    )
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{key}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{key}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{key}-\1)", svg)
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f'{head} width="100%" {root} role="img">{rest}'


_STYLE_ELEMENT = re.compile(r"<style[^>]*>\*\{([^}]*)\}</style>")
_STYLE_ATTRIBUTE = re.compile(r'\bstyle="([^"]*)"')


def _declarations(css: str) -> list[tuple[str, str]]:
    pairs = (d.split(":", 1) for d in css.split(";") if ":" in d)
    return [(k.strip(), v.strip()) for k, v in pairs]


def _figure(rows: int = 0) -> Figure:
    """A figure a page wide; charts of many rows grow taller with them."""
    return Figure(figsize=(WIDTH, max(3.2, 1.2 + 0.3 * rows)), layout="constrained")


def _empty(ax, text: str = "暂无数据") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=MISSING)
    ax.set_xticks([])
    ax.set_yticks([])


RATED = (*marks.MARKS.values(), marks.NOT_RATED)


def _distribution(stack: figures.Stack) -> Figure:
    fig = _figure()
    ax = fig.subplots()
    names = [m.name for m in RATED]
    values = [stack.counts.get(m.key if m.key in marks.MARKS else None, 0) for m in RATED]
    bars = ax.bar(names, values, color=[m.hue for m in RATED], width=0.6)
    ax.bar_label(bars, padding=2)
    _counts(ax.yaxis)
    ax.set_ylabel("任务数（项）")
    ax.margins(y=0.15)
    return fig


def _segments(ax, stacks: Sequence[figures.Stack], horizontal: bool) -> None:
    """Bars split by mark, each part's count written on it and each bar's total at its end."""
    labels = [s.label for s in stacks]
    base = [0] * len(stacks)
    draw = ax.barh if horizontal else ax.bar
    for m in RATED:
        key = m.key if m.key in marks.MARKS else None
        values = [s.counts.get(key, 0) for s in stacks]  # every mark, so the legend has all
        where = {"left": base} if horizontal else {"bottom": base}
        bars = draw(labels, values, color=m.hue, label=m.name, **where, **_thickness(horizontal))
        ink = m.on_solid if m.key in marks.MARKS else "white"
        ax.bar_label(
            bars, labels=[str(v) if v else "" for v in values], label_type="center", color=ink
        )
        base = [b + v for b, v in zip(base, values, strict=True)]
    for label, total in zip(labels, base, strict=True):
        at, offset = ((total, label), (3, 0)) if horizontal else ((label, total), (0, 3))
        ax.annotate(
            str(total),
            at,
            textcoords="offset points",
            xytext=offset,
            ha="left" if horizontal else "center",
            va="center" if horizontal else "bottom",
        )
    _room(ax, max(base), horizontal)
    _legend(ax)


def _room(ax, most: int, horizontal: bool) -> None:
    """The value axis from zero to a little past the longest bar: room for its total."""
    limit = max(1, most) * 1.12
    (ax.set_xlim if horizontal else ax.set_ylim)(0, limit)
    _counts(ax.xaxis if horizontal else ax.yaxis)


def _counts(axis) -> None:
    """Counts are whole: no ticks between them."""
    axis.set_major_locator(MaxNLocator(integer=True))


def _legend(ax) -> None:
    """The legend in one row above the plot, under the title."""
    handles, _labels = ax.get_legend_handles_labels()
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=max(1, len(handles)))


def _thickness(horizontal: bool) -> dict:
    return {"height": 0.6} if horizontal else {"width": 0.6}


def _stacked_columns(stacks: Sequence[figures.Stack]) -> Figure:
    fig = _figure()
    ax = fig.subplots()
    if not stacks:
        _empty(ax)
        return fig
    _segments(ax, stacks, horizontal=False)
    ax.set_ylabel("任务数（项）")
    return fig


def _stacked_rows(stacks: Sequence[figures.Stack]) -> Figure:
    fig = _figure(len(stacks))
    ax = fig.subplots()
    if not stacks:
        _empty(ax)
        return fig
    _segments(ax, stacks, horizontal=True)
    ax.invert_yaxis()  # the first row on top, as the table reads
    ax.set_xlabel("任务数（项）")
    return fig


def _series_rows(ax, labels: list[str], series: list[tuple[str, list[int], str]]) -> None:
    """Horizontal bars stacked by series, counts written on them."""
    base = [0] * len(labels)
    for name, values, colour in series:
        bars = ax.barh(labels, values, left=base, color=colour, label=name, height=0.6)
        ax.bar_label(
            bars, labels=[str(v) if v else "" for v in values], label_type="center", color="white"
        )
        base = [b + v for b, v in zip(base, values, strict=True)]
    ax.invert_yaxis()
    _room(ax, max(base), horizontal=True)
    _legend(ax)


def _punctuality(units: Sequence[figures.Punctuality]) -> Figure:
    fig = _figure(len(units))
    ax = fig.subplots()
    if not units:
        _empty(ax)
        return fig
    labels = [u.unit for u in units]
    _series_rows(
        ax,
        labels,
        [
            ("按时报送", [u.on_time for u in units], ON_TIME),
            ("逾期报送", [u.late for u in units], LATE),
            ("未报送", [u.missing for u in units], MISSING),
        ],
    )
    ax.set_xlabel("应报送任务数（项）")
    return fig


def _nodes(months: Sequence[figures.NodeMonth]) -> Figure:
    fig = _figure()
    ax = fig.subplots()
    if not months:
        _empty(ax)
        return fig
    labels = [f"{m.month.month}月" for m in months]
    for name, values, colour, style, above in (
        ("计划完成（累计）", [m.due for m in months], PLANNED, "--", True),
        ("实际完成（累计）", [m.done for m in months], DONE, "-", False),
    ):
        ax.plot(labels, values, style, color=colour, marker="o", label=name)
        for x, v in zip(labels, values, strict=True):
            ax.annotate(
                str(v),
                (x, v),
                textcoords="offset points",
                xytext=(0, 6 if above else -7),
                ha="center",
                va="bottom" if above else "top",
                color=colour,
            )
    _counts(ax.yaxis)
    ax.set_ylabel("节点数（个）")
    ax.set_ylim(bottom=0)
    ax.margins(y=0.15)
    _legend(ax)
    return fig


def _overdue(nodes: Sequence[figures.OverdueNode]) -> Figure:
    counts: dict[str, int] = {}
    for n in nodes:
        counts[n.lead_unit] = counts.get(n.lead_unit, 0) + 1
    units = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    fig = _figure(len(units))
    ax = fig.subplots()
    if not units:
        _empty(ax, "无逾期未完成节点")
        return fig
    bars = ax.barh([u for u, _ in units], [n for _, n in units], color=LATE, height=0.6)
    ax.bar_label(bars, padding=3)
    _counts(ax.xaxis)
    ax.invert_yaxis()
    ax.set_xlabel(f"逾期未完成节点数（共 {len(nodes)} 个）")
    ax.margins(x=0.1)
    return fig


def _movers(movers: Sequence[figures.Mover]) -> Figure:
    fig = _figure()
    ax = fig.subplots()
    up = sum(m.move == "up" for m in movers)
    down = sum(m.move == "down" for m in movers)
    if not movers:
        _empty(ax, "评价与上月相同，或上月未发布")
        return fig
    bars = ax.bar(["评价上升", "评价下降"], [up, down], color=[UP, DOWN], width=0.5)
    ax.bar_label(bars, padding=2)
    _counts(ax.yaxis)
    ax.set_ylabel("任务数（项）")
    ax.margins(y=0.15)
    return fig
