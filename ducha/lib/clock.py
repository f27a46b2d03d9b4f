"""The one clock: every "now" and "today" in Ducha comes from here.

A demo or a rehearsal pins the date (DUCHA_TODAY=2022-02-08): the clock then reads the real
time of day on that date, so that everything stamped meanwhile (reports, evidence, audit
entries, publications) carries the pinned date. Code that replays the past (the demo's
seeding, a test) sets an exact moment with `frozen`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("ducha_clock_frozen", default=None)


def now() -> dt.datetime:
    moment = _frozen.get()
    if moment is not None:
        return moment
    real = timezone.now()
    pinned = settings.DUCHA_TODAY
    if not pinned:
        return real
    local = timezone.localtime(real)
    # The same time of day, on the pinned date.
    return local + (dt.date.fromisoformat(pinned) - local.date())


def today() -> dt.date:
    return timezone.localtime(now()).date()


def local(moment: dt.datetime) -> dt.datetime:
    """A moment in the site's time zone (naive moments are taken as local)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment)


@contextmanager
def frozen(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Within the block, `now()` is `moment` (aware; naive moments are taken as local)."""
    token = _frozen.set(local(moment))
    try:
        yield local(moment)
    finally:
        _frozen.reset(token)


class StampField(models.DateTimeField):
    """A DateTimeField whose auto_now / auto_now_add stamps come from this clock.

    Django's own would read the real clock, and a demo set in February 2022 would show
    evidence "uploaded" today.
    """

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
