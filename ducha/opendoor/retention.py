"""How long a suggester's personal data is kept (`ducha tick` runs `due`): the name and
contact of a suggestion replied to more than DUCHA_OPEN_DOOR_RETENTION_DAYS ago are erased,
and the keyed hash of any suggestion's client address once the rate limit's window is past
(it exists for that limit alone). Running it twice erases nothing twice and records nothing
the second time."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ducha.audit import record
from ducha.opendoor.models import Suggestion
from ducha.opendoor.submission import window_start


def due(now: dt.datetime) -> list[str]:
    """Erase what is due; the lines `ducha tick` prints (none when nothing was due)."""
    settled_before = now - dt.timedelta(days=settings.DUCHA_OPEN_DOOR_RETENTION_DAYS)
    with transaction.atomic():
        personal = (
            Suggestion.objects.filter(state=Suggestion.State.REPLIED, replied_at__lt=settled_before)
            .filter(~Q(name="") | ~Q(contact=""))
            .update(name="", contact="", address_hash="", personal_erased_at=now)
        )
        addresses = (
            Suggestion.objects.filter(created_at__lt=window_start(now))
            .exclude(address_hash="")
            .update(address_hash="")
        )
        if not (personal or addresses):
            return []
        record(
            "suggestions_purged",
            actor_name="ducha tick",
            detail={"personal": personal, "addresses": addresses},
            at=now,
        )
    lines = []
    if personal:
        lines.append(f"开门搞改革：清除已答复超过保存期限的意见建议个人信息 {personal} 条")
    if addresses:
        lines.append(f"开门搞改革：清除超过限流时段的来源地址哈希 {addresses} 条")
    return lines
