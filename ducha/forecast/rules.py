"""The slippage forecast as a pure function: what the end of month M-1 knew about a task in,
whether it is likely to be rated ostrich or snail in M (with its reasons) out.

Nothing here knows about Django, nor reads anything of month M itself: the backtest checks
the forecast of M against M's board, which would be no test at all if M's rows leaked in.
Months are integers, as in `ducha.ratings.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ducha.ratings.marks import NAMES
from ducha.ratings.rules import (
    OSTRICH,
    SNAIL,
    History,
    MonthFacts,
    NodeFacts,
    Rating,
    month_text,
    month_zh,
    node_label,
    not_rated,
    start_month,
    value,
)

Month = int
SLIPPING: frozenset[str] = frozenset({OSTRICH, SNAIL})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The few numbers the forecast turns on (tuned on the demo's 2021 backtest)."""

    low_percent: int = 40  # a node due in M that stood below this at the end of M-1
    still_months: int = 2  # no change in a started node's 进度 or status for this long
    window: int = 2  # the last months of ratings read for a task's history …
    bad_months: int = 2  # … of which at least this many ostrich or snail


@dataclass(frozen=True, slots=True)
class Known:
    """A task as the end of month M-1 knows it, to forecast M (`month`)."""

    code: str
    nodes: tuple[NodeFacts, ...]
    month: Month
    history: Mapping[str, History]  # each node over the rows of months before M
    earlier: Mapping[str, History]  # the same over the rows before M - still_months
    ratings: tuple[str | None, ...] = ()  # the ratings of the last months, oldest first
    start: Month | None = None
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason for the forecast: a machine code, a Chinese sentence naming the node, and
    the sentence's parts (node, title, months as YYYY-MM, …) so a page can say it in English."""

    code: str
    text: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Forecast:
    task: str
    likely: Rating  # ostrich or snail
    flags: tuple[Flag, ...]


def state(h: History | None) -> tuple[str, int, Month | None]:
    """A node's (status, 进度, done month) as rows say it; no row at all: not started."""
    if h is None:
        return "not_started", 0, None
    if h.done is not None:
        return "done", 100, h.done
    return h.latest or "not_started", value(h.latest or "not_started", h.latest_percent) or 0, None


def _args(node: NodeFacts, month: Month, **more: str) -> tuple[tuple[str, str], ...]:
    base = {"node": node.code, "title": node.title, "due": month_text(node.due)}
    base["month"] = month_text(month)
    return tuple({**base, **more}.items())


def forecast(known: Known, limits: Thresholds = Thresholds()) -> Forecast | None:
    """Whether `known`'s task is likely to slip in its month, and why; None when not."""
    month = known.month
    # Rated in M at all? Asked as if M had no rows yet: all that is known of M.
    blank = MonthFacts(known.code, known.nodes, month, known.history, {}, known.start, known.status)
    if not_rated(blank) is not None:
        return None
    last = month - 1
    start = start_month(known.nodes, known.start) or month  # rated: there are nodes
    live = [n for n in known.nodes if state(known.history.get(n.code))[2] is None]
    flags: list[Flag] = []
    # Nodes that §2 makes overdue in M unless they are finished in M; `stuck`: one of them
    # has not moved (not started, or unchanged for `still_months`), so that if it stays so,
    # §2 rates the task a snail.
    pressing = stuck = False
    for n in live:
        status, percent, _done = state(known.history.get(n.code))
        unmoved = status == "not_started" or (
            month - limits.still_months >= start
            and (status, percent) == state(known.earlier.get(n.code))[:2]
        )
        if n.due < month:
            pressing = True
            stuck = stuck or unmoved
            flags.append(
                Flag(
                    "overdue",
                    f"{node_label(n)}应于{month_zh(n.due)}完成，至{month_zh(last)}底仍未完成"
                    f"（进度{percent}%）",
                    _args(n, last, percent=str(percent)),
                )
            )
        elif n.due == month and percent < limits.low_percent and month > start:
            # (In the task's first month nothing was reported before: nothing to judge by.)
            pressing = True
            stuck = stuck or unmoved
            if status == "not_started":
                text = f"{node_label(n)}本月到期，上月仍未启动"
            else:
                text = f"{node_label(n)}本月到期，上月进度仅{percent}%"
            args = _args(n, month, percent=str(percent), status=status)
            flags.append(Flag("due_low", text, args))
    if month - limits.still_months >= start:
        for n in live:
            now = state(known.history.get(n.code))
            if now[0] != "in_progress" or now != state(known.earlier.get(n.code)):
                continue
            flags.append(
                Flag(
                    "still",
                    f"{node_label(n)}连续{limits.still_months}个月进度没有变化（{now[1]}%）",
                    _args(n, month, months=str(limits.still_months), percent=str(now[1])),
                )
            )
    recent = known.ratings[-limits.window :]
    bad = sum(1 for r in recent if r in SLIPPING)
    if bad >= limits.bad_months:
        flags.append(
            Flag(
                "history",
                f"近{len(recent)}个月中有{bad}个月被评为{NAMES[OSTRICH]}或{NAMES[SNAIL]}",
                (("window", str(len(recent))), ("bad", str(bad))),
            )
        )
    if not flags:
        return None
    # §2: an overdue node without progress makes a snail, with progress an ostrich; a node
    # that has not been moving is taken to stay so.
    return Forecast(known.code, SNAIL if pressing and stuck else OSTRICH, tuple(flags))
