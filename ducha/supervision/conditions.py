"""The accountability ladder's conditions as a pure function: a task's published history
in, the rules that fire (with their reasons as data) out. Standard library only.

A month is an integer (`ducha.lib.months.index`). For task T and published month M:

- `streak` (mark X, N): T is X in M and in the months right before it, a run of R months
  with R a multiple of N (N, 2N, …): two months in a row fire the rule in the second, and
  again two months later if the run goes on. A month not published, or T not rated in it,
  ends a run.
- `in_year` (mark X, N): T is X in M, and the count of its X marks from January to M of
  M's year is a multiple of N (the third, the sixth…).
- `node_overdue` (N): T is rated in M and a node of it, due in month D and not done by M,
  is overdue by more than N months in M for the first time: M − D = N + 1 (due in June,
  still open at the end of August: more than a month overdue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ducha.lib.months import format_month, from_index

STREAK, IN_YEAR, NODE_OVERDUE = "streak", "in_year", "node_overdue"
KINDS = (STREAK, IN_YEAR, NODE_OVERDUE)


def _text(month: int) -> str:
    return format_month(from_index(month))


def _texts(months: Iterable[int]) -> list[str]:
    return [_text(m) for m in months]


@dataclass(frozen=True)
class RuleSpec:
    id: int | None
    kind: str
    mark: str  # a rating key; empty for node_overdue
    count: int
    step: str


@dataclass(frozen=True)
class Node:
    code: str
    title: str
    due: int
    done: int | None


@dataclass(frozen=True)
class Row:
    """A task as one month's board published it."""

    rating: str | None
    nodes: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Fired:
    rule: RuleSpec
    months: tuple[int, ...]  # the published months whose marks triggered it
    reason: dict  # JSON-able, months as YYYY-MM: what the pages and documents say


def _streak(rule: RuleSpec, history: Mapping[int, Row], month: int) -> Fired | None:
    run = []
    m = month
    while (row := history.get(m)) is not None and row.rating == rule.mark:
        run.append(m)
        m -= 1
    if not run or len(run) % rule.count:
        return None
    months = tuple(sorted(run))
    reason = {"kind": STREAK, "mark": rule.mark, "count": len(run), "months": _texts(months)}
    return Fired(rule, months, reason)


def _in_year(rule: RuleSpec, history: Mapping[int, Row], month: int) -> Fired | None:
    if history[month].rating != rule.mark:
        return None
    january = month - month % 12
    months = tuple(
        m for m in range(january, month + 1) if (r := history.get(m)) and r.rating == rule.mark
    )
    if len(months) % rule.count:
        return None
    reason = {"kind": IN_YEAR, "mark": rule.mark, "count": len(months), "months": _texts(months)}
    return Fired(rule, months, reason)


def _node_overdue(rule: RuleSpec, history: Mapping[int, Row], month: int) -> Fired | None:
    late = [
        n
        for n in history[month].nodes
        if (n.done is None or n.done > month) and month - n.due == rule.count + 1
    ]
    if not late:
        return None
    reason = {
        "kind": NODE_OVERDUE,
        "count": rule.count,
        "nodes": [{"code": n.code, "title": n.title, "due": _text(n.due)} for n in late],
        "months": [_text(month)],
    }
    return Fired(rule, (month,), reason)


CHECKS = {STREAK: _streak, IN_YEAR: _in_year, NODE_OVERDUE: _node_overdue}


def fired(rules: Iterable[RuleSpec], history: Mapping[int, Row], month: int) -> list[Fired]:
    """The rules that fire for one task in `month`, given its rows in the published months
    (`history[month]` must be there). A task not rated in `month` fires nothing."""
    row = history.get(month)
    if row is None or row.rating is None:
        return []
    out = []
    for rule in rules:
        found = CHECKS[rule.kind](rule, history, month)
        if found is not None:
            out.append(found)
    return out
