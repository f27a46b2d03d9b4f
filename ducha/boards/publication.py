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
from django.db.models import Max, Min, Q
from django.utils import translation
from django.utils.translation import gettext as _

from ducha.audit import audit_hashes, audit_head, record
from ducha.boards.models import ChainLock, Hold, Publication
from ducha.boards.signals import board_published
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.chain import canonical_json, sha256_hex
from ducha.lib.dates import month_label
from ducha.lib.months import add_months, format_month, format_month_zh, month_end
from ducha.org.models import Jurisdiction, named, of_jurisdiction
from ducha.ratings import rules
from ducha.ratings.monthly import rate_month
from ducha.ratings.scoring import score

FORMAT = "ducha-board/1"


class PublicationError(Exception):
    pass


# Jurisdictions ---------------------------------------------------------------------------
# Each jurisdiction's boards form a chain of their own. Every function about one takes
# `jurisdiction=None`, None meaning the home jurisdiction, which never costs a query: the
# home chain is the rows with no jurisdiction (all of them from before there were several,
# and every home publication since) or, should one be written so, the home one.


def _is_home(jurisdiction: Jurisdiction | None) -> bool:
    return jurisdiction is None or jurisdiction.home


def chain_filter(jurisdiction: Jurisdiction | None = None) -> Q:
    """The publications (or holds) of `jurisdiction`'s chain."""
    if jurisdiction is None:
        return Q(jurisdiction__isnull=True) | Q(jurisdiction__home=True)
    if jurisdiction.home:
        return Q(jurisdiction__isnull=True) | Q(jurisdiction=jurisdiction)
    return Q(jurisdiction=jurisdiction)


def _stored(jurisdiction: Jurisdiction | None) -> Jurisdiction | None:
    """What a new publication or hold records: nothing for the home jurisdiction."""
    return None if _is_home(jurisdiction) else jurisdiction


def whose(jurisdiction: Jurisdiction | None) -> str:
    """How messages name a jurisdiction: not at all for the home one, 「县名」 otherwise."""
    return "" if _is_home(jurisdiction) else f"「{jurisdiction.name}」"


def _month_label(month: dt.date, jurisdiction: Jurisdiction | None) -> str:
    return whose(jurisdiction) + month_label(month)


