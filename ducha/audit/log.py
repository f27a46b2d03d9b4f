"""Writing to the audit log and checking its hash chain."""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from ducha.audit.models import AuditEntry, AuditLock
from ducha.lib import clock
from ducha.lib.addresses import client_address
from ducha.lib.chain import canonical_json, sha256_hex
from ducha.lib.months import format_month, parse_month


def content(entry: AuditEntry) -> dict:
    """What the entry's hash covers: everything but its own hash and row id.

    The task and month columns came later: they are covered only when set, so that the
    entries written before them hash as they did.
    """
    covered = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "role": entry.role,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "detail": entry.detail,
        "address": entry.address,
        "previous": entry.previous,
    }
    if entry.task_code:
        covered["task_code"] = entry.task_code
    if entry.month:
        covered["month"] = format_month(entry.month)
    return covered


def _task_code(target) -> str:
    """A task's code, or the code of the task a report or an override is about.

    Read from the object's shape rather than its class: the apps that record entries
    import the audit log, not the other way round.
    """
    task = target if type(target).__name__ == "Task" else getattr(target, "task", None)
    code = getattr(task, "code", "")
    return code if isinstance(code, str) else ""


def _month(target, detail: dict | None) -> dt.date | None:
    """The month of a report, override, publication or hold, else detail["month"]."""
    month = getattr(target, "month", None)
    if isinstance(month, dt.date):
        return dt.date(month.year, month.month, 1)
    text = (detail or {}).get("month")
    if isinstance(text, str):
        try:
            return parse_month(text)
        except ValueError:
            return None
    return None


def record(
    action: str,
    *,
    actor=None,
    request=None,
    target=None,
    detail: dict | None = None,
    actor_name: str = "",
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry. `actor` defaults to the request's signed-in user; `actor_name`
    names a non-person actor such as `ducha tick`; `target` is any model instance."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    target_fields = {"month": _month(target, detail)}
    if target is not None:
        target_fields |= {
            "target_type": type(target).__name__,
            "target_id": "" if target.pk is None else str(target.pk),
            "target_label": str(target)[:200],
            "task_code": _task_code(target)[:32],
        }
    return append(
        action,
        actor=actor,
        actor_name=actor_name,
        address=client_address(request) if request is not None else "",
        detail=detail,
        at=at,
        **target_fields,
    )


def _name(user) -> str:
    full, username = getattr(user, "full_name", ""), user.get_username()
    return f"{full}（{username}）" if full and full != username else username


def append(action: str, *, actor=None, actor_name="", address="", detail=None, at=None, **target):
    """The one write: lock, link to the head, hash, insert. `at` defaults to the clock."""
    if action not in AuditEntry.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is not None and not actor.is_authenticated:  # record(..., actor=request.user)
        actor = None
    # Dates, decimals and the like become JSON text first, then one canonical spelling.
    detail_json = canonical_json(json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder)))
    with transaction.atomic():
        if AuditLock.objects.select_for_update().filter(pk=1).first() is None:
            AuditLock.objects.get_or_create(pk=1)  # the migration's row was flushed
            AuditLock.objects.select_for_update().get(pk=1)
        head = AuditEntry.objects.order_by("-seq").only("seq", "sha256").first()
        entry = AuditEntry(
            seq=head.seq + 1 if head else 1,
            at=at or clock.now(),
            actor=actor,
            actor_name=(actor_name or (_name(actor) if actor else ""))[:150],
            role=getattr(actor, "role", "") or "",
            action=action,
            detail=detail_json,
            address=address[:64],
            previous=head.sha256 if head else "",
            **target,
        )
        entry.sha256 = sha256_hex(canonical_json(content(entry)))
        entry.save(force_insert=True)
    return entry


def head() -> dict | None:
    """The newest entry's seq and hash, or None when the log is empty."""
    newest = AuditEntry.objects.order_by("-seq").values("seq", "sha256").first()
    return dict(newest) if newest else None


def check_head(recorded: str) -> list[str]:
    """`recorded` is an audit head written down earlier as SEQ:SHA256 (what `ducha verify`
    prints): that entry must still be there, unchanged. Entries after it are the work done
    since; entries deleted from the end, back past it, are caught here and nowhere else."""
    seq_text, _, sha = recorded.strip().partition(":")
    if not seq_text.isascii() or not seq_text.isdigit() or len(sha) != 64:
        return [
            f"--audit-head 应写作 序号:SHA-256（ducha verify 打印的那一行），而不是 {recorded[:80]}"
        ]
    seq = int(seq_text)
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        newest = head()
        now = f"现在最新的是第 {newest['seq']} 条" if newest else "审计日志现在是空的"
        return [f"记下的第 {seq} 条审计记录已不存在：它及其后的记录被删除（{now}）"]
    if entry.sha256 != sha:
        return [f"{_label(entry)}的哈希与记下的不符：这条记录被改写过（记下的是 {sha}）"]
    return []


def _label(entry: AuditEntry) -> str:
    when = clock.local(entry.at).strftime("%Y-%m-%d %H:%M:%S")
    return f"第 {entry.seq} 条审计记录（{when}）"


def _missing(first: int, last: int) -> str:
    return f"第 {first} 条" if first == last else f"第 {first} 至 {last} 条"


def verify_log() -> list[str]:
    """Recompute every hash and link; the problems found, in Chinese, naming the entry.

    An entry edited in place fails its own hash. One rewritten with its hash fits itself,
    but the next entry still records its old hash: the rewritten one is named, not the
    next. Entries deleted in the middle leave a gap in the numbers. The newest entries
    deleted leave no trace here: the publications' recorded heads catch those (`ducha
    verify`).
    """
    problems = []
    before: AuditEntry | None = None
    before_ok = True
    for entry in AuditEntry.objects.order_by("seq").iterator():
        name = _label(entry)
        ok = sha256_hex(canonical_json(content(entry))) == entry.sha256
        if not ok:
            problems.append(f"{name}：内容与其 SHA-256 不符，写入后被改动过")
        expected = before.seq + 1 if before else 1
        if entry.seq > expected:
            after = f"第 {before.seq} 条之后是第 {entry.seq} 条" if before else "日志从此开始"
            problems.append(f"{_missing(expected, entry.seq - 1)}审计记录被删除（{after}）")
        elif before is None and entry.previous:
            problems.append(f"{name}：链条断开，首条记录的上一条哈希应为空")
        elif before is not None and entry.previous != before.sha256:
            if ok and before_ok:
                # Both fit their own hashes: the earlier one was rewritten, hash and all.
                problems.append(
                    f"{_label(before)}：被改写过（内容和哈希一并改动）：第 {entry.seq} 条"
                    f"记下的上一条哈希是 {entry.previous or '（空）'}，它现在的哈希是 "
                    f"{before.sha256}"
                )
            else:
                problems.append(
                    f"{name}：链条断开，上一条哈希应为 {before.sha256}，其前的记录被改动过"
                )
        before, before_ok = entry, ok
    return problems
