"""The four-colour rating rules of SPEC.md §2, as a pure function.

Plain data in, one rating with its reasons out; nothing here knows about Django.
Months are integers (`year * 12 + month - 1`) so that comparing them is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ducha.lib import months
from ducha.ratings.marks import KEYS, NAMES

Month = int
Status = Literal["not_started", "in_progress", "done"]
Rating = Literal["horse", "ox", "ostrich", "snail"]

HORSE: Rating = "horse"
OX: Rating = "ox"
OSTRICH: Rating = "ostrich"
SNAIL: Rating = "snail"
RATINGS: tuple[Rating, ...] = KEYS  # type: ignore[assignment]
RATING_NAMES: dict[str, str] = NAMES


month_index = months.index


def month_zh(month: Month) -> str:
    return months.format_month_zh(months.from_index(month))


class NodeFacts(NamedTuple):
    code: str
    title: str
    due: Month


class Row(NamedTuple):
    """One progress row: what was reported for `node` in `month`."""

    node: str
    month: Month
    status: Status
    percent: int | None = None


class History(NamedTuple):
    """What the rows of the months before M say about one node."""

    done: Month | None  # the earliest month a row said 已完成
    best: int  # the highest 进度 reported (已完成 counts 100, 未启动 0; none reported: 0)
    latest: Status | None  # the status of the latest row (None: no row at all)
    latest_percent: int | None  # the 进度 of that row, for display


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """A task with its whole reporting history."""

    code: str
    nodes: tuple[NodeFacts, ...]
    rows: tuple[Row, ...] = ()
    start: Month | None = None
    status: str = "active"


@dataclass(frozen=True, slots=True)
class MonthFacts:
    """A task as month M sees it: M's own rows and a summary of the rows before M.

    The rules depend on nothing else, so the database side can hand over this summary
    (aggregated in SQL) instead of every row since January.
    """

    code: str
    nodes: tuple[NodeFacts, ...]
    month: Month
    history: Mapping[str, History]
    current: Mapping[str, Row]
    start: Month | None = None
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a task got its rating: a machine code, a Chinese sentence naming the nodes, and the
    sentence's parts (node, title, months as YYYY-MM, …) so a page can say it in English."""

    code: str
    text: str
    args: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict:
        return {"code": self.code, "text": self.text, "args": dict(self.args)}


@dataclass(frozen=True, slots=True)
class Result:
    task: str
    rating: Rating | None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def start_month(nodes: tuple[NodeFacts, ...], start: Month | None) -> Month | None:
    """The explicit start, or January of the year of the earliest due month."""
    if start is not None:
        return start
    if not nodes:
        return None
    earliest = min(n.due for n in nodes)
    return earliest - earliest % 12


def value(status: str, percent: int | None) -> int | None:
    """A row's 进度 for the progress comparisons: 已完成 is 100 and 未启动 is 0."""
    if status == "done":
        return 100
    if status == "not_started":
        return 0
    return percent


def summarize(task: TaskFacts, month: Month) -> MonthFacts:
    """Reduce a task's rows to what rating `month` looks at; rows after `month` are ignored."""
    current: dict[str, Row] = {}
    done: dict[str, Month] = {}
    best: dict[str, int] = {}
    latest: dict[str, Row] = {}
    for row in task.rows:
        node, m, status, percent = row
        if m > month:
            continue
        if m == month:
            current[node] = row
            continue
        if status == "done" and m < done.get(node, month):
            done[node] = m
        v = value(status, percent)
        if v is not None and v > best.get(node, 0):
            best[node] = v
        if node not in latest or m > latest[node].month:
            latest[node] = row
    history = {
        node: History(done.get(node), best.get(node, 0), row.status, row.percent)
        for node, row in latest.items()
    }
    return MonthFacts(task.code, task.nodes, month, history, current, task.start, task.status)


def node_label(node: NodeFacts) -> str:
    return f"节点{node.code}「{node.title}」"


def _node_args(node: NodeFacts, month: Month) -> tuple[tuple[str, str], ...]:
    return (
        ("node", node.code),
        ("title", node.title),
        ("due", month_text(node.due)),
        ("month", month_text(month)),
    )


ON_TRACK = (Reason("on_track", "已报送进展，节点均未到期，按计划推进"),)
STATUS_WORDS = {"suspended": "暂停", "cancelled": "取消"}


def done_months(facts: MonthFacts) -> dict[str, Month]:
    """done(n) for each node, as far as month M can see: the earliest month reported done."""
    done: dict[str, Month] = {}
    for node, h in facts.history.items():
        if h.done is not None:
            done[node] = h.done
    for node, row in facts.current.items():
        if row.status == "done" and node not in done:
            done[node] = facts.month
    return done


