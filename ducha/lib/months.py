"""Months are `datetime.date` values on the first day; these helpers keep that true."""

import datetime as dt


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def format_month(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def format_month_zh(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def parse_month_arg(text: str) -> dt.date:
    """Strict YYYY-MM, for command-line arguments."""
    try:
        year, month = text.split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"月份 {text!r} 应写作 YYYY-MM，例如 2021-06") from None
