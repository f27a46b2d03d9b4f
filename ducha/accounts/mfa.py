"""The second factor: a TOTP code from an authenticator app, or a one-time recovery code.

Asked of the accounts that see or change everything (the office, the auditor, the admin):
MLPS 2.0 level 3 asks it of administrators. A password alone signs such a person in only
half way; `SecondFactorMiddleware` keeps the half-signed-in session on the code page.
Wrong codes count in the same throttle as wrong passwords (lockout.py).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from binascii import unhexlify
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from ducha.accounts import lockout
from ducha.audit import record
from ducha.lib import clock
from ducha.lib.addresses import client_address

RECOVERY_CODES = 10
# A key offered on the enrolment page is good for this long (the form carries it signed).
ENROL_MAX_AGE = 30 * 60
TOTP_CODE = re.compile(r"\d{6}")


def pending(request) -> bool:
    """Signed in with the password, but not yet with the second factor it needs."""
    return request.user.is_authenticated and request.user.owes_second_factor


def second_step_url(user, next_url: str) -> str:
    """The code page, or the enrolment page for someone with no authenticator yet."""
    name = "accounts:second_factor" if authenticator(user) else "accounts:enrol"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


# Enrolment -------------------------------------------------------------------------------


def new_key() -> str:
    return random_hex(20)


def _salt(user) -> str:
    return f"ducha.accounts.enrol:{user.pk}"


def sign_key(user, key: str) -> str:
    """The key, for the enrolment form to carry back: nothing is stored before the code."""
    return signing.dumps(key, salt=_salt(user))


def unsign_key(user, signed: str) -> str | None:
    """The key the form was given, if it was given to this user lately."""
    try:
        key = signing.loads(signed, salt=_salt(user), max_age=ENROL_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return key if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{40}", key) else None


def secret_text(key: str) -> str:
    """The key as authenticator apps ask for it by hand: base32, in groups of four."""
    from base64 import b32encode

    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup_uri(user, key: str) -> str:
    return TOTPDevice(user=user, key=key).config_url


def qr_svg(uri: str, title: str) -> str:
    """The otpauth URI as an inline SVG QR code: made here, no script, nothing fetched."""
    return segno.make(uri, error="m").svg_inline(
        scale=3, border=4, title=title, svgclass="qr", lineclass=None, omitsize=False
    )


def _step_matching(key: str, code: str) -> int | None:
    """The time step a code belongs to (this one or a neighbour), if it is right."""
    if not TOTP_CODE.fullmatch(code):
        return None
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    if totp.verify(int(code), tolerance=1):
        return totp.t() + totp.drift
    return None


class AlreadyEnrolled(Exception):
    pass


# An enrolment code: one token of an unconfirmed static device by this name, issued by the
# system administrator (`ducha enrolment-code USER`), good for DUCHA_MFA_ENROL_HOURS.
ENROLMENT = "绑定码"


def issue_enrolment_code(user, by_name: str = "") -> str:
    """A new one-time enrolment code for `user` (any earlier one stops working).

    Without it a password alone would let whoever holds it bind his own phone to an
    account that has no authenticator yet: a new one, or one whose phone was lost."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user, name=ENROLMENT).delete()
        device = StaticDevice.objects.create(user=user, name=ENROLMENT, confirmed=False)
        # Stamped by the one clock (a pinned demo day included), not the wall clock.
        StaticDevice.objects.filter(pk=device.pk).update(created_at=clock.now())
        code = StaticToken.random_token()
        StaticToken.objects.create(device=device, token=code)
        record(
            "mfa_reset",
            actor_name=by_name,
            target=user,
            detail={"enrolment_code": True, "hours": settings.DUCHA_MFA_ENROL_HOURS},
        )
    return shown_code(code)


class EnrolmentRefused(Exception):
    pass


def _take_enrolment_code(user, code: str) -> None:
    """Use up the user's enrolment code, or refuse: missing, wrong or too old."""
    device = StaticDevice.objects.filter(user=user, name=ENROLMENT, confirmed=False).first()
    since = clock.now() - dt.timedelta(hours=settings.DUCHA_MFA_ENROL_HOURS)
    if device is None or device.created_at is None or device.created_at < since:
        raise EnrolmentRefused
    if not StaticToken.objects.filter(device=device, token=clean(code)).delete()[0]:
        raise EnrolmentRefused


@transaction.atomic
def enrol(request, key: str, code: str, enrolment_code: str) -> list[str] | None:
    """Bind the authenticator the user set up with `key`, if the administrator's enrolment
    code is right and `code` proves the app shows the right codes; the recovery codes to
    show once, or None for a wrong code. A wrong enrolment code raises EnrolmentRefused
    (the caller counts it as a failed sign-in: it is what stands in for the second factor).
    """
    user = get_user_model().objects.select_for_update().get(pk=request.user.pk)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Replacing a bound authenticator after the password alone would undo the factor.
        raise AlreadyEnrolled
    step = _step_matching(key, clean(code))
    if step is None:
        return None
    _take_enrolment_code(user, enrolment_code)
    if step is None:
        return None
    # last_t: the code just typed cannot be typed again to pass the verification step.
    device = TOTPDevice.objects.create(
        user=user, name="身份验证器", key=key, confirmed=True, last_t=step
    )
    StaticDevice.objects.filter(user=user).delete()
    codes = new_recovery_codes(user)
    lockout.note_attempt(user.username, client_address(request), True)
    otp_login(request, device)
    record("mfa_enrolled", request=request)
    record("login", request=request, detail={"second_factor": "totp"})
    return codes


def new_recovery_codes(user) -> list[str]:
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return [shown_code(c) for c in codes]


def shown_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}"


# Verification ----------------------------------------------------------------------------


def clean(code: str) -> str:
    """What people type: spaces and hyphens anywhere, either case."""
    return re.sub(r"[\s\-]", "", code or "").lower()[:32]


@dataclass(frozen=True)
class Checked:
    passed: bool
    lock: lockout.Lock | None = None  # set when this failure starts a wait


@transaction.atomic
def check(request, code: str, now: dt.datetime | None = None) -> Checked:
    """Check a code typed at the second step; on success the session is fully signed in.

    Six digits are the authenticator's; anything else is tried as a recovery code, which
    then stops working. A code already accepted once is refused (django-otp keeps the last
    time step used).
    """
    user, address = request.user, client_address(request)
    token = clean(code)
    if TOTP_CODE.fullmatch(token):
        device = authenticator(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    accepted = device is not None and verify_token(user, device.persistent_id, token) is not None
    if not accepted:
        return Checked(False, lockout.note_failure(request, user.username, "mfa_failed", now))
    lockout.note_attempt(user.username, address, True, now)
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = StaticToken.objects.filter(device=device).count()
        record("recovery_code_used", request=request, detail={"left": left})
    kind = "recovery" if isinstance(device, StaticDevice) else "totp"
    record("login", request=request, detail={"second_factor": kind})
    return Checked(True)
