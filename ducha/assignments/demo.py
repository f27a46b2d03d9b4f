"""The demo's 交办事项, seeded by ducha/demo/registers.py after the committee's (whose four
assigned decisions come first, numbered as the office's are): leaders' instructions and
meetings' decisions in every state, deadlines around the demo date so that some are near and
some overdue, five of them with the unit of the demo's `reporter` (what `reporter` and `head`
see on /me/) and several of the demo `leader`'s instructions (his /me/).

Written in bulk, with their history; keyed by their titles, so a second run changes nothing.
The ledger's tasks, units, leaders and people are read, never changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from ducha.assignments import urgency
from ducha.assignments.models import Assignment, AssignmentCounter, Step
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.org.models import Jurisdiction, Leader, User

State, Action = Assignment.State, Step.Action
OWN, LEADER = "own", "leader"  # the reporter's unit; the demo leader


@dataclass(frozen=True)
class Spec:
    title: str
    kind: str  # "instruction" (a leader's, `who` says whose) or "decision"
    state: str
    issued: int  # days before the demo date
    deadline: int  # days after it (negative: past)
    unit: str = ""  # OWN, or "" for another unit
    who: str = ""  # LEADER, or "" for another leader
    origin: str = ""
    returned: bool = False  # answered once and returned before its present state
    closed: int = 0  # days before the demo date it was closed


INS, DEC = Assignment.Kind.INSTRUCTION, Assignment.Kind.DECISION
MEETING_3, MEETING_4 = "市委深改委2021年第3次会议", "市委深改委2021年第4次会议"
SPECS = (
    # The reporter's unit: one to sign for (near), one to answer, one returned and overdue,
    # one waiting for the office, one closed on time.
    Spec("关于加快推进“一件事一次办”集成改革的批示", INS, State.ISSUED, 2, 2, OWN, LEADER),
    Spec("关于梳理本系统改革任务堵点难点的批示", INS, State.SIGNED, 12, 17, OWN),
    Spec(
        "关于2021年度改革台账节点延误问题整改的批示",
        INS,
        State.RETURNED,
        30,
        -3,
        OWN,
        LEADER,
        returned=True,
    ),
    Spec("落实深改委关于改革成效评估的决定", DEC, State.ANSWERED, 20, 10, OWN, origin=MEETING_4),
    Spec("关于报送本系统改革典型案例的批示", INS, State.CLOSED, 45, -14, OWN, closed=19),
    # Other units.
    Spec("关于优化企业开办和注销流程的批示", INS, State.ISSUED, 9, -5, who=LEADER),
    Spec("关于推进“标准地”出让改革扩面的批示", INS, State.SIGNED, 15, 1),
    Spec("关于农村集体经营性建设用地入市试点的批示", INS, State.SIGNED, 40, -8, who=LEADER),
    Spec("落实深改委关于营商环境专项整治的决定", DEC, State.ANSWERED, 25, 3, origin=MEETING_3),
    Spec("关于公立医院薪酬制度改革的批示", INS, State.ANSWERED, 18, 20),
    Spec("关于“无证明城市”建设中证明事项清理的批示", INS, State.RETURNED, 28, 12, returned=True),
    Spec("关于国有企业混合所有制改革进展的批示", INS, State.CLOSED, 70, -39, who=LEADER, closed=29),
    Spec("关于社会信用体系建设年度评估的批示", INS, State.CLOSED, 80, -50, closed=55),
    Spec(
        "落实深改委关于年度改革工作总结的决定",
        DEC,
        State.CLOSED,
        47,
        -20,
        origin=MEETING_4,
        closed=22,
    ),
    Spec("关于开展改革“回头看”的批示", INS, State.ISSUED, 1, 35, who=LEADER),
    Spec("落实深改委关于改革试点经验复制推广的决定", DEC, State.SIGNED, 47, 51, origin=MEETING_4),
    Spec(
        "落实市政府常务会议关于“放管服”改革的决定",
        DEC,
        State.ISSUED,
        3,
        7,
        origin="市政府第45次常务会议",
    ),
)


def seed() -> list[str]:
    """Create the demo's items once (running it again changes nothing); the line `ducha
    demo` prints about them."""
    home = Jurisdiction.objects.home()
    titles = [s.title for s in SPECS]
    if not Assignment.objects.filter(jurisdiction=home, title__in=titles).exists():
        _seed(home)
    return [_summary(home)]


def _summary(home: Jurisdiction) -> str:
    found = Assignment.objects.filter(jurisdiction=home)
    by_state = dict(found.values_list("state").annotate(n=Count("pk")).order_by())
    states = "，".join(f"{label}{by_state.get(value, 0)}" for value, label in State.choices)
    near = found.graded(urgency.NEAR).count()
    overdue = found.graded(urgency.OVERDUE).count()
    return f"交办事项：{found.count()} 项（{states}；临期 {near} 项，逾期 {overdue} 项）"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return clock.local(dt.datetime(day.year, day.month, day.day, hour))


@transaction.atomic
def _seed(home: Jurisdiction) -> None:
    today = clock.today()
    office = User.objects.get(username="office")
    reporter = User.objects.select_related("unit").get(username="reporter")
    head = User.objects.filter(username="head").first() or reporter
    demo_leader = User.objects.get(username="leader").leader
    leaders = [x for x in Leader.objects.filter(jurisdiction=home) if x != demo_leader]
    tasks = Task.objects.in_jurisdiction(home).active().select_related("lead_unit")
    own_tasks = list(tasks.filter(lead_unit=reporter.unit).order_by("code"))
    # Other units: the lead units of the ledger's tasks, in the ledger's order.
    others, seen = [], {reporter.unit_id}
    for task in tasks.order_by("code"):
        if task.lead_unit_id not in seen:
            seen.add(task.lead_unit_id)
            others.append(task)
    # Who signed and answered for a unit: one of its people; most units have no login in
    # the demo, and for those the history names the office's clerk who entered their steps.
    members = dict(
        User.objects.of_units({t.lead_unit_id for t in others})
        .order_by("unit_id", "pk")
        .values_list("unit_id", "pk")
    )
    items, plans = [], []
    for n, spec in enumerate(SPECS):
        task = own_tasks[n % len(own_tasks)] if spec.unit == OWN and own_tasks else None
        if spec.unit != OWN:
            task = others[(3 * n) % len(others)]
        unit = reporter.unit if spec.unit == OWN else task.lead_unit
        issued_on = today - dt.timedelta(days=spec.issued)
        leader = None
        if spec.kind == INS:
            leader = demo_leader if spec.who == LEADER else leaders[n % len(leaders)]
        items.append(
            Assignment(
                jurisdiction=home,
                kind=spec.kind,
                title=spec.title,
                instruction=_words(spec, unit.name, leader),
                leader=leader,
                origin=spec.origin,
                task=task,
                unit=unit,
                deadline=today + dt.timedelta(days=spec.deadline),
                state=spec.state,
                prefix=settings.DUCHA_ASSIGNMENT_PREFIX,
                year=issued_on.year,
                number=0,  # given below, in the order they were issued
                issued_by=office,
                issued_at=_at(issued_on, 9),
            )
        )
        if spec.unit == OWN:
            person = reporter.pk if n % 2 else head.pk
        else:
            person = members.get(unit.pk, office.pk)
        plans.append((spec, issued_on, person))
    _number(home, items)
    for item, (spec, issued_on, _person) in zip(items, plans, strict=True):
        _close(item, spec, today)
        item.signed_at = (
            _at(issued_on + dt.timedelta(days=1), 10) if spec.state != State.ISSUED else None
        )
    Assignment.objects.bulk_create(items)
    steps = [
        step
        for item, (spec, issued_on, person) in zip(items, plans, strict=True)
        for step in _history(item, spec, issued_on, person, office, today)
    ]
    stamps = [step.at for step in steps]
    Step.objects.bulk_create(steps)
    # auto_now_add stamps the demo's moment on create: each step's own moment after it.
    for step, at in zip(steps, stamps, strict=True):
        step.at = at
    Step.objects.bulk_update(steps, ["at"])
    for item, (_spec, issued_on, _person) in zip(items, plans, strict=True):
        item.issued_at = _at(issued_on, 9)
    Assignment.objects.bulk_update(items, ["issued_at"])


def _number(home: Jurisdiction, items: list[Assignment]) -> None:
    """Number each year's items in the order they were issued, after those already given
    (the committee's), and move the year's counter past them, as `workflow.assign` does."""
    for year in sorted({item.year for item in items}):
        counter, _ = AssignmentCounter.objects.select_for_update().get_or_create(
            jurisdiction=home, year=year
        )
        for item in sorted((i for i in items if i.year == year), key=lambda i: i.issued_at):
            counter.last += 1
            item.number = counter.last
        counter.save(update_fields=["last"])


def _close(item: Assignment, spec: Spec, today: dt.date) -> None:
    if spec.state == State.CLOSED:
        item.closed_on = today - dt.timedelta(days=spec.closed)
        item.closed_late = item.closed_on > item.deadline


def _words(spec: Spec, unit: str, leader) -> str:
    if spec.kind == DEC:
        return f"会议决定：由{unit}牵头，{spec.title.removeprefix('落实')}，按期报送办理情况。"
    return (
        f"{leader.name}批示：请{unit}高度重视，{spec.title.removeprefix('关于').removesuffix('的批示')}"
        "要明确责任、细化措施，按期报送办理情况。"
    )


def _history(item, spec: Spec, issued_on: dt.date, person, office, today) -> list[Step]:
    """The steps that brought the item to its state, a few days apart."""

    def step(action, day: dt.date, by_id: int, text=""):
        return Step(
            assignment=item, action=action, text=text, by_id=by_id, at=_at(day, 10 + len(out))
        )

    out: list[Step] = []
    out.append(step(Action.ISSUED, issued_on, office.pk, item.instruction))
    if spec.state == State.ISSUED:
        return out
    signed = issued_on + dt.timedelta(days=1)
    out.append(step(Action.SIGNED, signed, person))
    if spec.state == State.SIGNED:
        return out
    end = today - dt.timedelta(days=spec.closed) if spec.state == State.CLOSED else today
    answered = min(signed + dt.timedelta(days=max(1, (end - signed).days // 3)), end)
    if spec.returned:
        out.append(step(Action.ANSWERED, answered, person, "已初步研究，正在制定具体措施。"))
        returned = min(answered + dt.timedelta(days=2), end)
        out.append(
            step(
                Action.RETURNED,
                returned,
                office.pk,
                "反馈过于笼统，请写明具体措施、责任人和完成时间。",
            )
        )
        if spec.state == State.RETURNED:
            return out
        answered = min(returned + dt.timedelta(days=2), end)
    out.append(
        step(
            Action.ANSWERED,
            answered,
            person,
            "已制定工作方案，明确责任分工和时间节点，相关工作已按要求推进完成。",
        )
    )
    if spec.state == State.CLOSED:
        out.append(step(Action.CLOSED, end, office.pk, "经核实，已按要求办理，同意办结销号。"))
    return out
