"""January 2022 in the demo: the month the office is closing on the demo date (8 February).

The 2021 boards are all posted. January has ended and is not yet posted: most units have
reported (online, or in a spreadsheet the office imported), some reports wait for the unit
head, some for the office, one was sent back, a few units have not reported and are past the
5 February deadline. Every demo login has something to do.

Which tasks are rated in January follows SPEC §2 (the pure rules decide): the tasks still
open at the end of 2021, and the tasks that finished in December and took on a follow-up
node for 2022 (巩固深化…), as offices do with reforms that run on. A follow-up due in 2022
changes no 2021 rating (a test holds the generator to that).

Pure and seeded, like dezhou.py: the same seed always gives the same January.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from ducha.demo.dezhou import DemoData, DemoNode, DemoProgress, DemoTask, note, progress_note
from ducha.lib.months import index
from ducha.ratings import rules

JANUARY = dt.date(2022, 1, 1)
DECEMBER = dt.date(2021, 12, 1)
TODAY = dt.date(2022, 2, 8)  # the demo date: January ended, deadline (5th) passed, not posted
FOLLOW_UPS = (
    "巩固深化改革成果，形成长效机制",
    "开展改革成效评估，总结推广经验做法",
    "健全配套制度，推动改革系统集成",
)
NARRATIVES = (
    "1月份，我单位牵头召开专题推进会，对照年度目标逐项梳理节点任务，各项工作有序推进。",
    "1月份，我单位细化工作台账，明确责任科室和完成时限，与配合单位建立周调度机制。",
    "1月份，我单位围绕节点目标集中攻坚，主要负责同志多次调度，已形成阶段性成果。",
)
PROBLEMS = (
    "配合单位数据共享不够及时，影响进度。",
    "春节前后集中办公时间较少，部分工作有所延后。",
    "上级配套政策尚未出台，部分事项需等待。",
    "",
)
NEXT_STEPS = (
    "2月份将加强与配合单位沟通对接，确保节点按期完成。",
    "下步将加快推进，力争提前完成年度目标。",
    "下月将提请分管市领导专题调度，协调解决存在问题。",
)
RETURN_COMMENT = "请补充会议纪要等佐证材料，并说明滞后节点的原因和下步措施。"
IMPORT_FILE = "2022年1月各单位改革任务进展汇总.xlsx"


@dataclass(frozen=True)
class JanuaryReport:
    """One task's January: how its unit reported it and when."""

    task: str
    unit: str
    channel: str  # import, accepted, approved, returned, submitted, draft, or none (late)
    rows: tuple[DemoProgress, ...]
    narrative: str = ""
    problems: str = ""
    next_steps: str = ""
    saved: dt.datetime | None = None  # local times in February 2022
    submitted: dt.datetime | None = None
    approved: dt.datetime | None = None
    reviewed: dt.datetime | None = None
    comment: str = ""


@dataclass(frozen=True)
class JanuaryPlan:
    follow_ups: dict[str, DemoNode]  # task code → its 2022 follow-up node
    reports: tuple[JanuaryReport, ...]
    demo_unit: str  # the unit whose reporter and head log in to the demo
    imported_at: dt.datetime


def task_facts(task: DemoTask, rows: list[DemoProgress], extra: DemoNode | None = None):
    nodes = (*task.nodes, extra) if extra else task.nodes
    return rules.TaskFacts(
        code=task.code,
        nodes=tuple(rules.NodeFacts(n.code, n.title, index(n.due)) for n in nodes),
        rows=tuple(rules.Row(r.node, index(r.month), r.status, r.percent) for r in rows),
        status=task.status,
    )


def plan_january(data: DemoData, seed: int = 2021) -> JanuaryPlan:
    rng = random.Random(seed * 7919 + 1)
    rows: dict[str, list[DemoProgress]] = defaultdict(list)
    for r in data.progress:
        rows[r.task].append(r)

    follow_ups: dict[str, DemoNode] = {}
    for task in data.tasks:
        facts = task_facts(task, rows[task.code])
        december, january = rules.rate(facts, index(DECEMBER)), rules.rate(facts, index(JANUARY))
        if december.rating is not None and january.rating is None:  # finished in December
            month = rng.choice((3, 6, 6, 9, 12))
            follow_ups[task.code] = DemoNode(
                f"N{len(task.nodes) + 1}",
                rng.choice(FOLLOW_UPS),
                dt.date(2022, month, 1),
                f"2022年{month}月底",
            )

    rated = [
        t
        for t in data.tasks
        if rules.rate(task_facts(t, rows[t.code], follow_ups.get(t.code)), index(JANUARY)).rating
    ]
    january_rows = {
        t.code: _january_rows(rng, t, rows[t.code], follow_ups.get(t.code)) for t in rated
    }
    by_unit: dict[str, list[DemoTask]] = defaultdict(list)
    for t in rated:
        by_unit[t.lead_unit].append(t)
    municipal = {name for name, kind in data.units if kind == "municipal"}
    demo_unit = max(sorted(u for u in by_unit if u in municipal), key=lambda u: len(by_unit[u]))
    channels = _channels(rng, by_unit, demo_unit)
    reports = tuple(_report(rng, t, channels[t.code], january_rows[t.code]) for t in rated)
    return JanuaryPlan(follow_ups, reports, demo_unit, dt.datetime(2022, 2, 6, 10, 30))


