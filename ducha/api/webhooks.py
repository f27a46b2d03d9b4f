"""Telling other systems that a board was published: a signed POST to each address the
jurisdiction's office registered (`ducha webhook add`), retried until it answers 2xx.

When. `board_published` (after the publication commits) makes one `WebhookDelivery` per
active address of the board's jurisdiction — unique per address and publication, so the
signal firing twice, or `ducha tick` catching up on the last days' publications after a
crash, makes nothing twice — and wakes the task worker (`ducha worker`), which sends them.
A failed attempt waits 30 s, 2 min, 8 min, … (DUCHA_NOTIFY_BACKOFF_SECONDS, ×4 each time)
and is tried again by the worker or by `ducha tick`, whichever comes first, up to
DUCHA_NOTIFY_ATTEMPTS attempts; then it is `failed`, with the last error kept.

Once at a time. An attempt is claimed with a conditional UPDATE (the row still pending, due,
and at the attempt count read), which also moves its next attempt a lease ahead: two
workers, or a worker and a tick, never send the same delivery at the same moment. A process
killed mid-attempt leaves the row pending; after the lease it is sent again. So a receiver
may, rarely, get one delivery twice: it recognises it by `X-Ducha-Delivery`.

What is sent (the body is JSON, UTF-8):

    POST <url>
    Content-Type: application/json
    X-Ducha-Event: board.published
    X-Ducha-Delivery: 42
    X-Ducha-Timestamp: 1628586000
    X-Ducha-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>", key: the secret>

    {"event": "board.published", "jurisdiction": "city", "month": "2021-06", "version": 1,
     "kind": "scheduled", "sha256": "…", "previous": "…", "url": "https://…/board/2021-06/"}

The timestamp is the real clock's (seconds), never a demo's pinned date, so that a receiver
can refuse a replayed old request. Each attempt waits at most DUCHA_NOTIFY_TIMEOUT seconds;
a redirect is not followed. Only hosts in DUCHA_WEBHOOK_HOSTS may be registered or posted
to: an office cannot aim the server at another machine of the intranet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from ducha.api.models import Webhook, WebhookDelivery
from ducha.audit import record
from ducha.boards.models import Publication
from ducha.lib import clock
from ducha.lib.months import format_month
from ducha.notify.queue import backoff, lease, timeout
from ducha.org.models import Jurisdiction, named

log = logging.getLogger("ducha.api")
Status = WebhookDelivery.Status
EVENT = "board.published"
CATCH_UP = dt.timedelta(days=3)  # tick plans the deliveries of publications this recent
THREADS = 4
MAX_ANSWER = 64 * 1024
NOT_ALLOWED = "推送地址的主机不在 DUCHA_WEBHOOK_HOSTS 之内，未发送"


class WebhookError(ValueError):
    """An address that cannot be registered; the message says why."""


# Registering -------------------------------------------------------------------------------


def _split(url: str):
    """The address's parts, or None when its host part is more than a host and a port.

    A user part, a backslash, a space or a percent sign before the host is read one way by
    urlsplit (`http://127.0.0.1\\@allowed/` names `allowed`) and another by the sender's
    urllib (which asks for `127.0.0.1\\@allowed`): only an address whose host part is
    exactly the host urlsplit reads, and a port, is sent anywhere."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is no number, an IPv6 address that is none
        return None
    host = parts.hostname or ""
    named = f"[{host}]" if ":" in host else host
    if parts.netloc.lower() not in (named, f"{named}:{port}"):
        return None
    return parts


def host_allowed(url: str) -> bool:
    """An http(s) address on a host of DUCHA_WEBHOOK_HOSTS: checked when an address is
    registered and again before every attempt."""
    parts = _split(url)
    allowed = {host.strip().lower() for host in settings.DUCHA_WEBHOOK_HOSTS}
    return (
        parts is not None
        and parts.scheme in ("http", "https")
        and (parts.hostname or "") in allowed
    )


