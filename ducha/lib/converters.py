"""URL converters shared by the apps."""

import datetime as dt


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        year, month = value.split("-")
        try:
            return dt.date(int(year), int(month), 1)
        except ValueError:
            raise ValueError(value) from None  # Django turns this into a 404

    def to_url(self, value) -> str:
        if isinstance(value, str):
            return value
        return f"{value.year:04d}-{value.month:02d}"
