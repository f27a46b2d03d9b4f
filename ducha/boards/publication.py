"""Publishing a month's board: freeze it, chain it, and check the chain later (SPEC.md §3)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import translation
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.boards.models import ChainLock, Hold, Publication
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.chain import canonical_json, sha256_hex
from ducha.lib.dates import month_label
from ducha.lib.months import add_months, format_month, format_month_zh
from ducha.ratings import rules
from ducha.ratings.monthly import rate_month
from ducha.ratings.scoring import score

FORMAT = "ducha-board/1"


class PublicationError(Exception):
    pass


def build_board(month: dt.date) -> dict:
    """The month's board as it stands now: every task, its rating, reasons and node states.

    Always in Chinese, whatever language the person publishing reads the site in: the
    snapshot is the record, and its hash depends on every character."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build_board(month)


def _build_board(month: dt.date) -> dict:
    ratings = rate_month(month)
    tasks = {
        t.code: t
        for t in Task.objects.select_related("area", "leader", "lead_unit").with_co_units()
    }
    rows = []
    for r in ratings:
        task = tasks[r.task]
        override = None
        if r.override is not None:
            o = r.override
            override = {
                "rating": o.rating,
                "computed": r.computed,
                "reason": o.reason,
                "by": str(o.by) if o.by else o.by_name,
                "at": o.at.isoformat(timespec="seconds"),
            }
        rows.append(
            {
                "task": task.code,
                "title": task.title,
                "area": task.area.name,
                "area_order": task.area.order,
                "source": task.get_source_display(),
                "leader": task.leader.name,
                "lead_unit": task.lead_unit.name,
                "co_units": task.co_unit_names(),
                "status": task.status,
                "rating": r.rating,
                "computed": r.computed,
                "override": override,
                "reasons": [x.as_json() for x in r.reasons],
                "nodes": [s.as_json() for s in rules.node_states(r.facts)],
            }
        )
    units = score(((row["lead_unit"], row["rating"]) for row in rows), settings.DUCHA_POINTS)
    return {
        "format": FORMAT,
        "month": format_month(month),
        "tasks": rows,
        "units": [u.as_json() for u in units],
    }


def month_entries(month: dt.date) -> list[dict]:
    """The month's task rows as published, or as they stand if not published yet."""
    publication = latest(month)
    if publication is not None:
        return json.loads(publication.snapshot)["tasks"]
    return build_board(month)["tasks"]


def latest(month: dt.date) -> Publication | None:
    return Publication.objects.filter(month=month).order_by("-version").first()


def chain_head() -> Publication | None:
    return Publication.objects.order_by("-seq").first()


def is_published(month: dt.date) -> bool:
    return Publication.objects.filter(month=month).exists()


def is_held(month: dt.date) -> bool:
    return Hold.objects.filter(month=month, released_at__isnull=True).exists()


@dataclass(frozen=True)
class Published:
    publication: Publication
    created: bool  # False: the month was already published and nothing was done


def publish(
    month: dt.date,
    *,
    correction: str | None = None,
    kind: str | None = None,
    by=None,
    by_name: str = "",
    now: dt.datetime | None = None,
    request=None,
) -> Published:
    """Freeze `month` as a new link of the chain.

    Without `correction`, publishing a month that is already published does nothing and
    says so; with it, a new version is added that keeps the earlier ones readable.
    """
    if correction is not None and not correction.strip():
        raise PublicationError(_("勘误必须写明理由"))
    now = now or clock.now()
    if clock.local(now).date() < add_months(month, 1):
        raise PublicationError(_("%(month)s尚未结束，不能发布") % {"month": month_label(month)})
    first = _first_rated_month()
    if first is None or month < first:
        # The chain is append-only: a board of a month no task was rated in stays forever.
        raise PublicationError(
            _("%(month)s还没有参与评价的任务，不能发布") % {"month": month_label(month)}
        )
    try:
        with transaction.atomic():
            lock, _created = ChainLock.objects.get_or_create(pk=1)
            ChainLock.objects.select_for_update().get(pk=lock.pk)
            current = latest(month)
            if current is not None and correction is None:
                return Published(current, False)
            if current is None and correction is not None:
                raise PublicationError(
                    _("%(month)s还没有发布，无需勘误") % {"month": month_label(month)}
                )
            head = chain_head()
            version = current.version + 1 if current else 1
            board = build_board(month)
            board.update(
                {
                    "version": version,
                    "previous": head.sha256 if head else None,
                    "published_at": clock.local(now).isoformat(timespec="seconds"),
                    "kind": kind
                    or (Publication.Kind.CORRECTION if correction else Publication.Kind.MANUAL),
                    "correction": correction.strip() if correction else None,
                }
            )
            text = canonical_json(board)
            publication = Publication.objects.create(
                seq=(head.seq + 1) if head else 1,
                month=month,
                version=version,
                kind=board["kind"],
                reason=board["correction"] or "",
                snapshot=text,
                sha256=sha256_hex(text),
                previous=head.sha256 if head else "",
                published_at=now,
                by=by,
                by_name=by_name,
            )
            record(
                "board_corrected" if correction else "board_published",
                actor=by,
                actor_name=by_name,
                request=request,
                at=now,
                target=publication,
                detail={
                    "month": format_month(month),
                    "version": version,
                    "sha256": publication.sha256,
                },
            )
            return Published(publication, True)
    except IntegrityError:
        # Someone else published this month at the same moment: theirs stands.
        current = latest(month)
        if current is None:
            raise
        return Published(current, False)


