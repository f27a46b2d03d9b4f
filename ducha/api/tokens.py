"""Issuing and revoking the tokens integrations use (`ducha api-token`).

A token is `dch_` and 32 random URL-safe characters; only its SHA-256 is stored
(`ApiToken.digest`), so it is printed once, when issued, and a stolen database holds no
usable token. It acts through an account of its own: the unit's reporter in every rule the
web asks (`User.is_integration`; nobody signs in with it, no message goes to it). Revoking
stamps the token and deactivates that account, so both the lookup and every rule refuse it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from ducha.api.models import ApiToken, token_digest
from ducha.audit import record
from ducha.lib import clock
from ducha.org.models import Jurisdiction, Unit, named

PREFIX = "dch_"
# The characters of a token shown in lists and in its account's name: enough to tell an
# office's tokens apart, far too few to guess the rest from.
SHOWN = len(PREFIX) + 8


class TokenError(ValueError):
    """A token that cannot be issued or revoked as asked; the message says why."""


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # the token itself: shown once, never stored


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(24)  # 24 bytes: 32 characters


@transaction.atomic
def issue_token(
    unit: Unit, scope: str, *, name: str = "", by=None, by_name: str = "", request=None
) -> Issued:
    """A token for `unit` (in the unit's own jurisdiction) that may `scope` (read|report)."""
    if scope not in ApiToken.Scope.values:
        raise TokenError(f"权限应为 {' 或 '.join(ApiToken.Scope.values)}，而不是「{scope}」")
    if not unit.is_active:
        raise TokenError(f"{unit.name} 已停用，不能签发令牌")
    secret = new_secret()
    while ApiToken.objects.filter(prefix=secret[:SHOWN]).exists():  # prefixes name tokens
        secret = new_secret()
    prefix = secret[:SHOWN]
    account = get_user_model()(
        username=f"api-{prefix[len(PREFIX) :]}",
        full_name=f"接口：{name or unit.name}"[:50],
        role=get_user_model().Role.REPORTER,
        unit=unit,
        jurisdiction_id=unit.jurisdiction_id,
        is_integration=True,
    )
    account.set_unusable_password()
    account.save()
    token = ApiToken.objects.create(
        name=(name or f"{unit.name}（{ApiToken.Scope(scope).label}）")[:100],
        jurisdiction_id=unit.jurisdiction_id,
        unit=unit,
        scope=scope,
        user=account,
        digest=token_digest(secret),
        prefix=prefix,
    )
    record(
        "api_token_issued",
        actor=by,
        actor_name=by_name,
        request=request,
        target=token,
        detail={"unit": unit.name, "scope": scope, "prefix": prefix, **named(unit.jurisdiction)},
    )
    return Issued(token, secret)


def tokens_of(jurisdiction: Jurisdiction | None = None):
    """The tokens issued in `jurisdiction` (None: all), newest first."""
    tokens = ApiToken.objects.select_related("unit", "jurisdiction", "user")
    return tokens if jurisdiction is None else tokens.filter(jurisdiction=jurisdiction)


def find(prefix: str) -> ApiToken:
    """The token whose shown prefix is `prefix` (the whole token is taken too)."""
    prefix = prefix.strip()[:SHOWN]
    found = tokens_of().filter(prefix=prefix).first() if len(prefix) == SHOWN else None
    if found is None:
        raise TokenError(f"没有前缀为「{prefix}」的令牌（ducha api-token --list 列出全部）")
    return found


@transaction.atomic
def revoke(token: ApiToken, *, by=None, by_name: str = "", request=None) -> bool:
    """Revoke the token and deactivate its account; False if it was revoked already."""
    stamped = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    token.refresh_from_db()
    get_user_model().objects.filter(pk=token.user_id).update(is_active=False)
    if not stamped:
        return False
    record(
        "api_token_revoked",
        actor=by,
        actor_name=by_name,
        request=request,
        target=token,
        detail={
            "unit": token.unit.name,
            "scope": token.scope,
            "prefix": token.prefix,
            **named(token.jurisdiction),
        },
    )
    return True