def _january_rows(rng, task: DemoTask, history: list[DemoProgress], extra) -> tuple:
    """Every node still open at the end of 2021 gets a January line, as a unit reports."""
    done = {r.node for r in history if r.status == "done"}
    best: dict[str, int] = {}
    for r in history:
        value = 100 if r.status == "done" else r.percent or 0
        best[r.node] = max(best.get(r.node, 0), value)
    nodes = (*task.nodes, extra) if extra else task.nodes
    out = []
    jan = index(JANUARY)
    for node in nodes:
        if node.code in done:
            continue
        due, before, roll = index(node.due), best.get(node.code, 0), rng.random()
        if due < jan:  # overdue since 2021: most finish now, late
            finish, move = roll < 0.55, roll < 0.85
        elif due == jan:
            finish, move = roll < 0.75, roll < 0.9
        elif node is extra:  # a follow-up just added: half of them start in January
            finish, move = False, roll < 0.5
        else:  # not yet due: a few finish early
            finish, move = roll < 0.15, True
        if finish:
            situation = "late" if due < jan else "on_time" if due == jan else "early"
            done_on = dt.date(2022, 1, rng.randint(5, 28))
            out.append(_row(task, node, "done", done_on, 100, note(rng, task.title, situation)))
        elif move:
            percent = min(95, max(before, 0) + rng.choice((10, 15, 20, 25)))
            text = progress_note(rng, task.title, percent, overdue=due <= jan, moved=True)
            out.append(_row(task, node, "in_progress", None, percent, text))
        else:
            status = "in_progress" if before else "not_started"
            text = progress_note(rng, task.title, before, overdue=due <= jan, moved=False)
            out.append(_row(task, node, status, None, before or None, text))
    return tuple(out)


def _row(task, node, status, done_on, percent, text) -> DemoProgress:
    return DemoProgress(task.code, node.code, JANUARY, status, done_on, percent, text)


def _channels(rng, by_unit: dict[str, list[DemoTask]], demo_unit: str) -> dict[str, str]:
    """How each unit reported January; the demo unit shows every step of the way."""
    out: dict[str, str] = {}
    mine = sorted(by_unit[demo_unit], key=lambda t: t.code)
    steps = ["submitted", "returned", "draft"]
    for k, task in enumerate(mine):
        out[task.code] = steps[k] if k < len(steps) else "approved"
    others = sorted(u for u in by_unit if u != demo_unit)
    rng.shuffle(others)
    small = sorted(others, key=lambda u: len(by_unit[u]))
    late = small[:4]  # a few small units miss the deadline altogether
    rest = [u for u in others if u not in late]
    plan = ["submitted"] * 2 + ["draft"] + ["approved"] * 3
    for k, unit in enumerate(rest):
        channel = plan[k] if k < len(plan) else ("import" if k % 2 else "accepted")
        for task in by_unit[unit]:
            out[task.code] = channel
    for unit in late:
        for task in by_unit[unit]:
            out[task.code] = "none"
    return out


def _at(day: int, rng, hours=(9, 17)) -> dt.datetime:
    return dt.datetime(2022, 2, day, rng.randint(*hours), rng.choice((0, 10, 20, 30, 40, 50)))


def _report(rng, task: DemoTask, channel: str, rows: tuple) -> JanuaryReport:
    texts = {
        "narrative": rng.choice(NARRATIVES),
        "problems": rng.choice(PROBLEMS),
        "next_steps": rng.choice(NEXT_STEPS),
    }
    if channel in ("import", "none"):
        return JanuaryReport(task.code, task.lead_unit, channel, rows)
    saved = _at(rng.choice((1, 2, 3)), rng, (9, 11))
    times: dict = {"saved": saved}
    if channel != "draft":
        times["submitted"] = saved + dt.timedelta(hours=rng.randint(1, 5))
    if channel in ("approved", "accepted", "returned"):
        # Most heads approve by the 5th; some only on the 7th, which marks the report late.
        day = rng.choice((3, 4, 4, 7))
        times["approved"] = max(times["submitted"] + dt.timedelta(hours=1), _at(day, rng))
    if channel in ("accepted", "returned"):
        times["reviewed"] = max(times["approved"] + dt.timedelta(hours=2), _at(7, rng, (9, 16)))
    comment = RETURN_COMMENT if channel == "returned" else ""
    return JanuaryReport(
        task.code, task.lead_unit, channel, rows, **texts, **times, comment=comment
    )
