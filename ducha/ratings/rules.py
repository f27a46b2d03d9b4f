"""The four-colour rating rules of SPEC.md §2, as a pure function.

Plain data in, one rating with its reasons out; nothing here knows about Django.
Months are integers (`year * 12 + month - 1`) so that comparing them is cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Month = int
Status = Literal["not_started", "in_progress", "done"]
Rating = Literal["horse", "ox", "ostrich", "snail"]

HORSE: Rating = "horse"
OX: Rating = "ox"
OSTRICH: Rating = "ostrich"
SNAIL: Rating = "snail"
RATINGS: tuple[Rating, ...] = (HORSE, OX, OSTRICH, SNAIL)
RATING_NAMES: dict[str, str] = {HORSE: "骏马", OX: "黄牛", OSTRICH: "鸵鸟", SNAIL: "蜗牛"}


def month_index(day: dt.date) -> Month:
    return day.year * 12 + day.month - 1


def month_date(month: Month) -> dt.date:
    return dt.date(month // 12, month % 12 + 1, 1)


def month_zh(month: Month) -> str:
    return f"{month // 12}年{month % 12 + 1}月"


@dataclass(frozen=True, slots=True)
class NodeFacts:
    code: str
    title: str
    due: Month


@dataclass(frozen=True, slots=True)
class Row:
    """One progress row: what was reported for `node` in `month`."""

    node: str
    month: Month
    status: Status
    percent: int | None = None


@dataclass(frozen=True, slots=True)
class TaskFacts:
    code: str
    nodes: tuple[NodeFacts, ...]
    rows: tuple[Row, ...] = ()
    start: Month | None = None
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Result:
    task: str
    rating: Rating | None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def start_month(task: TaskFacts) -> Month | None:
    if task.start is not None:
        return task.start
    if not task.nodes:
        return None
    earliest = min(n.due for n in task.nodes)
    return earliest - earliest % 12  # January of that year


def _value(row: Row) -> int | None:
    """A row's 进度 for the progress comparisons: 已完成 is 100 and 未启动 is 0."""
    if row.status == "done":
        return 100
    if row.status == "not_started":
        return 0
    return row.percent


def _label(node: NodeFacts) -> str:
    return f"节点{node.code}「{node.title}」"


def rate(task: TaskFacts, month: Month) -> Result:
    """Rate `task` for `month` by the first rule of SPEC §2 that applies."""
    if task.status != "active":
        word = {"suspended": "暂停", "cancelled": "取消"}.get(task.status, task.status)
        return Result(task.code, None, (Reason("not_active", f"任务已{word}，不参与评价"),))
    start = start_month(task)
    if start is None:
        return Result(task.code, None, (Reason("no_nodes", "任务没有节点，不参与评价"),))
    if month < start:
        return Result(
            task.code, None, (Reason("not_started", f"任务自{month_zh(start)}起参与评价"),)
        )

    visible = [r for r in task.rows if r.month <= month]
    done: dict[str, Month] = {}
    for r in visible:
        if r.status == "done" and (r.node not in done or r.month < done[r.node]):
            done[r.node] = r.month

    if all(n.code in done and done[n.code] < month for n in task.nodes):
        return Result(task.code, None, (Reason("all_done", "全部节点已于此前完成，不再参与评价"),))

    this_month = {r.node: r for r in visible if r.month == month}
    if not this_month:
        return Result(task.code, SNAIL, (Reason("not_reported", f"{month_zh(month)}未报送进展"),))

    live = [n for n in task.nodes if not (n.code in done and done[n.code] < month)]
    overdue = [n for n in live if n.due <= month and n.code not in done]
    finished = [n for n in live if done.get(n.code) == month]
    early = [n for n in finished if n.due > month]
    late = [n for n in finished if n.due < month]

    progress = _progress(live, visible, this_month, done, month)

    if overdue:
        reasons = [
            Reason(
                "overdue",
                f"{_label(n)}应于{month_zh(n.due)}完成，至{month_zh(month)}底未完成",
            )
            for n in overdue
        ]
        if progress:
            reasons.extend(progress)
            return Result(task.code, OSTRICH, tuple(reasons))
        reasons.append(Reason("no_progress", "本月没有实质进展"))
        return Result(task.code, SNAIL, tuple(reasons))
    if late:
        return Result(
            task.code,
            OSTRICH,
            tuple(
                Reason("late", f"{_label(n)}应于{month_zh(n.due)}完成，{month_zh(month)}才完成")
                for n in late
            ),
        )
    if early:
        return Result(
            task.code,
            HORSE,
            tuple(
                Reason("early", f"{_label(n)}计划{month_zh(n.due)}完成，{month_zh(month)}提前完成")
                for n in early
            ),
        )
    reasons = [Reason("on_time", f"{_label(n)}按期于{month_zh(month)}完成") for n in finished]
    if not reasons:
        reasons = [Reason("on_track", "已报送进展，节点均未到期，按计划推进")]
    return Result(task.code, OX, tuple(reasons))


def _progress(
    live: list[NodeFacts],
    visible: list[Row],
    this_month: dict[str, Row],
    done: dict[str, Month],
    month: Month,
) -> list[Reason]:
    """The reasons for which the task made progress (P) in `month`; empty if none."""
    before: dict[str, list[Row]] = {}
    for r in visible:
        if r.month < month:
            before.setdefault(r.node, []).append(r)
    reasons = []
    for n in live:
        if done.get(n.code) == month:
            reasons.append(Reason("progress", f"节点{n.code}本月完成"))
            continue
        row = this_month.get(n.code)
        if row is None:
            continue
        earlier = before.get(n.code, [])
        now = _value(row)
        best = max((v for v in map(_value, earlier) if v is not None), default=0)
        if now is not None and now > best:
            reasons.append(Reason("progress", f"节点{n.code}进度由{best}%提高到{now}%"))
            continue
        latest = max(earlier, key=lambda r: r.month).status if earlier else "not_started"
        if row.status == "in_progress" and latest == "not_started":
            reasons.append(Reason("progress", f"节点{n.code}本月启动"))
    return reasons


def rate_all(tasks: Iterable[TaskFacts], month: Month) -> list[Result]:
    return [rate(t, month) for t in sorted(tasks, key=lambda t: t.code)]


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
            "due": f"{self.due // 12:04d}-{self.due % 12 + 1:02d}",
            "status": self.status,
            "percent": self.percent,
            "done": None
            if self.done is None
            else f"{self.done // 12:04d}-{self.done % 12 + 1:02d}",
            "reported": self.reported,
        }


def node_states(task: TaskFacts, month: Month) -> list[NodeState]:
    latest: dict[str, Row] = {}
    done: dict[str, Month] = {}
    for r in task.rows:
        if r.month > month:
            continue
        if r.node not in latest or r.month > latest[r.node].month:
            latest[r.node] = r
        if r.status == "done" and (r.node not in done or r.month < done[r.node]):
            done[r.node] = r.month
    states = []
    for n in task.nodes:
        row = latest.get(n.code)
        finished = done.get(n.code)
        status: Status = "done" if finished is not None else (row.status if row else "not_started")
        percent = 100 if finished is not None else (_value(row) if row else None)
        states.append(
            NodeState(
                n.code,
                n.title,
                n.due,
                status,
                percent,
                finished,
                row is not None and row.month == month,
            )
        )
    return states
