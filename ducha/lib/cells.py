"""Parsers for the values clerks type into ledger cells: months, dates, percents.

Each takes a raw cell (text, number or a date Excel already parsed) and returns a value,
or raises ValueError with a Chinese message saying what was expected.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from ducha.lib.dates import month_label
from ducha.lib.months import FIRST_YEAR, LAST_YEAR, month
from ducha.lib.tabular import cell_text, halfwidth

_SEP = r"\s*[-/.]\s*"
_MONTH_PATTERNS = [
    # 2021-06, 2021/6, 2021.6
    re.compile(rf"^(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}})$"),
    # 2021年6月, 2021年6月底, 2021年6月份, 2021年6月末
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(份|底|末|底前|末前|前|以前|内)?$"),
    # 202106
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
]
_DATE_PATTERNS = [
    # 2021-06-30, 2021/6/30, 2021.6.30, 2021-06-30 00:00:00
    re.compile(rf"^(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})(\s+0?0:00(:00)?)?$"),
    # 2021年6月30日
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$"),
    # 20210630
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_YEAR_END = re.compile(r"^(?P<y>\d{4})\s*年\s*(底|末|年底|年末)(前|以前)?$")

MONTH_FORMS = "2021-06、2021-06-30、2021/6/30、2021年6月 或 2021年6月底"
DATE_FORMS = "2021-06-30、2021/6/30 或 2021年6月30日"


def _month(year: str, number: str) -> dt.date:
    y, m = int(year), int(number)
    if not FIRST_YEAR <= y <= LAST_YEAR:  # a clerk's typo, not a plan
        raise ValueError(_("年份 %(year)s 不合理") % {"year": y})
    if not 1 <= m <= 12:
        raise ValueError(_("月份 %(month)s 不存在（应为 1–12）") % {"month": m})
    return month(y, m)


def _date(year: str, month: str, day: str) -> dt.date:
    first = _month(year, month)
    try:
        return first.replace(day=int(day))
    except ValueError:
        raise ValueError(
            _("%(month)s没有%(day)s日") % {"month": month_label(first), "day": int(day)}
        ) from None


def parse_month(value: object) -> dt.date:
    """Any accepted month or date form → the first day of that month."""
    if isinstance(value, dt.datetime | dt.date):
        return dt.date(value.year, value.month, 1)
    text = halfwidth(cell_text(value)).strip()
    if not text:
        raise ValueError(_("不能为空"))
    for pattern in _MONTH_PATTERNS:
        if m := pattern.match(text):
            return _month(m["y"], m["m"])
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            return _date(m["y"], m["m"], m["d"]).replace(day=1)
    if m := _YEAR_END.match(text):
        return _month(m["y"], "12")
    raise ValueError(
        _("「%(text)s」不是可识别的月份，应写作 %(forms)s") % {"text": text, "forms": MONTH_FORMS}
    )


def parse_date(value: object) -> dt.date:
    """A full date (year, month and day)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = halfwidth(cell_text(value)).strip()
    if not text:
        raise ValueError(_("不能为空"))
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            return _date(m["y"], m["m"], m["d"])
    raise ValueError(
        _("「%(text)s」不是可识别的日期，应写作 %(forms)s") % {"text": text, "forms": DATE_FORMS}
    )


def parse_percent(value: object) -> int | None:
    """0–100, with or without %; blank is None. Fractions round half up."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = halfwidth(cell_text(value)).strip().replace(" ", "")
        if not text:
            return None
        text = text.removesuffix("%")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(
                _("「%(text)s」不是 0–100 之间的数字") % {"text": cell_text(value)}
            ) from None
    if not 0 <= number <= 100:
        raise ValueError(_("%(number)s 超出 0–100 的范围") % {"number": f"{number:g}"})
    return int(number + 0.5)


def code_text(value: object) -> str:
    """Codes compare after full-width forms are folded and spaces removed."""
    return "".join(halfwidth(cell_text(value)).split())
