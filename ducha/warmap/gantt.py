"""The command post's chart (挂图): each project's phases as bars on a calendar of months,
planned above actual, a line for today. Pure geometry: the template draws it as SVG with
attributes only (the pages' CSP forbids inline style), and a data table beside it says the
same in words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from ducha.lib.months import first_of, from_index, index

LABEL_WIDTH = 240
MONTH_WIDTH = 34
HEADER = 40
PROJECT_ROW = 30
PHASE_ROW = 24
BAR = 8  # a bar's height; the planned bar sits above the actual one
FONT = 12  # px: what a label is cut to fit
ICON = 22  # the project's mark, before its label
REACH = 24  # months beyond the phases' dates the chart stretches to show the rated month


@dataclass(frozen=True)
class PhaseBar:
    code: str
    title: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None


@dataclass(frozen=True)
class ProjectBars:
    pk: int
    code: str
    name: str
    mark: str | None  # the month's rating key (None: not rated)
    phases: tuple[PhaseBar, ...] = ()


@dataclass(frozen=True)
class Span:
    x: float
    width: float
    open: bool = False  # an actual bar still running (to today)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    year: str  # the year above January (and above the first month)
    rated: bool  # the month the marks are for


@dataclass(frozen=True)
class Line:
    kind: str  # "project" or "phase"
    y: float
    height: float
    label: str
    full: str
    code: str
    pk: int = 0
    mark: str | None = None
    planned: Span | None = None
    actual: Span | None = None

    @property
    def text_y(self) -> float:
        return self.y + self.height / 2 + FONT / 3

    @property
    def planned_y(self) -> float:
        return self.y + (self.height - 2 * BAR - 2) / 2

    @property
    def actual_y(self) -> float:
        return self.planned_y + BAR + 2

    @property
    def icon_y(self) -> float:
        return self.y + (self.height - ICON) / 2


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    months: list[Tick] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    today: float | None = None
    month_width: float = MONTH_WIDTH
    label_width: float = LABEL_WIDTH
    header: float = HEADER
    bar: float = BAR

    @property
    def body(self) -> float:
        """The height below the month header."""
        return self.height - HEADER


def fit(text: str, width: float, size: float = FONT) -> str:
    """`text` cut (with …) to what fits `width` px: a CJK character is one em, others half."""
    room, out = width / size, ""
    for ch in text:
        room -= 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.55
        if room < 1.0:
            return out + "…" if len(out) < len(text) else out
        out += ch
    return out


def chart(projects: list[ProjectBars], today: dt.date, rated: dt.date) -> Chart:
    dates = [
        d
        for p in projects
        for ph in p.phases
        for d in (ph.planned_start, ph.planned_end, ph.actual_start, ph.actual_end)
        if d is not None
    ]
    if not dates:
        return Chart(LABEL_WIDTH, HEADER)
    first, last = index(min(dates)), index(max(dates))
    # The rated month is shown too, unless it lies far off (a month asked years away would
    # draw a calendar of centuries).
    if first - REACH <= index(rated) <= last + REACH:
        first, last = min(first, index(rated)), max(last, index(rated))

    def x(day: dt.date) -> float:
        days = calendar.monthrange(day.year, day.month)[1]
        return LABEL_WIDTH + ((index(day) - first) + (day.day - 1) / days) * MONTH_WIDTH

    def span(start: dt.date, end: dt.date, open_: bool = False) -> Span:
        left, right = x(start), x(end + dt.timedelta(days=1))
        return Span(round(left, 1), round(max(right - left, 2.0), 1), open_)

    months = []
    for n in range(first, last + 1):
        month = from_index(n)
        year = str(month.year) if month.month == 1 or n == first else ""
        at = LABEL_WIDTH + (n - first) * MONTH_WIDTH
        months.append(Tick(at, str(month.month), year, month == first_of(rated)))

    lines, y = [], float(HEADER)
    for p in projects:
        full = f"{p.code} {p.name}"
        lines.append(
            Line("project", y, PROJECT_ROW, fit(full, LABEL_WIDTH - 34), full, p.code, p.pk, p.mark)
        )
        y += PROJECT_ROW
        for ph in p.phases:
            actual = None
            if ph.actual_start is not None:
                end = ph.actual_end or max(today, ph.actual_start)
                actual = span(ph.actual_start, end, ph.actual_end is None)
            full = f"{ph.code} {ph.title}"
            lines.append(
                Line(
                    "phase",
                    y,
                    PHASE_ROW,
                    fit(full, LABEL_WIDTH - 22),
                    full,
                    ph.code,
                    p.pk,
                    planned=span(ph.planned_start, ph.planned_end),
                    actual=actual,
                )
            )
            y += PHASE_ROW
    right = LABEL_WIDTH + (last - first + 1) * MONTH_WIDTH
    today_x = round(x(today), 1) if first <= index(today) <= last else None
    return Chart(right, y + 4, months, lines, today_x)
