"""The chain heads written down outside the system, and checked against it later.

Whoever holds the database can rewrite it, hashes and all; a hash printed in the month's
circular, filed in another system or kept on paper cannot be reached from here. `record()`
is what to write down: every jurisdiction's newest publication and the audit log's head.
`check(record)` says whether each is still in its chain, unchanged, and lists what was
published after it, for a person to confirm each one was theirs. (`ducha verify --head` is
the same check for the home chain when the head written down must still be the newest.)
"""

from __future__ import annotations

from ducha.audit import audit_head, check_audit_head
from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, chain_heads
from ducha.lib import clock
from ducha.lib.months import format_month
from ducha.org.models import Jurisdiction

FORMAT = "ducha-chain-heads/1"


def _when(moment) -> str:
    return clock.local(moment).isoformat(timespec="seconds")


def record() -> dict:
    """Every chain's head (the home one first, then by slug) and the audit log's head."""
    home = Jurisdiction.objects.home()
    chains = [
        {
            "jurisdiction": (jurisdiction or home).slug,
            "name": (jurisdiction or home).name,
            "seq": head.seq,
            "month": format_month(head.month),
            "version": head.version,
            "published_at": _when(head.published_at),
            "sha256": head.sha256,
        }
        for jurisdiction, head in chain_heads()
    ]
    return {
        "format": FORMAT,
        "recorded_at": _when(clock.now()),
        "chains": chains,
        "audit": audit_head(),
    }


class BadRecord(ValueError):
    pass


def _entries(recorded: object) -> list[dict]:
    if not isinstance(recorded, dict) or recorded.get("format") != FORMAT:
        raise BadRecord(
            f"不是链头记录（应是 ducha chain-heads --format json 的输出，format 为 {FORMAT}）"
        )
    chains = recorded.get("chains")
    if not isinstance(chains, list) or not all(
        isinstance(c, dict)
        and isinstance(c.get("jurisdiction"), str)
        and isinstance(c.get("seq"), int)
        and isinstance(c.get("sha256"), str)
        for c in chains
    ):
        raise BadRecord("链头记录的 chains 应是一组 {jurisdiction, seq, sha256, …}")
    return chains


def check(recorded: object) -> tuple[list[str], list[str]]:
    """(problems, notes): a recorded head gone or changed is a problem; publications made
    after it are notes, since a record is a checkpoint and the chains go on growing."""
    problems: list[str] = []
    notes: list[str] = []
    seen: set[int] = set()
    for entry in _entries(recorded):
        jurisdiction = Jurisdiction.objects.filter(slug=entry["jurisdiction"]).first()
        name = entry.get("name") or entry["jurisdiction"]
        if jurisdiction is None:
            problems.append(f"记下的辖区「{name}」（{entry['jurisdiction']}）已不存在")
            continue
        seen.add(jurisdiction.pk)
        chain = Publication.objects.filter(chain_filter(jurisdiction))
        head = chain.filter(sha256=entry["sha256"]).first()
        label = f"「{jurisdiction.name}」发布链"
        if head is None:
            problems.append(
                f"{label}中已没有记下的链头 {entry['sha256']}（序号 {entry['seq']}）："
                "这条发布被删除或改写过"
            )
            continue
        if head.seq != entry["seq"]:
            problems.append(
                f"{label}的链头 {entry['sha256']} 记下时序号为 {entry['seq']}，现在为 {head.seq}"
            )
        after = list(chain.filter(seq__gt=head.seq).order_by("seq"))
        if after:
            listed = "；".join(
                f"{format_month(p.month)} 第{p.version}版"
                f"（序号 {p.seq}，发布于 {_when(p.published_at)}）"
                for p in after
            )
            notes.append(
                f"{label}在记下之后又发布了 {len(after)} 条：{listed}。请逐条确认是经手的发布"
            )
        else:
            notes.append(f"{label}的链头与记下的一致")
    for jurisdiction, head in chain_heads():
        j = jurisdiction or Jurisdiction.objects.home()
        if j.pk not in seen:
            notes.append(f"「{j.name}」发布链在记下时还没有（现在链头序号 {head.seq}）")
    audit = recorded.get("audit") if isinstance(recorded, dict) else None
    if isinstance(audit, dict) and "seq" in audit and "sha256" in audit:
        problems += check_audit_head(f"{audit['seq']}:{audit['sha256']}")
    return problems, notes
