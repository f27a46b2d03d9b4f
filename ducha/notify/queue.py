"""The delivery queue: external deliveries wait in the database, a worker claims them
atomically, sends them in threads with a timeout per attempt, retries with backoff and
records why each one failed.

Queue and wake-up. Delivery rows are the queue; Django's task framework (django-tasks with
its database backend) carries the wake-ups: `send` enqueues the `drain` task when its
transaction commits, a drain enqueues the next one for the earliest row still waiting (a
retry's backoff, quiet hours), and `ducha worker` runs them. One drain delivers everything
that is due, whatever asked for it; a second one finds nothing left and ends.

Exactly once, at most once. A row is claimed with a conditional UPDATE inside one
transaction (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's BEGIN IMMEDIATE
serialises writers), from `queued` to `sending`, so two workers never hold the same row and
its unique key means it exists once. The inbox is written with the message, in the same
transaction: exactly once. An external delivery is tried by one worker at a time and never
again once sent.

A worker killed mid-delivery leaves its rows in `sending`. Whether the receiver got the
request cannot be known, so such a row is never sent again: once its lease (six times the
attempt timeout; a claimed row waits at most about two attempts for its thread, and no
attempt outlasts its timeout) has passed, the next drain marks it `failed`, saying so. At
most once, and the office sees it in the delivery log. A worker stopped by SIGTERM or Ctrl+C
claims nothing more, puts back what it claimed and has not started, and lets the attempts
under way end.

A hanging or failing receiver delays no one else: each attempt waits at most
DUCHA_NOTIFY_TIMEOUT seconds, DUCHA_NOTIFY_THREADS attempts run at once, an address (a
robot, a mailbox) has one attempt under way at a time, e-mails take at most half the
threads (a hanging mail server leaves the robots theirs), and a slot freed is filled at once.
A failed attempt goes back to the queue after 30 s × 4^(attempts − 1)
(DUCHA_NOTIFY_BACKOFF_SECONDS; 30 s, 2 min, 8 min, 32 min) until DUCHA_NOTIFY_ATTEMPTS, and
the other rows for the same address wait with it rather than each spending a timeout; an
answer that cannot change (a 4xx, a refused address, a robot's own error such as a wrong
signature, a channel the office switched off) fails at once. A robot is never posted to
faster than its vendor allows (WeCom and DingTalk 20 a minute, Feishu 100 a minute and 5 a
second): the rest wait their turn.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from ducha.lib import clock
from ducha.notify.channels import (
    ROBOT_LIMITS,
    Envelope,
    Failure,
    close_mail_connections,
    deliver,
)
from ducha.notify.models import Channel, Delivery

log = logging.getLogger("ducha.notify")
Status = Delivery.Status

INTERRUPTED = "投递中断：发送时工作进程停止，无法确定对方是否收到；为免重复，不再重发"
# Set when the worker is asked to stop: a drain stops claiming and returns when its
# attempts under way have ended.
STOP = threading.Event()


def timeout() -> float:
    return float(settings.DUCHA_NOTIFY_TIMEOUT)


def lease() -> dt.timedelta:
    """How long a claimed row may stay `sending` before it counts as abandoned."""
    return dt.timedelta(seconds=6 * timeout())


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` tries (30 s, 2 min, 8 min, …, ≤ 6 h)."""
    seconds = settings.DUCHA_NOTIFY_BACKOFF_SECONDS * 4 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def due(now: dt.datetime):
    return Delivery.objects.filter(status=Status.QUEUED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )


# Pacing: the robots' own limits ----------------------------------------------------------------


class Pacer:
    """Posts to each robot in the last minute (and second), in this process: a robot over
    its vendor's limit is not posted to but rescheduled (DingTalk mutes a robot for ten
    minutes that posts more than 20 a minute)."""

    def __init__(self):
        self.times: dict[str, deque[float]] = defaultdict(deque)

    def wait(self, channel: str, address: str, now: float) -> float:
        """Seconds until the robot may take one more post (0: now)."""
        limits = ROBOT_LIMITS.get(channel)
        if not limits:
            return 0.0
        times = self.times[address]
        longest = max(seconds for _, seconds in limits)
        while times and times[0] <= now - longest:
            times.popleft()
        waits = [0.0]
        for count, seconds in limits:
            recent = [t for t in times if t > now - seconds]
            if len(recent) >= count:
                waits.append(recent[-count] + seconds - now)
        return max(waits)

    def take(self, channel: str, address: str, now: float) -> None:
        if channel in ROBOT_LIMITS:
            self.times[address].append(now)


PACER = Pacer()


# Claiming, sending, recording -------------------------------------------------------------------


def recover(now: dt.datetime) -> int:
    """Rows left `sending` past their lease by a worker that stopped: failed, not resent."""
    stale = Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - lease())
    count = stale.update(status=Status.FAILED, last_error=INTERRUPTED, claimed_at=None)
    if count:
        log.warning("%d deliveries interrupted by a stopped worker: marked failed", count)
    return count


