"""Small helpers the management commands share."""

import datetime as dt

from django.core.management.base import CommandError

from ducha.lib.months import parse_month


def month_argument(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError as e:
        raise CommandError(str(e)) from None
