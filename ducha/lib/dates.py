"""Months and days in the reader's language: 2021年6月 / June 2021, 2021年6月30日 / 30 June 2021."""

import datetime as dt

from django.utils import dateformat
from django.utils.translation import pgettext


def month_label(month: dt.date) -> str:
    return dateformat.format(month, pgettext("month", "Y年n月"))


def short_month_label(month: dt.date) -> str:
    return dateformat.format(month, pgettext("short month", "n月"))


def day_label(day: dt.date) -> str:
    return dateformat.format(day, pgettext("day", "Y年n月j日"))