def claim(
    now: dt.datetime, room: int, busy: set[str] = frozenset(), mail_room: int | None = None
) -> list[Delivery]:
    """Up to `room` due rows, now `sending` and ours alone, with what sending them needs.

    One attempt per address at a time (none for an address in `busy`, under way already):
    a slow or dead robot holds one slot, never all of them, and a robot gets its posts in
    order. At most `mail_room` e-mails: a hanging mail server leaves the robots slots."""
    mono = time.monotonic()
    mail_room = room if mail_room is None else mail_room
    with transaction.atomic():
        candidates = (
            due(now)
            .exclude(address__in=busy)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "channel", "address")
        )
        # The robots' rows and the e-mails apart: a backlog of e-mails waiting for their
        # few slots must not hide the robots' rows behind it.
        robots = candidates.exclude(channel=Channel.EMAIL)[: max(room * 8, 64)]
        rows = list(robots)
        if mail_room > 0:
            mails = candidates.filter(channel=Channel.EMAIL)[: max(mail_room * 8, 32)]
            rows = sorted([*rows, *mails])
        picked, taken, later = [], set(), {}
        for pk, channel, address in rows:
            if len(picked) == room:
                break
            if address in taken or (channel == Channel.EMAIL and mail_room <= 0):
                continue
            wait_s = PACER.wait(channel, address, mono)
            if wait_s > 0:
                later[pk] = now + dt.timedelta(seconds=wait_s)
                continue
            PACER.take(channel, address, mono)
            picked.append(pk)
            taken.add(address)
            mail_room -= channel == Channel.EMAIL
        for pk, moment in later.items():
            Delivery.objects.filter(pk=pk, status=Status.QUEUED).update(not_before=moment)
        if not picked:
            return []
        Delivery.objects.filter(pk__in=picked, status=Status.QUEUED).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        return list(
            Delivery.objects.filter(pk__in=picked, status=Status.SENDING, claimed_at=now)
            .select_related("message", "via")
            .order_by("pk")
        )


def _link(path: str) -> str:
    base = settings.DUCHA_SITE_URL.rstrip("/")
    return f"{base}{path}" if base and path else ""


def envelope(delivery: Delivery) -> Envelope:
    """What the sender needs, read here (the threads touch no database); Failure when the
    unit's channel was removed or switched off since the message was queued."""
    via = delivery.via
    if delivery.channel != Channel.EMAIL or via is not None:
        if via is None:
            raise Failure("该单位渠道已被删除", permanent=True)
        if not via.active:
            raise Failure("该单位渠道已停用", permanent=True)
    message = delivery.message
    link = _link(message.url)
    html = ""
    if delivery.channel == Channel.EMAIL:
        with translation.override(settings.LANGUAGE_CODE):
            html = render_to_string(
                "notify/email/message.html",
                {"message": message, "link": link, "office_name": settings.DUCHA_OFFICE_NAME},
            )
    return Envelope(
        pk=delivery.pk,
        key=delivery.key,
        channel=delivery.channel,
        address=delivery.address,
        secret=via.secret if via is not None else "",
        subject=message.subject,
        body=message.body,
        link=link,
        html=html,
    )


def attempt(item: Envelope, seconds: float) -> Failure | None:
    """One try (in a worker thread): None when delivered."""
    try:
        deliver(item, seconds)
    except Failure as failure:
        return failure
    except Exception as e:  # a bug must not stop the others: logged as this row's failure
        log.exception("delivery %s", item.pk)
        return Failure(f"意外错误：{type(e).__name__} {e}")
    return None


def record(outcomes: list[tuple[Delivery, Failure | None]]) -> dict[str, int]:
    """Write what happened to each row, in one transaction."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "held": 0}
    now = clock.now()
    sent = [delivery.pk for delivery, failure in outcomes if failure is None]
    with transaction.atomic():
        if sent:
            # Sent is sent, even if a slow attempt outlived its lease meanwhile.
            Delivery.objects.filter(pk__in=sent).update(
                status=Status.SENT, sent_at=now, last_error="", claimed_at=None
            )
            counts["sent"] = len(sent)
        for delivery, failure in outcomes:
            rows = Delivery.objects.filter(pk=delivery.pk)
            if failure is None:
                continue
            if failure.permanent or delivery.attempts >= settings.DUCHA_NOTIFY_ATTEMPTS:
                rows.filter(status=Status.SENDING).update(
                    status=Status.FAILED, last_error=failure.reason, claimed_at=None
                )
                counts["failed"] += 1
            else:
                later = now + backoff(delivery.attempts)
                rows.filter(status=Status.SENDING).update(
                    status=Status.QUEUED,
                    last_error=failure.reason,
                    claimed_at=None,
                    not_before=later,
                )
                counts["retry"] += 1
                # The address is down or slow now: its other rows wait too, rather than
                # each taking its own timeout (tried again with the first one).
                held = due(now).filter(address=delivery.address, channel=delivery.channel)
                counts["held"] += held.update(
                    not_before=later,
                    last_error=f"暂缓：发往同一地址的消息刚刚失败（{failure.reason}）"[:500],
                )
    return counts


def release(deliveries: list[Delivery]) -> None:
    """Rows claimed but never tried (the worker is stopping): back to the queue as they were."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], status=Status.SENDING).update(
        status=Status.QUEUED, claimed_at=None, attempts=F("attempts") - 1
    )


