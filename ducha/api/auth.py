"""Who is calling /api/v1/: a bearer token, looked up by its SHA-256.

`TokenAuth` answers with the token's account (`request.auth`, and `request.user` too, so
that every rule and the audit log see the integration, never a browser session riding
along). A session cookie alone authenticates nothing here: the integration routes accept
the Authorization header and nothing else, which is also why they need no CSRF check (a
browser never adds that header to a cross-site request by itself).

Failed lookups are counted per client address (ducha.lib.addresses): after
DUCHA_LOCKOUT_ADDRESS_FAILURES wrong or revoked tokens within DUCHA_LOCKOUT_MINUTES, the
address gets 429 for the rest of that window, before any lookup. They are counted where the
sign-in page counts its failures (ducha.accounts.lockout, one table every app server shares),
with the sign-in's rule: an address guessing tokens is an address guessing, and is stopped
at the sign-in page too. A guessed token is out of reach anyway (192 random bits); the stop
keeps a misconfigured or hostile client from filling the logs and the database's time.

`last_used_at` is the one write a read makes: at most once a minute per token, and only when
the stamp loaded with the token is older than that (a conditional UPDATE, so a burst of
requests writes it once). It is bookkeeping, not data: the office needs to see which tokens
are still in use before it revokes one, and a read-only integration would otherwise never
show any use.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from ducha.accounts import lockout
from ducha.api.models import ApiToken, token_digest
from ducha.api.problems import ApiProblem
from ducha.lib import clock
from ducha.lib.addresses import client_address

log = logging.getLogger("ducha.api")

USED_EVERY = dt.timedelta(minutes=1)
MAX_TOKEN = 200  # longer is no token of ours: not even hashed


# The "username" a wrong token is noted under among the sign-in attempts: none can sign in
# with it (usernames are never empty), so it slows nobody; only its address counts.
TOKEN_ATTEMPT = ""


def stopped(address: str) -> bool:
    return lockout.address_stopped(address)


def note_failure(address: str) -> None:
    """One more wrong token from `address`, counted as a failed sign-in from it."""
    lockout.note_attempt(TOKEN_ATTEMPT, address, succeeded=False)
    if stopped(address):
        log.warning("API: wrong tokens from %s, stopped for a while", address)


def _touch(token: ApiToken) -> None:
    now = clock.now()
    if token.last_used_at is not None and token.last_used_at > now - USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - USED_EVERY)
    ).update(last_used_at=now)


class TokenAuth(HttpBearer):
    """`TokenAuth(report=True)` also asks the `report` scope, before the body is read (an
    upload from a read token is refused without spooling it)."""

    def __init__(self, report: bool = False):
        super().__init__()
        self.report = report

    def authenticate(self, request, token: str):
        address = client_address(request)
        if stopped(address):
            raise ApiProblem(
                429,
                _("来自该地址的无效令牌过多，请 %(minutes)s 分钟后再试")
                % {"minutes": settings.DUCHA_LOCKOUT_MINUTES},
            )
        token = token.strip()
        found = None
        if token and len(token) <= MAX_TOKEN:
            found = (
                ApiToken.objects.select_related("user", "unit", "jurisdiction")
                .filter(digest=token_digest(token))
                .first()
            )
        if found is None or not found.active:
            note_failure(address)
            return None  # ninja answers 401 (ducha.api.problems)
        _touch(found)
        request.api_token = found
        request.user = found.user
        if self.report:
            require_report_scope(request)
        return found.user


def require_report_scope(request) -> None:
    """Saving, submitting and uploading need a `report` token; a `read` one only reads."""
    token = getattr(request, "api_token", None)
    if token is None or not token.may_report:
        raise ApiProblem(403, _("该令牌只读（scope=read），不能保存或提交报送"))
