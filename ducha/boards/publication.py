"""Publishing a month's board: freeze it, chain it, and check the chain later (SPEC.md §3)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import translation
from django.utils.translation import gettext as _

from ducha.audit import audit_hashes, audit_head, record
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
                **_joint(task),
                "status": task.status,
                "rating": r.rating,
                "computed": r.computed,
                "override": override,
                "reasons": [x.as_json() for x in r.reasons],
                "nodes": [s.as_json() for s in rules.node_states(r.facts)],
            }
        )
    units = score(unit_ratings(rows), settings.DUCHA_POINTS)
    return {
        "format": FORMAT,
        "month": format_month(month),
        "tasks": rows,
        "units": [u.as_json() for u in units],
    }


def _joint(task: Task) -> dict:
    """A row names every lead unit and leader only when there are several, so that a
    single-lead ledger's board is the same document as before joint leads existed."""
    extra = {}
    if len(units := task.lead_unit_names()) > 1:
        extra["lead_units"] = units
    if len(leaders := task.leader_names()) > 1:
        extra["leaders"] = leaders
    return extra


def lead_units(row: Mapping) -> list[str]:
    """Every lead unit of a board row, the primary first."""
    return row.get("lead_units") or [row["lead_unit"]]


def leaders(row: Mapping) -> list[str]:
    """Every leader of a board row, the first named first."""
    return row.get("leaders") or [row["leader"]]


GROUPED = {"unit": lead_units, "leader": leaders, "area": lambda row: [row["area"]]}


