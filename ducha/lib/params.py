"""Query parameters, read strictly: a value that is there but cannot be read is a 400 that
names the parameter (ducha.lib.errors.bad_request shows it), never a guess and never a 500.
An absent or empty parameter is the page's default.

Numbers are ASCII digits of bounded length: `str.isdigit()` says yes to ① (which `int()`
refuses) and `int()` takes ٣ and １, and a twenty-digit number overflows the database's
integers. Months are `ducha.lib.months.parse_month`, in its range of years.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from ducha.lib.months import parse_month

_NUMBER = re.compile(r"[0-9]{1,9}")  # below 2**31: any integer column takes it


class BadParameter(BadRequest):
    """`message` is in the request's language: the 400 page shows it."""

    def __init__(self, name: str, message: str):
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


def _text(query, name: str) -> str:
    return query.get(name, "").strip()


def month(query, name: str = "month", default: dt.date | None = None) -> dt.date | None:
    text = _text(query, name)
    if not text:
        return default
    try:
        return parse_month(text)
    except ValueError:
        raise BadParameter(
            name, _("%(text)s 不是可用的月份：应写作 YYYY-MM，例如 2021-06") % {"text": text[:20]}
        ) from None


def number(query, name: str, default: int | None = None, least: int = 0) -> int | None:
    text = _text(query, name)
    if not text:
        return default
    if not _NUMBER.fullmatch(text) or int(text) < least:
        raise BadParameter(
            name,
            _("%(text)s 不是可用的数字：应为不小于 %(least)s 的整数（半角数字）")
            % {"text": text[:20], "least": least},
        )
    return int(text)


def choice(query, name: str, allowed, default: str = "") -> str:
    text = _text(query, name)
    if not text:
        return default
    if text not in allowed:
        raise BadParameter(name, _("%(text)s 不是可选的值") % {"text": text[:20]})
    return text
