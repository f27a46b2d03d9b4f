"""Slowing repeated sign-in failures, per username, and stopping them per client address.

A username is slowed, never locked. After DUCHA_LOCKOUT_USER_FAILURES failures (wrong
passwords and wrong second-factor codes alike) since its last complete sign-in, each next
attempt must wait DUCHA_LOCKOUT_DELAY_SECONDS × 2^k since the latest failure, k being the
failures beyond the limit, up to DUCHA_LOCKOUT_MAX_DELAY_MINUTES. Once the wait is over
the right password works, so a stranger who knows a username can make its owner wait
minutes, never keep them out (a lock for a fixed time after N failures, refreshed by every
further failure, was exactly that weapon).

A client address is stopped: DUCHA_LOCKOUT_ADDRESS_FAILURES failures from it inside
DUCHA_LOCKOUT_MINUTES stop sign-ins from it for DUCHA_LOCKOUT_MINUTES. The address is the
real client's (ducha/lib/addresses.py, behind DUCHA_TRUSTED_PROXIES), so this stops a
guesser trying many usernames without stopping everyone behind the same proxy.

A browser where the username completed a sign-in before carries a signed device cookie
(OWASP's "device cookies"): there only that browser's own failures count toward the
username's wait, so a stranger guessing from elsewhere slows himself and every unknown
browser, not the owner at her usual desk or phone.

While a wait or a stop lasts, attempts are refused before any password or code is
checked and are not recorded: an attacker can neither test passwords nor stretch the wait
with more rows.

Why hand-written rather than django-axes (the issue's Build 6 asked for the library where
one does the job). Observed with axes 8.3.1 against a scratch project (limit 5,
lockout by username, progressive AXES_COOLOFF_TIME callable, AXES_RESET_ON_SUCCESS):

- Its model is a lockout: at the limit every attempt is refused with 429 until the
  cool-off passes, the right password included. By default
  (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT) each refused attempt, the owner's right
  password too, counts as a further failure and restarts the cool-off: 5 wrong passwords
  then 9 refused ones left failures_since_start at 14 and the owner still locked out.
- It has no delay that grows with the failures. The cool-off callable is asked before the
  failures are counted (it saw 0 on every request), and the cool-off is also the window the
  failures are counted in, so once it passes the count starts again from zero: after two
  rounds of 5 failures 31 s apart the 6th failure was simply accepted as a first one. A
  guesser gets the limit's worth of guesses every cool-off, for ever, and with a long
  cool-off the owner is locked out instead.
- With django-ipware installed its client address defaults to the leftmost
  X-Forwarded-For entry (AXES_IPWARE_PROXY_ORDER="left-most"), the one F6 is about (it
  would take AXES_CLIENT_IP_CALLABLE pointed at our helper); and wrong second-factor codes
  would have to be fed to it by sending Django's user_login_failed signal by hand.

So the throttle stays hand-written: the functions below, over one small table.
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction

from ducha.accounts.models import LoginAttempt
from ducha.audit import record
from ducha.lib import clock
from ducha.lib.addresses import client_address

# Attempts are kept this long, and a username's failures are remembered this long (unless
# a complete sign-in clears them first).
KEEP = dt.timedelta(days=1)
# 2^MAX_DOUBLINGS × the base delay is more than any sensible cap; stop doubling there.
MAX_DOUBLINGS = 20


@dataclass(frozen=True)
class Lock:
    by_address: bool  # False: the username must wait
    until: dt.datetime


def normalise(username: str) -> str:
    return username.strip().lower()[:150]


DEVICE_COOKIE = "ducha_device"
DEVICE_SALT = "ducha.accounts.device"
DEVICE_DAYS = 180


def device_of(request, username: str) -> str:
    """This browser's device id if a complete sign-in as `username` gave it one, else ""."""
    try:
        data = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""),
            salt=DEVICE_SALT,
            max_age=dt.timedelta(days=DEVICE_DAYS),
        )
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("u") != normalise(username):
        return ""
    device = data.get("d")
    return device if isinstance(device, str) else ""


def remember_device(request, response, username: str) -> None:
    """After a complete sign-in: mark this browser as one `username` uses."""
    device = device_of(request, username) or secrets.token_urlsafe(16)
    value = signing.dumps({"u": normalise(username), "d": device}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 24 * 3600,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DUCHA_LOCKOUT_MINUTES)


