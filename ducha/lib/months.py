"""A month, everywhere in Ducha: a `datetime.date` on the first day of the month.

One parser for the strict `YYYY-MM` that URLs, forms and the command line use (what clerks
type into spreadsheet cells is read by `ducha.lib.cells.parse_month`, which ends here too),
and the integer form the rating rules compare cheaply (`year * 12 + month - 1`).
Standard library only: the pure rules use it.
"""

from __future__ import annotations

import datetime as dt
import re

# ASCII digits only: `\d` also takes ٢٠٢١ and ２０２１, which no URL or form of ours writes.
_STRICT = re.compile(r"([0-9]{4})-([0-9]{1,2})")
# Every month Ducha reads lies in these years, so a month on either side of one (the pages'
# "previous" and "next", a deadline in the month after) is still a date: 0001-01 and 9999-12
# are refused here rather than overflowing in date arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def month(year: int, number: int) -> dt.date:
    """The month `number` (1–12) of `year`; ValueError names what is wrong."""
    if not 1 <= number <= 12:
        raise ValueError(f"月份 {number} 不存在（应为 1–12）")
    if not FIRST_YEAR <= year <= LAST_YEAR:  # and a month on either side still exists
        raise ValueError(f"年份 {year} 不合理")
    return dt.date(year, number, 1)


def parse_month(text: str) -> dt.date:
    """Strict YYYY-MM (2021-06), as URLs, forms and the command line write a month."""
    found = _STRICT.fullmatch(text.strip())
    if not found:
        raise ValueError(f"月份 {text!r} 应写作 YYYY-MM，例如 2021-06")
    return month(int(found[1]), int(found[2]))


def first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(start: dt.date, n: int) -> dt.date:
    return from_index(index(start) + n)


def month_end(start: dt.date) -> dt.date:
    return add_months(start, 1) - dt.timedelta(days=1)


def index(day: dt.date) -> int:
    """The month as one integer, for cheap comparisons: year * 12 + month - 1."""
    return day.year * 12 + day.month - 1


def from_index(value: int) -> dt.date:
    return dt.date(value // 12, value % 12 + 1, 1)


def format_month(start: dt.date) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def format_month_zh(start: dt.date) -> str:
    return f"{start.year}年{start.month}月"


def format_day_zh(day: dt.date) -> str:
    """A day as Chinese documents write it, whatever the reader's language: 2022年2月5日."""
    return f"{day.year}年{day.month}月{day.day}日"