def check_url(url: str) -> str:
    """The address, or WebhookError naming what is wrong with it."""
    url = url.strip()
    parts = _split(url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(
            _("推送地址应是 http:// 或 https:// 网址，而不是「%(url)s」") % {"url": url[:100]}
        )
    if len(url) > Webhook._meta.get_field("url").max_length:
        raise WebhookError(_("推送地址过长（最多 500 个字符）"))
    if not host_allowed(url):
        raise WebhookError(
            _(
                "主机 %(host)s 不在 DUCHA_WEBHOOK_HOSTS 之内（现为：%(hosts)s）；"
                "请系统管理员先把对接系统的主机加进去"
            )
            % {
                "host": parts.hostname,
                "hosts": "、".join(settings.DUCHA_WEBHOOK_HOSTS) or _("未设置"),
            }
        )
    return url


def _audit(webhook: Webhook, change: str, by, by_name: str, request) -> None:
    record(
        "webhook_saved",
        actor=by,
        actor_name=by_name,
        request=request,
        target=webhook,
        detail={"change": change, "url": webhook.url, **named(webhook.jurisdiction)},
    )


@transaction.atomic
def save(webhook: Webhook, *, by=None, by_name: str = "", request=None) -> Webhook:
    """Register an address (with a new signing secret, shown to whoever registers it, once)
    or change one (its URL, or switched on or off): checked, then audited."""
    adding = webhook.pk is None
    webhook.url = check_url(webhook.url)
    if adding:
        webhook.secret = secrets.token_hex(32)
    webhook.save()
    change = "added" if adding else ("changed" if webhook.active else "paused")
    _audit(webhook, change, by, by_name, request)
    return webhook


def add(url: str, jurisdiction: Jurisdiction, **by) -> Webhook:
    """Register `url` for `jurisdiction`'s publications."""
    return save(Webhook(jurisdiction=jurisdiction, url=url), **by)


@transaction.atomic
def remove(webhook: Webhook, *, by=None, by_name: str = "", request=None) -> None:
    """Forget the address and its deliveries (the audit log keeps that it was removed)."""
    _audit(webhook, "removed", by, by_name, request)
    webhook.delete()


# Planning ----------------------------------------------------------------------------------


def plan(publication: Publication) -> int:
    """One pending delivery per active address of the publication's jurisdiction that was
    registered before it; how many are new (0 when they all exist)."""
    jurisdiction_id = publication.jurisdiction_id or Jurisdiction.objects.home().pk
    hooks = Webhook.objects.filter(
        jurisdiction_id=jurisdiction_id, active=True, created_at__lte=publication.published_at
    ).exclude(deliveries__publication=publication)
    made = 0
    for hook in hooks:
        try:
            with transaction.atomic():
                # No next attempt yet: due at once.
                WebhookDelivery.objects.create(webhook=hook, publication=publication)
            made += 1
        except IntegrityError:  # planned at the same moment elsewhere: that one stands
            continue
    return made


def on_board_published(sender, publication: Publication, **kwargs) -> None:
    if plan(publication):
        schedule()


# Sending -----------------------------------------------------------------------------------


def board_url(publication: Publication) -> str:
    """The public board of the publication's month, absolute when DUCHA_SITE_URL is set."""
    month = format_month(publication.month)
    j = publication.jurisdiction
    if j is None or j.home:
        path = reverse("boards:board", kwargs={"month": month})
    else:
        path = reverse("boards:j_board", kwargs={"slug": j.slug, "month": month})
    return settings.DUCHA_SITE_URL.rstrip("/") + path


def payload(publication: Publication) -> dict:
    j = publication.jurisdiction or Jurisdiction.objects.home()
    return {
        "event": EVENT,
        "jurisdiction": j.slug,
        "month": format_month(publication.month),
        "version": publication.version,
        "kind": publication.kind,
        "sha256": publication.sha256,
        "previous": publication.previous or None,
        "url": board_url(publication),
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """What X-Ducha-Signature carries: sha256=<hex HMAC-SHA256("<timestamp>.<body>")>."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True)
class Envelope:
    """One attempt as the sending thread needs it (it touches no database)."""

    pk: int
    attempts: int  # counting this one
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Refused:
    """A claimed delivery that fails without an attempt: `reason`."""

    pk: int
    attempts: int
    reason: str


def envelope(delivery: WebhookDelivery, attempts: int) -> Envelope:
    body = json.dumps(payload(delivery.publication), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Ducha",
        "X-Ducha-Event": EVENT,
        "X-Ducha-Delivery": str(delivery.pk),
        "X-Ducha-Timestamp": str(timestamp),
        "X-Ducha-Signature": signature(delivery.webhook.secret, timestamp, body),
    }
    return Envelope(delivery.pk, attempts, delivery.webhook.url, body, headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a receiver that redirects is misconfigured: said, not followed


_opener = urllib.request.build_opener(_NoRedirect)


def post(item: Envelope, seconds: float) -> str | None:
    """One attempt: None when the receiver answered 2xx, else why not (for the log)."""
    if not host_allowed(item.url):
        return NOT_ALLOWED
    request = urllib.request.Request(  # noqa: S310 - http(s) alone, checked above
        item.url, data=item.body, method="POST", headers=item.headers
    )
    try:
        with _opener.open(request, timeout=seconds) as response:
            response.read(MAX_ANSWER)
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code} {e.reason}"
    except TimeoutError:
        return f"超时：{seconds:g} 秒内没有回应"
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            return f"超时：{seconds:g} 秒内没有连上"
        return f"无法连接：{e.reason}"
    except (http.client.HTTPException, OSError) as e:
        return f"连接中断：{type(e).__name__} {e}"
    return None


def _due(now: dt.datetime):
    return WebhookDelivery.objects.filter(status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def claim(now: dt.datetime) -> list[Envelope | Refused]:
    """The due deliveries this process won (each by its own conditional UPDATE), ready to
    send; or refused at once, when waiting cannot help (the address was switched off, or
    its host is no longer allowed)."""
    won: list[Envelope | Refused] = []
    rows = _due(now).select_related("webhook", "publication__jurisdiction").order_by("pk")
    for delivery in rows[:100]:
        taken = (
            _due(now)
            .filter(pk=delivery.pk, attempts=delivery.attempts)
            .update(attempts=F("attempts") + 1, next_attempt_at=now + lease())
        )
        if not taken:
            continue  # another worker or tick has it
        # What cannot change by waiting fails at once.
        if not delivery.webhook.active:
            won.append(Refused(delivery.pk, delivery.attempts + 1, "推送地址已停用"))
        elif not host_allowed(delivery.webhook.url):
            won.append(Refused(delivery.pk, delivery.attempts + 1, NOT_ALLOWED))
        else:
            won.append(envelope(delivery, delivery.attempts + 1))
    return won


def _finish(pk: int, attempts: int, error: str | None, final: bool = False) -> str:
    """Record an attempt's outcome: sent, pending again after its backoff, or failed."""
    now = clock.now()
    row = WebhookDelivery.objects.filter(pk=pk, attempts=attempts, status=Status.PENDING)
    if error is None:
        row.update(status=Status.SENT, sent_at=now, last_error="", next_attempt_at=None)
        return "sent"
    if final or attempts >= settings.DUCHA_NOTIFY_ATTEMPTS:
        row.update(status=Status.FAILED, last_error=error[:300], next_attempt_at=None)
        log.warning("webhook delivery %s failed after %d attempts: %s", pk, attempts, error)
        return "failed"
    row.update(last_error=error[:300], next_attempt_at=now + backoff(attempts))
    return "retry"


def send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send every delivery due at `now` (a few at a time), then make sure the worker wakes
    for the next retry."""
    now = now or clock.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    batch = claim(now)
    for item in batch:
        if isinstance(item, Refused):
            counts[_finish(item.pk, item.attempts, item.reason, final=True)] += 1
    batch = [item for item in batch if isinstance(item, Envelope)]
    if batch:
        seconds = timeout()
        with ThreadPoolExecutor(max_workers=min(THREADS, len(batch))) as pool:
            errors = list(pool.map(lambda item: post(item, seconds), batch))
        for item, error in zip(batch, errors, strict=True):
            counts[_finish(item.pk, item.attempts, error)] += 1
    upcoming = WebhookDelivery.objects.filter(status=Status.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if upcoming is not None:
        schedule(upcoming)
    return counts


def due(now: dt.datetime) -> list[str]:
    """`ducha tick`: plan what a crash may have left unplanned, send what is due; what it
    did, in words (nothing when there was nothing to do)."""
    recent = Publication.objects.filter(published_at__gte=now - CATCH_UP)
    planned = sum(plan(p) for p in recent.select_related("jurisdiction"))
    counts = send_due(now)
    if not planned and not any(counts.values()):
        return []
    return [
        f"公示推送：新建 {planned} 条，送达 {counts['sent']} 条，"
        f"待重试 {counts['retry']} 条，放弃 {counts['failed']} 条"
    ]


# Waking the worker -------------------------------------------------------------------------


def schedule(at: dt.datetime | None = None) -> None:
    """Make sure a sending task runs at `at` (the product's clock; None: now), unless one
    not yet started runs no later (as ducha.notify.queue.schedule does for its drain)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    delay = max((at - clock.now()).total_seconds(), 0.0) if at is not None else 0.0
    real = dt.datetime.fromtimestamp(time.time() + delay, dt.UTC)
    ready = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=send_task.module_path
    ).filter(Q(run_after=get_date_max()) | Q(run_after__lte=real))
    if ready.exists():
        return
    (send_task.using(run_after=real) if delay > 0 else send_task).enqueue()


@task()
def send_task() -> dict[str, int]:
    """The task publications enqueue and `ducha worker` runs: `send_due`."""
    return send_due()
