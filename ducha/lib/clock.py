"""The current time, which the demo and tests may pin (DUCHA_TODAY=2022-01-11)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def now() -> dt.datetime:
    pinned = settings.DUCHA_TODAY
    if not pinned:
        return timezone.now()
    day = dt.date.fromisoformat(pinned)
    current = timezone.localtime()
    return timezone.make_aware(dt.datetime.combine(day, current.time()))


def today() -> dt.date:
    return timezone.localtime(now()).date()
