"""Parsers for the values clerks type into ledger cells: months, dates, percents.

Each takes a raw cell (text, number or a date Excel already parsed) and returns a value,
or raises ValueError with a Chinese message saying what was expected.

A due date (完成时限) is read the way offices write it: "6月底" (the ledger's year),
"2021年12月31日前", "上半年", "第三季度", "年底前"; "持续推进" is taken as the end of the
year, with a warning. Numbers are not re-read here: the reader already gives the text Excel
displays ("2021.10" is October, "2021.1" is January).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
DUE_FORMS = "2021-06、2021年6月底、2021年6月30日前、6月底、上半年、第三季度 或 年底前"

# Forms for a due date beyond SPEC §4, matched with the spaces taken out. The year is
# optional in each: without it the ledger's year is used.
_YEAR = r"(?:(?P<y>\d{4})年度?)?"
_BEFORE = r"(?:之前|以前|前)?(?:完成)?"
_BARE_MONTH = re.compile(r"^(?P<m>\d{1,2})\s*月\s*(份|底|末|底前|末前|前|以前|内)?$")
_DUE_DAY = re.compile(rf"^{_YEAR}(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})[日号]?{_BEFORE}$")
_DUE_DASHED_DAY = re.compile(
    rf"^(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}}){_BEFORE}$"
)
_DUE_MONTH = re.compile(rf"^{_YEAR}(?P<m>\d{{1,2}})月份?(?:底|末|上旬|中旬|下旬)?(?:内|{_BEFORE})$")
_DUE_HALF = re.compile(rf"^{_YEAR}(?P<h>[上下])半年(?:底|末)?{_BEFORE}$")
_DUE_QUARTER = re.compile(rf"^{_YEAR}第?(?P<q>[一二三四1-4])季度(?:底|末)?{_BEFORE}$")
_DUE_YEAR_END = re.compile(rf"^{_YEAR}(?P<end>年底|年末|年内|全年|底|末|内){_BEFORE}$")
_DUE_ONGOING = re.compile(
    rf"^{_YEAR}(?P<what>持续推进|持续开展|持续实施|长期坚持|长期推进|常态化推进|常态化|长期|持续)$"
)

# Title rows: "2021年…", "2021年度…", "2021—2022年…", "二〇二一年…".
_TITLE_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
_TITLE_RANGE = re.compile(r"(?<!\d)(\d{4})\s*[-—–~至到]\s*(\d{4})\s*年")
_ZH_DIGITS = dict(zip("〇零○一二三四五六七八九", "000123456789", strict=True))
_TITLE_YEAR_ZH = re.compile(rf"([{''.join(_ZH_DIGITS)}]{{4}})\s*年")


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


def _dated_month(text: str) -> dt.date | None:
    """The month of a form that names its year (SPEC §4), or None when it is not one."""
    for pattern in _MONTH_PATTERNS:
        if m := pattern.match(text):
            return _month(m["y"], m["m"])
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            return _date(m["y"], m["m"], m["d"]).replace(day=1)
    if m := _YEAR_END.match(text):
        return _month(m["y"], "12")
    return None


def _no_year(text: str) -> ValueError:
    return ValueError(
        _("「%(text)s」未写年份：请在标题行写明年度（如「2021年改革任务台账」）或使用 --year 2021")
        % {"text": text}
    )


def _year_of(found: re.Match, text: str, year: int | None) -> str:
    if given := found.groupdict().get("y"):
        return given
    if year is None:
        raise _no_year(text)
    return str(year)


def parse_month(value: object, year: int | None = None) -> dt.date:
    """Any accepted month or date form → the first day of that month.

    With the ledger's `year`, a month without one ("6月", "6月份") is taken in that year."""
    if isinstance(value, dt.datetime | dt.date):
        return dt.date(value.year, value.month, 1)
    text = halfwidth(cell_text(value)).strip()
    if not text:
        raise ValueError(_("不能为空"))
    if (found := _dated_month(text)) is not None:
        return found
    if m := _BARE_MONTH.match(text):
        return _month(_year_of(m, text, year), m["m"])
    raise ValueError(
        _("「%(text)s」不是可识别的月份，应写作 %(forms)s") % {"text": text, "forms": MONTH_FORMS}
    )


@dataclass(frozen=True)
class Due:
    """A node's due month, and what the office should know about how it was read."""

    month: dt.date
    warning: str | None = None


def parse_due(value: object, year: int | None = None) -> Due:
    """A due date (完成时限) as offices write it → its month.

    `year` is the ledger's year (the title row's or --year): it completes the forms that
    leave it out ("6月底", "上半年", "年底前", "持续推进"); without it they are refused."""
    if isinstance(value, dt.datetime | dt.date):
        return Due(dt.date(value.year, value.month, 1))
    text = halfwidth(cell_text(value)).strip()
    if not text:
        raise ValueError(_("不能为空"))
    if (found := _dated_month(text)) is not None:
        return Due(found)
    flat = "".join(text.split())
    if m := _DUE_DAY.match(flat) or _DUE_DASHED_DAY.match(flat):
        return Due(_date(_year_of(m, text, year), m["m"], m["d"]).replace(day=1))
    if m := _DUE_MONTH.match(flat):
        return Due(_month(_year_of(m, text, year), m["m"]))
    if m := _DUE_HALF.match(flat):
        return Due(_month(_year_of(m, text, year), "6" if m["h"] == "上" else "12"))
    if m := _DUE_QUARTER.match(flat):
        quarter = "一二三四".find(m["q"]) + 1 or int(m["q"])
        return Due(_month(_year_of(m, text, year), str(quarter * 3)))
    if (m := _DUE_YEAR_END.match(flat)) and (m["y"] or m["end"].startswith(("年", "全"))):
        return Due(_month(_year_of(m, text, year), "12"))
    if m := _DUE_ONGOING.match(flat):
        december = _month(_year_of(m, text, year), "12")
        warning = _("「%(text)s」按年底（%(month)s）计") % {
            "text": text,
            "month": month_label(december),
        }
        return Due(december, warning)
    raise ValueError(
        _("「%(text)s」不是可识别的完成时限，应写作 %(forms)s") % {"text": text, "forms": DUE_FORMS}
    )


def title_year(texts: Iterable[str]) -> int | None:
    """The one year the title rows name ("2021年全市重点改革任务台账", "二〇二一年…");
    None when they name none, or several."""
    years = set()
    for text in texts:
        flat = halfwidth(text)
        for m in _TITLE_RANGE.finditer(flat):
            years.update({int(m[1]), int(m[2])})
        for m in _TITLE_YEAR.finditer(flat):
            years.add(int(m[1]))
        for m in _TITLE_YEAR_ZH.finditer(flat):
            years.add(int("".join(_ZH_DIGITS[c] for c in m[1])))
    years = {y for y in years if FIRST_YEAR <= y <= LAST_YEAR}
    return years.pop() if len(years) == 1 else None


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