def unit_ratings(rows: Iterable[Mapping], by: str = "unit") -> Iterator[tuple[str, str | None]]:
    """(name, rating) pairs to score: one per lead unit (or leader, or area) of each row.
    共同牵头: each lead unit counts the task's rating in its own score (SPEC.md §5)."""
    names = GROUPED[by]
    for row in rows:
        for name in names(row):
            yield name, row["rating"]


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
    first = first_rated_month()
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
            # Everything the board shows about its publication is inside the hash, and so
            # is the audit log's head: deleting the newest audit entries before this moment
            # can no longer pass unseen.
            board.update(
                {
                    "version": version,
                    "previous": head.sha256 if head else None,
                    "published_at": clock.local(now).isoformat(timespec="seconds"),
                    "kind": kind
                    or (Publication.Kind.CORRECTION if correction else Publication.Kind.MANUAL),
                    "correction": correction.strip() if correction else None,
                    "by": (by_name or (str(by) if by is not None else ""))[:100],
                    "audit": audit_head(),
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
                by_name=board["by"],
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


def header(board: dict, columns: dict) -> dict:
    """What the board page shows about a publication, read from its snapshot (inside the
    hash); `columns` (the row's values) only stand in for keys an odd snapshot lacks."""
    published_at = board.get("published_at")
    return {
        "published_at": (
            dt.datetime.fromisoformat(published_at) if published_at else columns["published_at"]
        ),
        "kind": board.get("kind") or columns["kind"],
        "reason": (board["correction"] or "") if "correction" in board else columns["reason"],
        "previous": (board["previous"] or "") if "previous" in board else columns["previous"],
    }


# Checking the chain ---------------------------------------------------------------------


def _label(p: Publication) -> str:
    return f"{format_month_zh(p.month)}第{p.version}版（链序号 {p.seq}）"


def _columns_against_snapshot(p: Publication, board: dict) -> list[str]:
    """Each column the site shows or links by, against the snapshot that the hash covers."""
    stored = {
        "month": (format_month(p.month), board.get("month"), "月份"),
        "version": (p.version, board.get("version"), "版本"),
        "kind": (p.kind, board.get("kind", p.kind), "类型"),
        "reason": (p.reason, board.get("correction", p.reason) or "", "勘误理由"),
    }
    if "published_at" in board:
        column = clock.local(p.published_at).replace(microsecond=0)
        stored["published_at"] = (column, _published_at(board, p), "发布时间")
    if "by" in board:  # snapshots from before the publisher's name was recorded lack it
        stored["by"] = (p.by_name, board["by"], "发布人")
    problems = []
    for column, snap, label in stored.values():
        if column != snap:
            problems.append(
                f"{_label(p)}：数据库中的{label}（{_shown(column)}）与快照中的"
                f"（{_shown(snap)}）不符，发布后被改动过"
            )
    if (board.get("previous") or "") != p.previous:
        problems.append(
            f"{_label(p)}：链条断开：数据库中的上一条哈希（{p.previous or '空'}）与快照中的"
            f"（{board.get('previous') or '空'}）不符，发布后被改动过"
        )
    return problems


def _published_at(board: dict, p: Publication) -> dt.datetime | str:
    """The snapshot's publication time (as text if it is not a time: then it differs)."""
    try:
        return dt.datetime.fromisoformat(board["published_at"])
    except KeyError:
        return p.published_at
    except (TypeError, ValueError):
        return str(board["published_at"])


def _shown(value) -> str:
    if isinstance(value, dt.datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M:%S")
    return "空" if value in ("", None) else str(value)


@dataclass(frozen=True)
class Link:
    """What is kept of a checked publication: its place, hash and what its board says."""

    seq: int
    sha256: str
    label: str
    published_at: str
    audit: dict | None


def verify(head: str | None = None) -> list[str]:
    """Recompute every hash and link, compare every column with its snapshot, check the
    recorded head and the audit heads the publications recorded: the problems found, in
    Chinese, each naming the entry that was changed."""
    problems, links = _verify_chain()
    problems += _verify_head(head, links)
    problems += _verify_audit_heads(links)
    return problems


def _verify_chain() -> tuple[list[str], list[Link]]:
    problems: list[str] = []
    links: list[Link] = []
    before: Publication | None = None
    before_ok = True
    fields = ["seq", "month", "version", "kind", "reason", "snapshot", "sha256", "previous"]
    rows = Publication.objects.order_by("seq").only(*fields, "published_at", "by_name")
    for p in rows.iterator():
        name = _label(p)
        ok = sha256_hex(p.snapshot) == p.sha256
        if not ok:
            problems.append(f"{name}：快照内容与其 SHA-256 不符，发布后被改动过")
        try:
            board = json.loads(p.snapshot)
        except ValueError:
            problems.append(f"{name}：快照不是有效的 JSON")
            board = None
        if not isinstance(board, dict):
            board = {}
        elif board:
            problems += _columns_against_snapshot(p, board)
        # The snapshot's link is covered by its hash; the column stands in when it is not.
        linked = (board.get("previous") or "") if ok and board else p.previous
        expected = before.seq + 1 if before else 1
        if p.seq > expected:
            after = f"链序号 {before.seq} 之后是 {p.seq}" if before else "发布链从此开始"
            what = (
                f"链序号 {expected}"
                if expected == p.seq - 1
                else f"链序号 {expected} 至 {p.seq - 1}"
            )
            problems.append(f"{what} 的发布被删除（{after}）")
        elif before is None and linked:
            problems.append(f"{name}：链条断开，首条发布的上一条哈希应为空")
        elif before is not None and linked != before.sha256:
            if ok and before_ok:
                # Both fit their own hashes: the earlier one was rewritten, hash and all,
                # and the link from this one still points at what it was.
                problems.append(
                    f"{_label(before)}：被改写过（快照和哈希一并改动）：链序号 {p.seq} 记下的"
                    f"上一条哈希是 {linked or '（空）'}，它现在的哈希是 {before.sha256}"
                )
            else:
                problems.append(f"{name}：链条断开，上一条哈希应为 {before.sha256}")
        links.append(
            Link(
                seq=p.seq,
                sha256=p.sha256,
                label=name,
                published_at=_shown(_published_at(board, p)),
                audit=board.get("audit") if isinstance(board.get("audit"), dict) else None,
            )
        )
        before, before_ok = p, ok
    return problems, links


def _verify_head(head: str | None, links: list[Link]) -> list[str]:
    """The recorded head must be the newest entry: anything after it is named, so that a
    forged publication appended at the end cannot pass."""
    if not head:
        return []
    hashes = [link.sha256 for link in links]
    if head not in hashes:
        current = hashes[-1] if hashes else "（无发布）"
        return [f"链头 {head} 不在发布链中：发布链被整体改写过（当前链头 {current}）"]
    after = links[hashes.index(head) + 1 :]
    if not after:
        return []
    listed = "；".join(f"{link.label}，发布于 {link.published_at}" for link in after)
    return [
        f"链头 {head} 不是最新的一条：其后还有 {len(after)} 条发布：{listed}。"
        "这些发布若不是您记下链头之后经手的，就是伪造的"
    ]


def _verify_audit_heads(links: list[Link]) -> list[str]:
    """Each audit head a publication recorded must still be in the audit log, unchanged:
    deleting or rewriting the newest audit entries before a publication shows here."""
    recorded = [(link, link.audit) for link in links if link.audit]
    now = audit_hashes({_seq(audit) for _, audit in recorded})
    problems = []
    for link, audit in recorded:
        seq, sha = _seq(audit), audit.get("sha256")
        if seq not in now:
            problems.append(
                f"第 {seq} 条审计记录已不在审计日志中（{link.label}发布时它是审计链头，"
                f"SHA-256 {sha}）：它被删除过"
            )
        elif now[seq] != sha:
            problems.append(
                f"第 {seq} 条审计记录被改写过：{link.label}发布时记下它的 SHA-256 为 {sha}，"
                f"它现在是 {now[seq]}"
            )
    return problems


def _seq(audit: dict) -> int:
    """The audit entry a snapshot names (0, which no entry has, if it names none readably)."""
    try:
        return int(audit.get("seq") or 0)
    except (TypeError, ValueError):
        return 0


def audit_coverage() -> list[str]:
    """What `ducha verify` can and cannot tell about the audit log, in Chinese."""
    current = audit_head()
    if current is None:
        return ["审计日志为空。"]
    newest = None
    for p in Publication.objects.order_by("-seq").only("seq", "month", "version", "snapshot"):
        try:
            audit = json.loads(p.snapshot).get("audit")
        except (ValueError, AttributeError):  # verify names a snapshot that is not JSON
            continue
        if isinstance(audit, dict) and _seq(audit):
            newest = (p, _seq(audit))
            break
    said = [
        f"当前审计链头：第 {current['seq']} 条，SHA-256 {current['sha256']}（可另行记下备查）。"
    ]
    if newest is None:
        said.append(
            "还没有哪次发布记下审计链头：最新的审计记录若被删除，核验无法发现；"
            "中间的删除和任何改动都能发现。"
        )
        return said
    p, seq = newest
    after = current["seq"] - seq
    said.append(
        f"第 1 至 {seq} 条审计记录由发布链担保（{_label(p)}发布时记下第 {seq} 条为审计链头）："
        "删除或改写其中任何一条都能发现。"
    )
    if after > 0:
        said.append(
            f"其后的 {after} 条（第 {seq + 1} 至 {current['seq']} 条）写于最近一次发布之后，"
            "尚无发布记下：若其中最新的若干条被整条删除，核验无法发现（中间的删除和改动仍能"
            "发现）；下次发布会记下届时的审计链头。"
        )
    return said


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
    start = first_rated_month()
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


def first_rated_month() -> dt.date | None:
    """The earliest month any task can be rated in (its start, or January of its first due)."""
    found = Task.objects.aggregate(start=Min("start_month"), due=Min("nodes__due_month"))
    explicit, due = found["start"], found["due"]
    candidates = [m for m in (explicit, due.replace(month=1) if due else None) if m]
    return min(candidates) if candidates else None