def drain(threads: int | None = None) -> dict[str, int]:
    """Deliver everything due, `threads` attempts at a time, until nothing due is left (or
    the worker is stopping); then make sure a drain runs when the next row falls due."""
    threads = threads or settings.DUCHA_NOTIFY_THREADS
    seconds = timeout()
    totals = {"sent": 0, "retry": 0, "failed": 0, "held": 0}
    totals["interrupted"] = recover(clock.now())
    inflight: dict[Future, Delivery] = {}
    outcomes: list[tuple[Delivery, Failure | None]] = []
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ducha-notify")
    more = True
    try:
        while True:
            # What came back first: a failure holds its address's other rows before they
            # can be claimed.
            if outcomes:
                for name, n in record(outcomes).items():
                    totals[name] += n
                outcomes = []
            # Up to twice as many rows in hand as threads (the rest wait their turn in the
            # pool, well within their lease), claimed when half of that is free: fewer,
            # larger claims, and a slow receiver still never holds the others back.
            room = 2 * threads - len(inflight)
            if more and not STOP.is_set() and room >= threads:
                busy = {d.address for d in inflight.values()}
                mailing = sum(d.channel == Channel.EMAIL for d in inflight.values())
                batch = claim(clock.now(), room, busy, max(1, threads // 2) - mailing)
                more = len(batch) > 0
                for delivery in batch:
                    try:
                        item = envelope(delivery)
                    except Failure as failure:
                        outcomes.append((delivery, failure))
                        continue
                    inflight[pool.submit(attempt, item, seconds)] = delivery
                if outcomes:
                    continue
            if STOP.is_set():  # what has not started yet goes back to the queue, untried
                unstarted = [f for f in list(inflight) if f.cancel()]
                release([inflight.pop(f) for f in unstarted])
            if not inflight:
                if more and not STOP.is_set():
                    continue
                break
            finished, _ = wait(inflight, timeout=0.25, return_when=FIRST_COMPLETED)
            if finished:  # and what ends within the next moment: one transaction for them all
                finished |= wait(set(inflight) - finished, timeout=0.02)[0]
            for future in finished:
                outcomes.append((inflight.pop(future), future.result()))
            more = True  # a slot is free: look again (new rows may have come)
    finally:
        pool.shutdown(wait=True)
        close_mail_connections()
        if outcomes:
            for name, n in record(outcomes).items():
                totals[name] += n
        upcoming = next_moment(clock.now())
        if upcoming is not None:
            schedule(upcoming)
    if any(totals.values()):
        log.info("notify: %s", ", ".join(f"{k} {v}" for k, v in totals.items()))
    return totals


# Wake-ups through the task framework ------------------------------------------------------------


def next_moment(now: dt.datetime) -> dt.datetime | None:
    """When the next waiting row falls due, or the next claimed one's lease ends."""
    waiting = Delivery.objects.filter(status=Status.QUEUED).aggregate(at=Min("not_before"))["at"]
    sending = Delivery.objects.filter(status=Status.SENDING).aggregate(at=Min("claimed_at"))["at"]
    moments = [m for m in (waiting, sending + lease() if sending else None) if m is not None]
    if Delivery.objects.filter(status=Status.QUEUED, not_before__isnull=True).exists():
        moments.append(now)
    return max(min(moments), now) if moments else None


def schedule(at: dt.datetime | None = None) -> None:
    """Make sure a drain task runs at `at` (the product's clock; None: now), unless one that
    has not started yet runs no later: it will see every row committed before it starts."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    delay = max((at - clock.now()).total_seconds(), 0.0) if at is not None else 0.0
    # The task queue runs on the real clock (a pinned demo date moves the product's, not the
    # worker's): the wait, not the moment, carries over.
    real = dt.datetime.fromtimestamp(time.time() + delay, dt.UTC)
    ready = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=drain_task.module_path
    ).filter(Q(run_after=get_date_max()) | Q(run_after__lte=real))
    if ready.exists():
        return
    (drain_task.using(run_after=real) if delay > 0 else drain_task).enqueue()


def wake() -> None:
    """On a worker's start: what an earlier worker left (abandoned claims, due rows)."""
    now = clock.now()
    recover(now)
    upcoming = next_moment(now)
    if upcoming is not None:
        schedule(upcoming)


@task()
def drain_task() -> dict[str, int]:
    """The task `send` and each drain enqueue, and `ducha worker` runs: `drain`."""
    return drain()