def not_rated(facts: MonthFacts) -> Reason | None:
    """Why the task has no rating in M (SPEC §2: rule 1), or None when it is rated.

    This is also the one definition of who must report for M: a task is expected to report
    exactly when it is rated."""
    month = facts.month
    if facts.status != "active":
        word = STATUS_WORDS.get(facts.status, facts.status)
        return Reason("not_active", f"任务已{word}，不参与评价", (("status", facts.status),))
    start = start_month(facts.nodes, facts.start)
    if start is None:
        return Reason("no_nodes", "任务没有节点，不参与评价")
    if month < start:
        text = f"任务自{month_zh(start)}起参与评价"
        return Reason("not_started", text, (("start", month_text(start)),))
    done = done_months(facts)
    if all(done.get(n.code, month) < month for n in facts.nodes):
        return Reason("all_done", "全部节点已于此前完成，不再参与评价")
    return None


def rate(task: TaskFacts, month: Month) -> Result:
    """Rate `task` for `month` by the first rule of SPEC §2 that applies."""
    return decide(summarize(task, month))


def decide(facts: MonthFacts) -> Result:
    """The rules of SPEC §2 on one task-month; the first rule that applies decides."""
    code, month = facts.code, facts.month
    why_not = not_rated(facts)
    if why_not is not None:
        return Result(code, None, (why_not,))
    current = facts.current
    done = done_months(facts)
    live = [n for n in facts.nodes if done.get(n.code, month) >= month]
    if not current:
        text = f"{month_zh(month)}未报送进展"
        return Result(code, SNAIL, (Reason("not_reported", text, (("month", month_text(month)),)),))

    overdue = [n for n in live if n.due <= month and n.code not in done]
    if overdue:
        reasons = [
            Reason(
                "overdue",
                f"{node_label(n)}应于{month_zh(n.due)}完成，至{month_zh(month)}底未完成",
                _node_args(n, month),
            )
            for n in overdue
        ]
        progress = _progress(live, done, facts)
        if progress:
            return Result(code, OSTRICH, (*reasons, *progress))
        reasons.append(Reason("no_progress", "本月没有实质进展"))
        return Result(code, SNAIL, tuple(reasons))

    finished = [n for n in live if done.get(n.code) == month]
    if not finished:
        return Result(code, OX, ON_TRACK)
    late = [n for n in finished if n.due < month]
    if late:
        return Result(
            code,
            OSTRICH,
            tuple(
                Reason(
                    "late",
                    f"{node_label(n)}应于{month_zh(n.due)}完成，{month_zh(month)}才完成",
                    _node_args(n, month),
                )
                for n in late
            ),
        )
    early = [n for n in finished if n.due > month]
    if early:
        return Result(
            code,
            HORSE,
            tuple(
                Reason(
                    "early",
                    f"{node_label(n)}计划{month_zh(n.due)}完成，{month_zh(month)}提前完成",
                    _node_args(n, month),
                )
                for n in early
            ),
        )
    return Result(
        code,
        OX,
        tuple(
            Reason("on_time", f"{node_label(n)}按期于{month_zh(month)}完成", _node_args(n, month))
            for n in finished
        ),
    )


def _progress(live: list[NodeFacts], done: dict[str, Month], facts: MonthFacts) -> list[Reason]:
    """The reasons for which the task made progress (P) in the month; empty if none."""
    reasons = []
    for n in live:
        code = n.code
        if done.get(code) == facts.month:
            reasons.append(
                Reason("progress", f"节点{code}本月完成", (("node", code), ("how", "done")))
            )
            continue
        row = facts.current.get(code)
        if row is None:
            continue
        h = facts.history.get(code)
        now = value(row.status, row.percent)
        before = h.best if h else 0
        if now is not None and now > before:
            args = (("node", code), ("how", "percent"), ("before", str(before)), ("now", str(now)))
            reasons.append(Reason("progress", f"节点{code}进度由{before}%提高到{now}%", args))
        elif row.status == "in_progress" and (h is None or h.latest == "not_started"):
            reasons.append(
                Reason("progress", f"节点{code}本月启动", (("node", code), ("how", "started")))
            )
    return reasons


def month_text(month: Month) -> str:
    return months.format_month(months.from_index(month))


@dataclass(frozen=True, slots=True)
class NodeState:
    """A node as it stood at the end of a month: what a published board freezes."""

    code: str
    title: str
    due: Month
    status: Status
    percent: int | None
    done: Month | None
    reported: bool  # a row for this very month exists

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "due": month_text(self.due),
            "status": self.status,
            "percent": self.percent,
            "done": None if self.done is None else month_text(self.done),
            "reported": self.reported,
        }


def node_states(facts: MonthFacts) -> list[NodeState]:
    states = []
    for n in facts.nodes:
        h = facts.history.get(n.code)
        row = facts.current.get(n.code)
        finished = h.done if h and h.done is not None else None
        if finished is None and row is not None and row.status == "done":
            finished = facts.month
        if finished is not None:
            status, percent = "done", 100
        elif row is not None:
            status, percent = row.status, value(row.status, row.percent)
        elif h is not None:
            status, percent = h.latest, value(h.latest, h.latest_percent)
        else:
            status, percent = "not_started", None
        states.append(NodeState(n.code, n.title, n.due, status, percent, finished, row is not None))
    return states
