"""URL converters shared by the apps."""

import datetime as dt

from ducha.lib.months import format_month, parse_month


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        return parse_month(value)  # a ValueError is a 404

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else format_month(value)
