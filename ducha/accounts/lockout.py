"""Locking out repeated sign-in failures, per username and per client address.

N failures inside a window of DUCHA_LOCKOUT_MINUTES lock the key (a username or an
address) for DUCHA_LOCKOUT_MINUTES from the N-th failure. While locked, attempts are
refused before any password is checked and are not recorded, so an attacker can neither
test passwords nor stretch the lock with more rows. A success clears a username's count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from ducha.accounts.models import LoginAttempt
from ducha.lib import clock

KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class Lock:
    by_address: bool  # False: the username is locked
    until: dt.datetime


def normalise(username: str) -> str:
    return username.strip().lower()[:150]


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DUCHA_LOCKOUT_MINUTES)


def _locked_until(failures: list[dt.datetime], limit: int) -> dt.datetime | None:
    """The end of the latest lock: N failures (oldest first) within one window."""
    window = _window()
    until = None
    for i in range(limit - 1, len(failures)):
        if failures[i] - failures[i - limit + 1] <= window:
            until = failures[i] + window
    return until


def _failures(now: dt.datetime, **key) -> list[dt.datetime]:
    # A lock lasts one window from a failure that is itself at most one window old.
    since = now - 2 * _window()
    if "username" in key:
        success = (
            LoginAttempt.objects.filter(succeeded=True, at__gt=since, **key)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        since = max(since, success) if success else since
    rows = LoginAttempt.objects.filter(succeeded=False, at__gt=since, **key)
    return list(rows.order_by("at").values_list("at", flat=True))


def current_lock(username: str, address: str, now: dt.datetime | None = None) -> Lock | None:
    now = now or clock.now()
    checks = [
        (False, {"username": normalise(username)}, settings.DUCHA_LOCKOUT_USER_FAILURES),
        (True, {"address": address}, settings.DUCHA_LOCKOUT_ADDRESS_FAILURES),
    ]
    for by_address, key, limit in checks:
        until = _locked_until(_failures(now, **key), limit)
        if until and until > now:
            return Lock(by_address, until)
    return None


def note_attempt(username: str, address: str, succeeded: bool, now: dt.datetime | None = None):
    now = now or clock.now()
    LoginAttempt.objects.filter(at__lt=now - max(KEEP, 2 * _window())).delete()
    LoginAttempt.objects.create(
        username=normalise(username), address=address, at=now, succeeded=succeeded
    )
