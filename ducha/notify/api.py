"""Sending a message: the one way every part of Ducha notifies people.

Who gets what, besides each recipient's inbox (at once):
- e-mail to the recipient's own address, when his account has one (the office sets it with
  the person; leaders and the office's own staff have no unit, so this is theirs);
- each active channel of the recipient's unit (/office/channels/): its shared mailbox, and
  its group robots (WeCom, DingTalk, Feishu).

A shared address is one delivery per message, however many of its people the message is
for: a unit's robot posts once, a mailbox gets one e-mail. So an external delivery's
idempotency key is the message's key, the channel and the address (`external_key`): the same
message never reaches the same address on the same channel twice.

Quiet hours: a person's own e-mail waits until his quiet hours end; a shared address waits
until the quiet hours of every recipient it reaches, who is in quiet hours now, have ended (a
group post rings all their phones). The inbox never waits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from ducha.lib import clock
from ducha.notify.models import Channel, Delivery, Message, QuietHours, UnitChannel
from ducha.notify.quiet import quiet_until
from ducha.org.models import Jurisdiction


def send(
    recipients: Iterable,
    *,
    kind: str,
    subject: str,
    body: str,
    key: str,
    url: str = "",
    jurisdiction: Jurisdiction | None = None,
    by=None,
    by_name: str = "",
    units: Iterable[int] = (),
) -> tuple[Message, bool]:
    """Write a message to `recipients` (users) under the idempotency `key`: (message, True)
    the first time; (the existing message, False) when `key` was sent before, and nothing
    is written again. Each recipient gets it in the inbox at once; the external deliveries
    are queued, and the worker (`ducha worker`) is woken when the transaction commits.
    `units` (ids) are reached on their own channels too, whether or not anyone of theirs
    is among the recipients: a unit is chased at its mailbox before it has an account."""
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    people = list(dict.fromkeys(recipients))
    try:
        with transaction.atomic():
            now = clock.now()
            message = Message.objects.create(
                jurisdiction=Jurisdiction.objects.resolve(jurisdiction),
                kind=kind,
                key=key,
                # One line: a title typed with Alt+Enter in Excel would stop every e-mail.
                subject=" ".join(subject.split())[:200],
                body=body,
                url=url,
                created_at=now,
                by=by if by is not None and by.is_authenticated else None,
                by_name=by_name,
            )
            inbox = [
                Delivery(
                    message=message,
                    user=person,
                    channel=Channel.INBOX,
                    key=f"{key}|{person.pk}|inbox",
                    status=Delivery.Status.SENT,
                    attempts=1,
                    sent_at=now,
                )
                for person in people
            ]
            external = external_deliveries(message, people, now, units)
            Delivery.objects.bulk_create(inbox + external)
            if external:
                from ducha.notify.queue import schedule

                transaction.on_commit(schedule)
    except IntegrityError:  # the same key at the same moment: theirs stands
        return Message.objects.get(key=key), False
    return message, True


def external_key(message_key: str, channel: str, address: str) -> str:
    """One delivery per message, channel and address (an address can be long: hashed)."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:20]
    return f"{message_key}|{channel}|{digest}"


def external_deliveries(
    message: Message, people: list, now, also: Iterable[int] = ()
) -> list[Delivery]:
    """The queued e-mails and robot posts for `people` and the units `also` (two queries:
    their units' channels and their quiet hours)."""
    units = {p.unit_id for p in people if getattr(p, "unit_id", None)} | set(also)
    channels = list(UnitChannel.objects.filter(unit_id__in=units, active=True).order_by("pk"))
    local = clock.local(now)
    quiet = {
        q.user_id: quiet_until(q.start, q.end, local)
        for q in QuietHours.objects.filter(user__in=[p.pk for p in people])
    }
    out: dict[str, Delivery] = {}

    def add(channel, address, user=None, via=None, waits=()):
        key = external_key(message.key, channel, address)
        ends = [t for t in waits if t is not None]
        if key not in out:
            out[key] = Delivery(
                message=message,
                user=user,
                channel=channel,
                address=address,
                via=via,
                key=key,
                not_before=max(ends) if ends else None,
            )
        elif ends:  # the same address reached again: it waits for everyone's quiet hours
            held = out[key].not_before
            out[key].not_before = max([*ends, *([held] if held else [])])

    for person in people:
        if person.email:
            add(Channel.EMAIL, person.email.strip(), user=person, waits=[quiet.get(person.pk)])
    for channel in channels:
        reached = [p.pk for p in people if p.unit_id == channel.unit_id]
        add(
            channel.channel,
            channel.address,
            via=channel,
            waits=[quiet.get(pk) for pk in reached],
        )
    return list(out.values())


def unread(user) -> int:
    """How many inbox messages `user` has not read."""
    if not user.is_authenticated:
        return 0
    return Delivery.objects.filter(user=user, channel=Channel.INBOX, read_at__isnull=True).count()


def reachable_units(unit_ids: Iterable[int]) -> set[int]:
    """The units among `unit_ids` with a channel of their own switched on (one query)."""
    active = UnitChannel.objects.filter(unit_id__in=list(unit_ids), active=True)
    return set(active.values_list("unit_id", flat=True))