def build_board(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> dict:
    """The month's board as it stands now: every task, its rating, reasons and node states.

    Always in Chinese, whatever language the person publishing reads the site in: the
    snapshot is the record, and its hash depends on every character. A board of another
    jurisdiction than the home one names it (`"jurisdiction": slug`); the home board is the
    same document as before there were several."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build_board(month, jurisdiction)


def _build_board(month: dt.date, jurisdiction: Jurisdiction | None) -> dict:
    ratings = rate_month(month, jurisdiction=jurisdiction)
    tasks = {
        t.code: t
        for t in Task.objects.filter(of_jurisdiction(jurisdiction))
        .select_related("area", "leader", "lead_unit")
        .with_co_units()
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
    board = {
        "format": FORMAT,
        "month": format_month(month),
        "tasks": rows,
        "units": [u.as_json() for u in units],
    }
    if not _is_home(jurisdiction):
        board["jurisdiction"] = jurisdiction.slug
    return board


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


def month_entries(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> list[dict]:
    """The month's task rows as published, or as they stand if not published yet."""
    publication = latest(month, jurisdiction=jurisdiction)
    if publication is not None:
        return json.loads(publication.snapshot)["tasks"]
    return build_board(month, jurisdiction=jurisdiction)["tasks"]


def latest(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> Publication | None:
    """The newest version of `month`'s board in `jurisdiction`'s chain."""
    return (
        Publication.objects.filter(chain_filter(jurisdiction), month=month)
        .order_by("-version")
        .first()
    )


def chain_head(*, jurisdiction: Jurisdiction | None = None) -> Publication | None:
    """The newest publication of `jurisdiction`'s chain: what its next one links to."""
    return Publication.objects.filter(chain_filter(jurisdiction)).order_by("-seq").first()


def chain_heads() -> list[tuple[Jurisdiction | None, Publication]]:
    """Every chain's head: the home chain's first (as None), then the others' by slug."""
    home = chain_head()
    heads: list[tuple[Jurisdiction | None, Publication]] = [(None, home)] if home else []
    newest = (
        Publication.objects.filter(jurisdiction__isnull=False, jurisdiction__home=False)
        .values("jurisdiction_id")
        .annotate(seq=Max("seq"))
        .values_list("seq", flat=True)
    )
    others = Publication.objects.filter(seq__in=list(newest)).select_related("jurisdiction")
    heads += sorted(((p.jurisdiction, p) for p in others), key=lambda h: h[0].slug)
    return heads


def is_published(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> bool:
    return Publication.objects.filter(chain_filter(jurisdiction), month=month).exists()


def is_held(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> bool:
    return Hold.objects.filter(
        chain_filter(jurisdiction), month=month, released_at__isnull=True
    ).exists()


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
    jurisdiction: Jurisdiction | None = None,
) -> Published:
    """Freeze `month` as a new link of `jurisdiction`'s chain (None: the home one).

    Without `correction`, publishing a month that is already published does nothing and
    says so; with it, a new version is added that keeps the earlier ones readable.
    """
    if correction is not None and not correction.strip():
        raise PublicationError(_("勘误必须写明理由"))
    now = now or clock.now()
    label = _month_label(month, jurisdiction)
    if clock.local(now).date() < add_months(month, 1):
        raise PublicationError(_("%(month)s尚未结束，不能发布") % {"month": label})
    first = first_rated_month(jurisdiction=jurisdiction)
    if first is None or month < first:
        # The chain is append-only: a board of a month no task was rated in stays forever.
        raise PublicationError(_("%(month)s还没有参与评价的任务，不能发布") % {"month": label})
    try:
        with transaction.atomic():
            # One lock for every chain: it serialises the global sequence numbers too.
            lock, _created = ChainLock.objects.get_or_create(pk=1)
            ChainLock.objects.select_for_update().get(pk=lock.pk)
            current = latest(month, jurisdiction=jurisdiction)
            if current is not None and correction is None:
                return Published(current, False)
            if current is None and correction is not None:
                raise PublicationError(_("%(month)s还没有发布，无需勘误") % {"month": label})
            head = chain_head(jurisdiction=jurisdiction)
            newest = Publication.objects.order_by("-seq").values_list("seq", flat=True).first()
            version = current.version + 1 if current else 1
            board = build_board(month, jurisdiction=jurisdiction)
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
                seq=(newest or 0) + 1,
                jurisdiction=_stored(jurisdiction),
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
                    **named(jurisdiction),
                },
            )
            # A listener's failure is logged and never undoes or hides the publication.
            transaction.on_commit(
                lambda: board_published.send(sender=Publication, publication=publication),
                robust=True,
            )
            return Published(publication, True)
    except IntegrityError:
        # Someone else published this month at the same moment: theirs stands.
        current = latest(month, jurisdiction=jurisdiction)
        if current is None:
            raise
        return Published(current, False)


# Parsed snapshots by their hash, which fixes their content: safe to keep, never stale.
_parsed: OrderedDict[str, dict] = OrderedDict()
PARSED = 32


def posted(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> dict | None:
    """The latest publication of `month` in `jurisdiction`'s chain as data (do not change
    it), or None. One small query; the snapshot itself is read and parsed once per process."""
    meta = (
        Publication.objects.filter(chain_filter(jurisdiction), month=month)
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


def _label(p: Publication, owner: Jurisdiction | None = None) -> str:
    """A publication as the checks name it; one of another chain than the home one is
    named with its jurisdiction."""
    return f"{whose(owner)}{format_month_zh(p.month)}第{p.version}版（链序号 {p.seq}）"


class _Chains:
    """Which chain each publication is in, by its jurisdiction column (one query)."""

    def __init__(self) -> None:
        self.by_id = {j.pk: j for j in Jurisdiction.objects.all()}
        self.by_slug = {j.slug: j for j in self.by_id.values()}
        self.home = next((j for j in self.by_id.values() if j.home), None)

    def owner(self, p: Publication) -> Jurisdiction | None:
        """None for the home chain, else the jurisdiction whose chain `p` is in."""
        j = self.by_id.get(p.jurisdiction_id) if p.jurisdiction_id else None
        return None if j is None or j.home else j

    def named(self, slug) -> str:
        """A snapshot's or column's jurisdiction as the messages show it."""
        if slug is None:
            return "空（本级）"
        j = self.by_slug.get(slug)
        return f"{j.name}（{slug}）" if j else str(slug)


def _columns_against_snapshot(p: Publication, board: dict, chains: _Chains) -> list[str]:
    """Each column the site shows or links by, against the snapshot that the hash covers."""
    owner = chains.owner(p)
    found = board.get("jurisdiction")
    if owner is None and chains.home is not None and found == chains.home.slug:
        found = None  # a home board may name its jurisdiction
    stored = {
        "jurisdiction": (
            chains.named(owner.slug if owner else None),
            chains.named(found),
            "辖区",
        ),
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
                f"{_label(p, owner)}：数据库中的{label}（{_shown(column)}）与快照中的"
                f"（{_shown(snap)}）不符，发布后被改动过"
            )
    if (board.get("previous") or "") != p.previous:
        problems.append(
            f"{_label(p, owner)}：链条断开：数据库中的上一条哈希（{p.previous or '空'}）与快照中的"
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
    chain: int | None = None  # the jurisdiction's id; None: the home chain


def verify(head: str | None = None) -> list[str]:
    """Recompute every hash and link of every jurisdiction's chain, compare every column
    with its snapshot, check the recorded head (`head`: the home chain's) and the audit
    heads the publications recorded: the problems found, in Chinese, each naming the entry
    that was changed (and its jurisdiction, when it is not the home one)."""
    problems, links = _verify_chain()
    problems += _verify_head(head, [link for link in links if link.chain is None])
    problems += _verify_audit_heads(links)
    return problems


def _verify_chain() -> tuple[list[str], list[Link]]:
    """Sequence numbers are one series over all chains: a gap in it is a deleted
    publication, whichever chain it was in. Each publication links to the one before it
    in its own jurisdiction's chain."""
    problems: list[str] = []
    links: list[Link] = []
    chains = _Chains()
    last: Publication | None = None  # the previous row, in any chain
    before: dict[int | None, tuple[Publication, bool]] = {}  # per chain: its newest, hash ok
    gaps: list[tuple[int, int]] = []  # (a, b): the numbers between a and b are missing
    fields = ["seq", "month", "version", "kind", "reason", "snapshot", "sha256", "previous"]
    rows = Publication.objects.order_by("seq").only(
        *fields, "published_at", "by_name", "jurisdiction"
    )
    for p in rows.iterator():
        owner = chains.owner(p)
        chain = owner.pk if owner else None
        name = _label(p, owner)
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
            problems += _columns_against_snapshot(p, board, chains)
        # The snapshot's link is covered by its hash; the column stands in when it is not.
        linked = (board.get("previous") or "") if ok and board else p.previous
        expected = last.seq + 1 if last else 1
        if p.seq > expected:
            after = f"链序号 {last.seq} 之后是 {p.seq}" if last else "发布链从此开始"
            what = (
                f"链序号 {expected}"
                if expected == p.seq - 1
                else f"链序号 {expected} 至 {p.seq - 1}"
            )
            problems.append(f"{what} 的发布被删除（{after}）")
            gaps.append((expected - 1, p.seq))
        previous, previous_ok = before.get(chain, (None, True))
        since = previous.seq if previous else 0
        if any(since <= a and b <= p.seq for a, b in gaps):
            # A deletion lies between this and the one before it in its chain: it is named
            # above; the link across it is broken if the deleted one was of this chain.
            if owner is not None and linked != (previous.sha256 if previous else ""):
                problems.append(f"{name}：链条断开：{whose(owner)}发布链中它之前的一条发布被删除")
        elif previous is None and linked:
            problems.append(f"{name}：链条断开，首条发布的上一条哈希应为空")
        elif previous is not None and linked != previous.sha256:
            if ok and previous_ok:
                # Both fit their own hashes: the earlier one was rewritten, hash and all,
                # and the link from this one still points at what it was.
                problems.append(
                    f"{_label(previous, owner)}：被改写过（快照和哈希一并改动）：链序号 {p.seq}"
                    f" 记下的上一条哈希是 {linked or '（空）'}，它现在的哈希是 {previous.sha256}"
                )
            else:
                problems.append(f"{name}：链条断开，上一条哈希应为 {previous.sha256}")
        links.append(
            Link(
                seq=p.seq,
                sha256=p.sha256,
                label=name,
                published_at=_shown(_published_at(board, p)),
                audit=board.get("audit") if isinstance(board.get("audit"), dict) else None,
                chain=chain,
            )
        )
        last = p
        before[chain] = (p, ok)
    return problems, links


def _verify_head(head: str | None, links: list[Link]) -> list[str]:
    """The recorded head (of the home chain, `links`) must be its newest entry: anything
    after it is named, so that a forged publication appended at the end cannot pass."""
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
    rows = Publication.objects.order_by("-seq").only(
        "seq", "month", "version", "snapshot", "jurisdiction"
    )
    for p in rows:
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
    owner = _Chains().owner(p) if p.jurisdiction_id else None
    said.append(
        f"第 1 至 {seq} 条审计记录由发布链担保（{_label(p, owner)}发布时记下第 {seq} 条"
        "为审计链头）：删除或改写其中任何一条都能发现。"
    )
    if after > 0:
        said.append(
            f"其后的 {after} 条（第 {seq + 1} 至 {current['seq']} 条）写于最近一次发布之后，"
            "尚无发布记下：若其中最新的若干条被整条删除，核验无法发现（中间的删除和改动仍能"
            "发现）；下次发布会记下届时的审计链头。"
        )
    return said


@transaction.atomic
def hold(
    month: dt.date,
    reason: str = "",
    by=None,
    by_name: str = "",
    request=None,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> Hold:
    """Hold `month` back from `jurisdiction`'s automatic publication (None: the home one)."""
    if latest(month, jurisdiction=jurisdiction) is not None:
        raise PublicationError(
            _("%(month)s已经发布，暂缓无效") % {"month": _month_label(month, jurisdiction)}
        )
    existing = Hold.objects.filter(
        chain_filter(jurisdiction), month=month, released_at__isnull=True
    ).first()
    if existing:
        return existing
    record(
        "month_held",
        actor=by,
        actor_name=by_name,
        request=request,
        detail={"month": format_month(month), "reason": reason, **named(jurisdiction)},
    )
    return Hold.objects.create(
        jurisdiction=_stored(jurisdiction), month=month, reason=reason, by=by
    )


@transaction.atomic
def release(
    month: dt.date,
    by=None,
    by_name: str = "",
    request=None,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> int:
    released = Hold.objects.filter(
        chain_filter(jurisdiction), month=month, released_at__isnull=True
    ).update(released_at=clock.now())
    if released:
        record(
            "month_released",
            actor=by,
            actor_name=by_name,
            request=request,
            detail={"month": format_month(month), **named(jurisdiction)},
        )
    return released


def publication_day(month: dt.date, *, jurisdiction: Jurisdiction | None = None) -> dt.date:
    """The day month M is published automatically: `jurisdiction`'s publication day
    (DUCHA_PUBLISH_DAY unless it sets its own) of M+1, or the last day of a shorter month."""
    return _publication_day(month, Jurisdiction.objects.resolve(jurisdiction).publication_day)


def _publication_day(month: dt.date, day: int) -> dt.date:
    after = add_months(month, 1)
    return after.replace(day=min(day, month_end(after).day))


def months_due(today: dt.date, *, jurisdiction: Jurisdiction | None = None) -> list[dt.date]:
    """Months whose publication day has come in `jurisdiction`, within the look-back
    window, oldest first."""
    day = Jurisdiction.objects.resolve(jurisdiction).publication_day
    first = today.replace(day=1)
    months = [add_months(first, -k) for k in range(settings.DUCHA_PUBLISH_LOOKBACK, 0, -1)]
    return [m for m in months if _publication_day(m, day) <= today]


def publish_due(now: dt.datetime | None = None) -> list[str]:
    """The scheduled publication: what `ducha tick` runs, for every jurisdiction on its own
    calendar and holds, the home one first. Idempotent."""
    now = now or clock.now()
    said = []
    for jurisdiction in _every_jurisdiction():
        said += _publish_due(now, jurisdiction)
    return said


def _every_jurisdiction() -> list[Jurisdiction]:
    return list(Jurisdiction.objects.order_by("-home", "slug"))


def _publish_due(now: dt.datetime, jurisdiction: Jurisdiction) -> list[str]:
    today = clock.local(now).date()
    start = first_rated_month(jurisdiction=jurisdiction)
    name = whose(jurisdiction)
    said = []
    for month in months_due(today, jurisdiction=jurisdiction):
        if start is None or month < start:
            continue
        if latest(month, jurisdiction=jurisdiction) is not None:
            continue
        if is_held(month, jurisdiction=jurisdiction):
            said.append(f"{name}{format_month_zh(month)}：已被暂缓，未自动发布")
            continue
        result = publish(
            month,
            kind=Publication.Kind.SCHEDULED,
            by_name="ducha tick",
            now=now,
            jurisdiction=jurisdiction,
        )
        if result.created:
            p = result.publication
            said.append(f"{name}{format_month_zh(month)}：已自动发布，链头 {p.sha256}")
    return said


def first_rated_month(*, jurisdiction: Jurisdiction | None = None) -> dt.date | None:
    """The earliest month any task of `jurisdiction` can be rated in (its start, or
    January of its first due)."""
    found = Task.objects.filter(of_jurisdiction(jurisdiction)).aggregate(
        start=Min("start_month"), due=Min("nodes__due_month")
    )
    explicit, due = found["start"], found["due"]
    candidates = [m for m in (explicit, due.replace(month=1) if due else None) if m]
    return min(candidates) if candidates else None