# Parsed snapshots by their hash, which fixes their content: safe to keep, never stale.
_parsed: OrderedDict[str, dict] = OrderedDict()
PARSED = 32


def posted(month: dt.date) -> dict | None:
    """The latest publication of `month` as data (do not change it), or None.

    One small query; the snapshot itself is read and parsed once per process."""
    meta = (
        Publication.objects.filter(month=month)
        .order_by("-version")
        .values_list("pk", "sha256")
        .first()
    )
    if meta is None:
        return None
    pk, sha = meta
    data = _parsed.get(sha)
    if data is None:
        data = json.loads(Publication.objects.values_list("snapshot", flat=True).get(pk=pk))
        _parsed[sha] = data
        while len(_parsed) > PARSED:
            with contextlib.suppress(KeyError):  # another thread evicted it first
                _parsed.popitem(last=False)
    return data


def snapshot_with_hash(publication: Publication) -> dict:
    """What `board --format json` prints: the frozen snapshot plus its own hash."""
    board = json.loads(publication.snapshot)
    board["sha256"] = publication.sha256
    return board


def verify(head: str | None = None) -> list[str]:
    """Recompute every hash and link; the problems found, in Chinese, naming the month."""
    problems = []
    previous = None
    seen = []
    for p in Publication.objects.order_by("seq").iterator():
        name = f"{format_month_zh(p.month)}第{p.version}版（链序号 {p.seq}）"
        if sha256_hex(p.snapshot) != p.sha256:
            problems.append(f"{name}：快照内容与其 SHA-256 不符，发布后被改动过")
        try:
            board = json.loads(p.snapshot)
        except ValueError:
            problems.append(f"{name}：快照不是有效的 JSON")
            board = {}
        if board and (
            board.get("month") != format_month(p.month)
            or board.get("version") != p.version
            or (board.get("previous") or "") != p.previous
        ):
            problems.append(f"{name}：快照中的月份、版本或上一条哈希与记录不符")
        expected_previous = previous.sha256 if previous else ""
        if p.previous != expected_previous:
            problems.append(f"{name}：链条断开，上一条哈希应为 {expected_previous or '（空）'}")
        previous = p
        seen.append(p.sha256)
    if head and head not in seen:
        current = previous.sha256 if previous else "（无发布）"
        problems.append(f"链头 {head} 不在发布链中：发布链被整体改写过（当前链头 {current}）")
    return problems


@transaction.atomic
def hold(month: dt.date, reason: str = "", by=None, by_name: str = "", request=None) -> Hold:
    if latest(month) is not None:
        raise PublicationError(_("%(month)s已经发布，暂缓无效") % {"month": month_label(month)})
    existing = Hold.objects.filter(month=month, released_at__isnull=True).first()
    if existing:
        return existing
    record(
        "month_held",
        actor=by,
        actor_name=by_name,
        request=request,
        detail={"month": format_month(month), "reason": reason},
    )
    return Hold.objects.create(month=month, reason=reason, by=by)


@transaction.atomic
def release(month: dt.date, by=None, by_name: str = "", request=None) -> int:
    released = Hold.objects.filter(month=month, released_at__isnull=True).update(
        released_at=clock.now()
    )
    if released:
        record(
            "month_released",
            actor=by,
            actor_name=by_name,
            request=request,
            detail={"month": format_month(month)},
        )
    return released


def publication_day(month: dt.date) -> dt.date:
    """The day month M is published automatically: the DUCHA_PUBLISH_DAY of M+1."""
    return add_months(month, 1).replace(day=settings.DUCHA_PUBLISH_DAY)


def months_due(today: dt.date) -> list[dt.date]:
    """Months whose publication day has come, within the look-back window, oldest first."""
    first = today.replace(day=1)
    months = [add_months(first, -k) for k in range(settings.DUCHA_PUBLISH_LOOKBACK, 0, -1)]
    return [m for m in months if publication_day(m) <= today]


def publish_due(now: dt.datetime | None = None) -> list[str]:
    """The scheduled publication: what `ducha tick` runs. Idempotent."""
    now = now or clock.now()
    today = clock.local(now).date()
    start = _first_rated_month()
    said = []
    for month in months_due(today):
        if start is None or month < start:
            continue
        if latest(month) is not None:
            continue
        if is_held(month):
            said.append(f"{format_month_zh(month)}：已被暂缓，未自动发布")
            continue
        result = publish(month, kind=Publication.Kind.SCHEDULED, by_name="ducha tick", now=now)
        if result.created:
            p = result.publication
            said.append(f"{format_month_zh(month)}：已自动发布，链头 {p.sha256}")
    return said


def _first_rated_month() -> dt.date | None:
    """The earliest month any task can be rated in (its start, or January of its first due)."""
    explicit = Task.objects.aggregate(m=Min("start_month"))["m"]
    due = Task.objects.aggregate(m=Min("nodes__due_month"))["m"]
    candidates = [m for m in (explicit, due.replace(month=1) if due else None) if m]
    return min(candidates) if candidates else None
