"""The demo's committee, seeded by ducha/demo/registers.py after the 2021 boards: the city's
2021 at the source's scale — 4 meetings, 12 plans reviewed, 22 reports heard and 3 studies,
with attendance, decisions followed up through tasks already in the ledger, and 4 decisions
assigned as 交办事项 (one to the unit of the demo's `reporter`). The ledger is read, never
changed: the plans and reports are about its own tasks, drafted or reported by their lead
units."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.db import transaction

from ducha.committee import workflow
from ducha.committee.models import AgendaItem, Attendance, Decision, Meeting
from ducha.committee.yearly import figures
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.org.models import Jurisdiction, Leader, User

YEAR = 2021
Kind, Tracking = AgendaItem.Kind, Decision.Tracking

# (number, day, kind, theme, plans, reports, studies)
MEETINGS = (
    (1, dt.date(2021, 3, 18), Meeting.Kind.PLENARY, "", 3, 6, 1),
    (2, dt.date(2021, 6, 24), Meeting.Kind.PLENARY, "", 3, 5, 1),
    (3, dt.date(2021, 9, 16), Meeting.Kind.THEMATIC, "（优化营商环境专题）", 3, 5, 0),
    (4, dt.date(2021, 12, 23), Meeting.Kind.PLENARY, "", 3, 6, 1),
)
STUDIES = (
    "学习习近平总书记关于全面深化改革的重要论述和中央深改委第十八次会议精神",
    "学习中央深改委第二十次会议和省委深改委会议精神",
    "学习党的十九届六中全会精神，研究2022年改革工作要点",
)
SUMMARIES = (
    "会议审议了2021年全市改革工作要点相关实施方案，听取了重点改革任务推进情况汇报，"
    "部署了“四色”督查考核工作。",
    "会议总结上半年改革工作，审议有关改革方案，听取重点改革任务进展汇报，安排下半年工作。",
    "专题研究优化营商环境改革，审议有关方案，听取相关单位汇报。",
    "会议总结全年改革工作，审议有关改革方案，听取重点改革任务进展汇报，研究明年改革思路。",
)
LEAVE_REASONS = ("参加省委有关会议", "带队外出招商", "在外督导疫情防控工作", "参加中央党校学习")
# The reports whose decision becomes a 交办事项: (meeting, place among its reports) → days
# from the demo date to the deadline. The last meeting's fourth report is the demo reporter's
# unit's, its deadline near.
ASSIGNED = {(3, 0): 20, (4, 0): 45, (4, 3): 2, (4, 5): 60}
OWN = (4, 3)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return clock.local(dt.datetime(day.year, day.month, day.day, hour))


def _summary_line(home: Jurisdiction) -> str:
    f = figures(YEAR, home)
    return (
        f"深改委：{YEAR}年召开会议{f.meetings}次，审议方案{f.plans}个，听取汇报{f.reports}项，"
        f"决定事项{f.decisions}项（跟踪已有任务{f.follow_ups}项，交办事项{f.assignments}项）"
    )


def seed() -> list[str]:
    """Create the city's 2021 committee once (running it again changes nothing); the line
    `ducha demo` prints about it."""
    home = Jurisdiction.objects.home()
    if not Meeting.objects.of_year(home, YEAR).exists():
        _seed(home)
    return [_summary_line(home)]


def _split(rows: list, sizes) -> list[list]:
    out, at = [], 0
    for size in sizes:
        out.append(rows[at : at + size])
        at += size
    return out


@transaction.atomic
def _seed(home: Jurisdiction) -> None:
    office = User.objects.get(username="office")
    reporter = User.objects.get(username="reporter")
    leaders = list(Leader.objects.filter(jurisdiction=home).order_by("order", "pk"))
    active = Task.objects.in_jurisdiction(home).active().select_related("lead_unit")
    pool = list(active.order_by("code"))
    random.Random(YEAR).shuffle(pool)  # noqa: S311 (the same demo every time, no secret)
    own = next(t for t in pool if t.lead_unit_id == reporter.unit_id)
    pool.remove(own)
    plans = _split(pool[:12], [m[4] for m in MEETINGS])
    heard = _split(pool[12:34], [m[5] for m in MEETINGS])
    number, place = OWN
    heard[number - 1][place] = own

    meetings = [
        Meeting(
            jurisdiction=home,
            year=YEAR,
            number=number,
            held_on=day,
            kind=kind,
            title=f"{settings.DUCHA_CITY}委全面深化改革委员会{YEAR}年第{number}次会议{theme}",
            presided_by=leaders[0] if leaders else None,
            summary=SUMMARIES[number - 1],
            created_by=office,
        )
        for number, day, kind, theme, *_counts in MEETINGS
    ]
    with clock.frozen(_at(dt.date(YEAR, 12, 30))):
        Meeting.objects.bulk_create(meetings)

    studies = iter(STUDIES)
    agenda: list[AgendaItem] = []
    decided: list[tuple[AgendaItem, str, Task | None]] = []  # None: to be assigned
    for meeting, spec in zip(meetings, MEETINGS, strict=True):
        n_studies = spec[6]
        items = [(Kind.STUDY, next(studies), None) for _ in range(n_studies)]
        items += [(Kind.PLAN, f"审议「{t.title}」实施方案", t) for t in plans[meeting.number - 1]]
        items += [
            (Kind.REPORT, f"听取{t.lead_unit.name}关于「{t.title}」推进情况的汇报", t)
            for t in heard[meeting.number - 1]
        ]
        reports = 0
        for order, (kind, title, task) in enumerate(items, start=1):
            unit = task.lead_unit if task else None
            item = AgendaItem(meeting=meeting, order=order, kind=kind, title=title, unit=unit)
            agenda.append(item)
            if kind == Kind.PLAN:
                text = (
                    f"原则同意「{task.title}」实施方案，由{unit.name}根据会议意见修改完善后"
                    "按程序印发实施，纳入改革台账跟踪落实。"
                )
                decided.append((item, text, task))
            elif kind == Kind.REPORT:
                if (meeting.number, reports) in ASSIGNED:
                    text = (
                        f"责成{unit.name}针对「{task.title}」推进中的突出问题，研究提出解决措施，"
                        "按期报送办理情况。"
                    )
                    decided.append((item, text, None))
                elif reports % 2 == 0:
                    text = f"{unit.name}要对照节点目标，加快推进「{task.title}」，确保按期完成。"
                    decided.append((item, text, task))
                reports += 1
    AgendaItem.objects.bulk_create(agenda)

    decisions = Decision.objects.bulk_create(
        Decision(
            meeting=item.meeting,
            agenda_item=item,
            order=i,
            text=text,
            tracking=Tracking.FOLLOW_UP if task else "",
            task=task,
            tracked_by=office if task else None,
            tracked_at=_at(item.meeting.held_on + dt.timedelta(days=3)) if task else None,
        )
        for i, (item, text, task) in enumerate(decided, start=1)
    )

    attendance = []
    for i, meeting in enumerate(meetings):
        away = leaders[1 + (i * 3) % (len(leaders) - 1)] if len(leaders) > 1 else None
        for order, leader in enumerate(leaders, start=1):
            present = leader != away
            attendance.append(
                Attendance(
                    meeting=meeting,
                    order=order,
                    name=leader.name,
                    post=leader.title,
                    present=present,
                    leave_reason="" if present else LEAVE_REASONS[i % len(LEAVE_REASONS)],
                )
            )
    Attendance.objects.bulk_create(attendance)

    # The assigned ones through ducha.assignments, numbered and announced as the office's are.
    today = clock.today()
    places = iter(sorted(ASSIGNED))
    for decision in decisions:
        if decision.task is None:
            item = decision.agenda_item
            workflow.track_assignment(
                decision,
                office,
                title=f"{item.unit.name}落实{decision.meeting.origin_zh()}决定",
                instruction=decision.text,
                unit=item.unit,
                deadline=today + dt.timedelta(days=ASSIGNED[next(places)]),
            )