def delay(failures: int) -> dt.timedelta:
    """How long the next attempt waits after `failures` failures in a row (0: no wait)."""
    beyond = failures - settings.DUCHA_LOCKOUT_USER_FAILURES
    if beyond < 0:
        return dt.timedelta(0)
    seconds = settings.DUCHA_LOCKOUT_DELAY_SECONDS * 2 ** min(beyond, MAX_DOUBLINGS)
    return min(
        dt.timedelta(seconds=seconds),
        dt.timedelta(minutes=settings.DUCHA_LOCKOUT_MAX_DELAY_MINUTES),
    )


def _username_wait(username: str, now: dt.datetime, device: str = "") -> dt.datetime | None:
    """When the username may try again from this browser, if it has to wait: on a known
    device only its own failures count."""
    since = now - KEEP
    success = (
        LoginAttempt.objects.filter(username=username, succeeded=True, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = LoginAttempt.objects.filter(
        username=username, succeeded=False, at__gt=max(since, success) if success else since
    )
    if device:
        failures = failures.filter(device=device)
    count = failures.count()
    if not count:
        return None
    latest = failures.order_by("-at").values_list("at", flat=True).first()
    return latest + delay(count) if delay(count) else None


def _address_stopped_until(address: str, now: dt.datetime) -> dt.datetime | None:
    """The end of the latest stop: N failures (oldest first) within one window."""
    window, limit = _window(), settings.DUCHA_LOCKOUT_ADDRESS_FAILURES
    # A stop lasts one window from a failure that is itself at most one window old.
    rows = LoginAttempt.objects.filter(address=address, succeeded=False, at__gt=now - 2 * window)
    failures = list(rows.order_by("at").values_list("at", flat=True))
    until = None
    for i in range(limit - 1, len(failures)):
        if failures[i] - failures[i - limit + 1] <= window:
            until = failures[i] + window
    return until


def address_stopped(address: str, now: dt.datetime | None = None) -> bool:
    """Whether attempts from this address are stopped now (the API's tokens ask this)."""
    now = now or clock.now()
    until = _address_stopped_until(address, now)
    return until is not None and until > now


def current_lock(
    username: str, address: str, now: dt.datetime | None = None, device: str = ""
) -> Lock | None:
    """Whether this attempt must be refused unchecked, and until when."""
    now = now or clock.now()
    until = _username_wait(normalise(username), now, device)
    if until and until > now:
        return Lock(False, until)
    until = _address_stopped_until(address, now)
    if until and until > now:
        return Lock(True, until)
    return None


def note_attempt(
    username: str,
    address: str,
    succeeded: bool,
    now: dt.datetime | None = None,
    device: str = "",
):
    """Record a checked attempt. A success is a complete sign-in (with its second factor,
    when one is asked): a right password alone must not wipe the wrong codes before it."""
    now = now or clock.now()
    LoginAttempt.objects.filter(at__lt=now - max(KEEP, 2 * _window())).delete()
    LoginAttempt.objects.create(
        username=normalise(username), address=address, at=now, succeeded=succeeded, device=device
    )


@contextmanager
def one_at_a_time(username: str):
    """Check, verify and count one attempt for `username` while no other does.

    PostgreSQL: a transaction-scoped advisory lock on the username. SQLite: the
    transaction itself, which begins IMMEDIATE and so holds the database's write lock."""
    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))",
                    ["ducha-login:" + normalise(username)],
                )
        yield


@transaction.atomic
def note_failure(request, username: str, action: str, now: dt.datetime | None = None):
    """Count a wrong password or code, audit it (`action`), and audit the wait or the stop
    it starts; that wait or stop (a Lock), if any."""
    address, now = client_address(request), now or clock.now()
    device = device_of(request, username)
    note_attempt(username, address, False, now, device)
    record(action, request=request, detail={"username": username})
    lock = current_lock(username, address, now, device)
    if lock is not None:
        detail = {
            "username": username,
            "scope": "address" if lock.by_address else "username",
            "until": clock.local(lock.until).isoformat(timespec="seconds"),
        }
        if not lock.by_address:
            detail["wait"] = round((lock.until - now).total_seconds())
        record("lockout", request=request, detail=detail)
    return lock
