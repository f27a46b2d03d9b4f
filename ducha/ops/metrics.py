"""What /metrics tells Prometheus, in its text exposition format (version 0.0.4).

Every figure is read from the database at the scrape, a few cheap queries each, so any app
server answers the same and none keeps a counter of its own: they are gauges. The format is
small enough to write here rather than depend on a client library.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import django
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Sum
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ducha.api.models import WebhookDelivery
from ducha.audit.models import AuditEntry
from ducha.boards.publication import chain_heads
from ducha.lib import clock
from ducha.lib.months import add_months, format_month
from ducha.notify.models import Channel, Delivery
from ducha.ops.models import last_beat
from ducha.org.models import Jurisdiction
from ducha.reports.models import Evidence, Report, StoredFile
from ducha.reports.workflow import reporting_month

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# "Signed in lately": a sign-in within this long, as the audit log records them.
RECENT_SIGN_IN = dt.timedelta(minutes=15)


@dataclass
class Family:
    """One metric: its name, what it means, and its samples (labels → value)."""

    name: str
    help: str
    samples: list[tuple[Mapping[str, str], float]] = field(default_factory=list)
    type: str = "gauge"

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((labels, value))


def collect() -> list[Family]:
    now = clock.now()
    return [
        _build_info(),
        _reports(now),
        _background_tasks(),
        _notify_deliveries(),
        _webhook_deliveries(),
        *_publications(),
        *_tick(now),
        *_stored_files(),
        _signed_in(now),
    ]


def render(families: Iterable[Family]) -> str:
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for labels, value in family.samples:
            inside = ",".join(f'{key}="{_escape_label(str(v))}"' for key, v in labels.items())
            lines.append(
                f"{family.name}{{{inside}}} {_number(value)}"
                if inside
                else f"{family.name} {_number(value)}"
            )
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


# The figures ------------------------------------------------------------------------------


def _build_info() -> Family:
    try:
        version = importlib.metadata.version("ducha")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout not installed
        version = "unknown"
    family = Family("ducha_build_info", "Ducha's version (the value is always 1)")
    family.add(1, version=version, django=django.get_version(), python=platform.python_version())
    return family


def _reports(now: dt.datetime) -> Family:
    """Each jurisdiction's reports of the month its units are reporting, by status: every
    status is given, 0 included, so that a rule can compare them."""
    today = clock.local(now).date()
    months = {j: reporting_month(today, j) for j in Jurisdiction.objects.order_by("order", "slug")}
    first = today.replace(day=1)
    counts = {
        (row["task__jurisdiction"], row["month"], row["status"]): row["n"]
        for row in Report.objects.filter(month__in=[add_months(first, -1), first])
        .values("task__jurisdiction", "month", "status")
        .annotate(n=Count("pk"))
    }
    family = Family(
        "ducha_reports",
        "Reports of the month being reported (month label), per jurisdiction and status",
    )
    for jurisdiction, month in months.items():
        for status in Report.Status.values:
            family.add(
                counts.get((jurisdiction.pk, month, status), 0),
                jurisdiction=jurisdiction.slug,
                month=format_month(month),
                status=status,
            )
    return family


def _background_tasks() -> Family:
    """django-tasks' database queue (`ducha worker` runs it): work waiting, under way, and
    failed (kept until someone clears them)."""
    statuses = [TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
    counts = dict(
        DBTaskResult.objects.filter(status__in=statuses)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    family = Family("ducha_background_tasks", "Background tasks in the database queue by status")
    for status in statuses:
        family.add(counts.get(status, 0), status=str(status).lower())
    return family


def _notify_deliveries() -> Family:
    statuses = [Delivery.Status.QUEUED, Delivery.Status.SENDING, Delivery.Status.FAILED]
    rows = (
        Delivery.objects.filter(status__in=statuses)
        .exclude(channel=Channel.INBOX)
        .values_list("channel", "status")
        .annotate(n=Count("pk"))
    )
    counts = {(channel, status): n for channel, status, n in rows}
    family = Family(
        "ducha_notify_deliveries",
        "E-mails and group-robot posts not delivered: queued, being sent, failed for good",
    )
    for channel in Channel.values:
        if channel == Channel.INBOX:
            continue
        for status in statuses:
            family.add(counts.get((channel, status), 0), channel=channel, status=status)
    return family


def _webhook_deliveries() -> Family:
    statuses = [WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED]
    counts = dict(
        WebhookDelivery.objects.filter(status__in=statuses)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    family = Family(
        "ducha_webhook_deliveries",
        "Publication webhooks not delivered: pending (a retry due) or failed for good",
    )
    for status in statuses:
        family.add(counts.get(status, 0), status=status)
    return family


def _publications() -> list[Family]:
    when = Family(
        "ducha_publication_last_timestamp_seconds",
        "When each jurisdiction's publication chain last grew (Unix time)",
    )
    seq = Family(
        "ducha_publication_last_seq", "The sequence number of each chain's newest publication"
    )
    home = settings.DUCHA_HOME_JURISDICTION
    for jurisdiction, head in chain_heads():
        slug = jurisdiction.slug if jurisdiction else home
        month = format_month(head.month)
        when.add(head.published_at.timestamp(), jurisdiction=slug, month=month)
        seq.add(head.seq, jurisdiction=slug, month=month)
    return [when, seq]


def _tick(now: dt.datetime) -> list[Family]:
    """0 and the seconds since 1970 when `ducha tick` never finished: an alert fires."""
    at = last_beat("tick")
    stamp = at.timestamp() if at else 0
    return [
        Family(
            "ducha_tick_last_success_timestamp_seconds",
            "When `ducha tick` last ran to its end (Unix time; 0: never)",
            [({}, stamp)],
        ),
        Family(
            "ducha_tick_age_seconds",
            "Seconds since `ducha tick` last ran to its end",
            [({}, max(0.0, now.timestamp() - stamp))],
        ),
    ]


def _stored_files() -> list[Family]:
    """From the sizes the database records for each file, not by walking the storage."""
    size = Family("ducha_stored_file_bytes", "Bytes of uploaded files (evidence and others)")
    count = Family("ducha_stored_files", "Uploaded files kept (evidence and others)")
    kinds = [Evidence, *(m for m in apps.get_models() if issubclass(m, StoredFile))]
    for model in kinds:
        totals = model.objects.aggregate(n=Count("pk"), bytes=Sum("size"))
        size.add(totals["bytes"] or 0, kind=model._meta.model_name)
        count.add(totals["n"], kind=model._meta.model_name)
    return [size, count]


def _signed_in(now: dt.datetime) -> Family:
    people = (
        AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, at__gte=now - RECENT_SIGN_IN)
        .order_by()  # the model's ordering would make each entry distinct
        .values("actor")
        .distinct()
        .count()
    )
    return Family(
        "ducha_users_signed_in_15m",
        "People who signed in within the last 15 minutes",
        [({}, people)],
    )
