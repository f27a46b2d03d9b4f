"""A suggestion sent through the public form: the form's time stamp (a CAPTCHA-free cost to
robots: a form sent sooner than DUCHA_OPEN_DOOR_MIN_SECONDS after it was served, or hours
later, is refused), the rate limit per client address counted in the database (so that it
holds across app servers), and the one write that files the suggestion.

The client address is never stored: only an HMAC of it under SECRET_KEY, for the rate
limit's window, erased after it (retention.due).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ducha.lib import clock
from ducha.lib.addresses import client_address
from ducha.notify.api import send
from ducha.opendoor.models import Suggestion, new_code
from ducha.org.models import Area, Jurisdiction, User

SALT = "ducha.opendoor.form"
# A form served longer ago than this is refused (its stamp renewed): a robot may not keep
# one stamp for a day's sending.
FORM_HOURS = 6


class Refused(Exception):
    """The form is shown again with this message and status; what was typed is kept."""

    def __init__(self, message: str, status: int = 400, renew: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.renew = renew  # the form gets a new stamp


# The form's stamp ----------------------------------------------------------------------------


def stamp() -> str:
    """The hidden field's value: when the form was served, signed."""
    return signing.dumps(round(clock.now().timestamp() * 1000), salt=SALT)


def stamp_age(value: str) -> float | None:
    """Seconds since the form with this stamp was served; None if it is not one of ours."""
    try:
        served = signing.loads(value or "", salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(served, int):
        return None
    return clock.now().timestamp() - served / 1000


def check_stamp(value: str) -> None:
    age = stamp_age(value)
    if age is None:
        raise Refused(
            _("表单校验信息缺失或无效，未能提交。请再次点击“提交”；您填写的内容已保留。"),
            renew=True,
        )
    least = settings.DUCHA_OPEN_DOOR_MIN_SECONDS
    if least and age < least:
        raise Refused(
            _(
                "提交得太快了（表单打开后不到 %(n)s 秒），未能提交。"
                "请核对内容后再次点击“提交”；您填写的内容已保留。"
            )
            % {"n": least}
        )
    if age > FORM_HOURS * 3600:
        raise Refused(
            _(
                "这个表单已打开超过 %(n)s 小时，为防止滥用未予提交。"
                "请再次点击“提交”；您填写的内容已保留。"
            )
            % {"n": FORM_HOURS},
            renew=True,
        )


# The rate limit ------------------------------------------------------------------------------


def address_key(request) -> str:
    """The client address as a keyed hash: the same address gives the same key under one
    SECRET_KEY, and the address cannot be read back from it."""
    secret = settings.SECRET_KEY.encode()
    return hmac.new(
        secret, b"opendoor:" + client_address(request).encode(), hashlib.sha256
    ).hexdigest()


def window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=settings.DUCHA_OPEN_DOOR_WINDOW_MINUTES)


def _lock(address_hash: str) -> None:
    """Serialise the count and the insert of one address across app servers: PostgreSQL by
    an advisory lock held to the transaction's end; SQLite's transactions take the write
    lock at BEGIN already (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        # Any text (an erased or hand-made hash too) gives a 64-bit key.
        digest = hashlib.sha256(address_hash.encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# The write -----------------------------------------------------------------------------------


def submit(
    *,
    category: str,
    title: str,
    text: str,
    area: Area | None = None,
    name: str = "",
    contact: str = "",
    address_hash: str,
    jurisdiction: Jurisdiction | None = None,
) -> tuple[Suggestion, bool]:
    """File a suggestion: (it, True). The same title and text sent again from the same
    address within the window (a page reloaded after sending) is the first one: (it,
    False), not counted again. Refused (429) past DUCHA_OPEN_DOOR_LIMIT in the window."""
    now = clock.now()
    place = Jurisdiction.objects.resolve(jurisdiction)
    with transaction.atomic():
        _lock(address_hash)
        recent = Suggestion.objects.from_address(address_hash, window_start(now))
        same = recent.filter(title=title, text=text).first()
        if same is not None:
            return same, False
        if recent.count() >= settings.DUCHA_OPEN_DOOR_LIMIT:
            raise Refused(
                _(
                    "来自您所在网络地址的意见建议已达 %(n)s 条（%(m)s 分钟内），暂不能再提交。"
                    "请稍后再试；您填写的内容已保留。"
                )
                % {
                    "n": settings.DUCHA_OPEN_DOOR_LIMIT,
                    "m": settings.DUCHA_OPEN_DOOR_WINDOW_MINUTES,
                },
                status=429,
            )
        s = _create(
            jurisdiction=place,
            category=category,
            area=area,
            title=title,
            text=text,
            name=name,
            contact=contact,
            address_hash=address_hash,
            created_at=now,
            reply_due=Suggestion.due_from(now),
        )
        _tell_office(s)
    return s, True


def _create(**fields) -> Suggestion:
    for _attempt in range(5):  # a code already given: 1 in 10^17, but never a 500
        try:
            with transaction.atomic():
                return Suggestion.objects.create(code=new_code(), **fields)
        except IntegrityError:
            continue
    raise IntegrityError("no free receipt code")


def _tell_office(s: Suggestion) -> None:
    """The office's inbox hears of it (the category and the title, nothing personal), in
    Chinese whatever language the visitor chose."""
    with translation.override(settings.LANGUAGE_CODE):
        category = str(s.get_category_display())
    send(
        User.objects.offices_of(s.jurisdiction),
        kind="suggestion_received",
        subject=f"收到意见建议：{s.title}",
        body=f"{category}通过“开门搞改革”提出意见建议“{s.title}”，"
        f"回执码 {s.receipt}，请于 {s.reply_due:%Y-%m-%d} 前答复。",
        key=f"suggestion:{s.pk}:received",
        url=f"/office/suggestions/{s.pk}/",
        jurisdiction=s.jurisdiction,
        by_name="开门搞改革",
    )
