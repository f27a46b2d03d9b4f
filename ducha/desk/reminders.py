"""Chasing (催报): the reminders `ducha tick` sends on each jurisdiction's calendar, the
office's one-click chase, and the digests after a board is posted.

Who is chased is read from the month's standings (`ducha.reports.standing`), the same rows
the desk lists, so a reminder goes to exactly the units the desk shows as missing:

- before the deadline (3 and 1 days by default) and on its day: each unit with a task
  expected this month and not yet submitted (nothing reported, a draft, or a report sent
  back) — its reporters and its head;
- after the deadline, daily until the month is posted: the heads of the units still late;
- daily from the first reminder until the month is posted: heads with reports waiting for
  their approval, and the office with reports waiting for its review;
- when a board is posted: each lead unit its own marks, each leader the digest of his tasks.

Every message has an idempotency key naming its rule, month, day and recipient unit (or
leader), so a tick run twice, or two ticks at once, send nothing twice (`ducha.notify`).
What each rule did on a day is kept as a `ReminderRun`, so a later tick that day skips it
without reading the month again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from ducha.boards.models import Publication
from ducha.desk.models import ReminderPlan, ReminderRun
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.months import format_day_zh, format_month, format_month_zh, parse_month
from ducha.notify.api import reachable_units, send
from ducha.org.models import Jurisdiction, User
from ducha.ratings.display import MARKS, NOT_RATED
from ducha.reports import standing, workflow

# Not yet submitted to the unit's head: the stages a unit is reminded of.
UNSUBMITTED = ("none", "draft", "returned")
BY_TICK = "ducha tick"


@dataclass
class Outgoing:
    """One message to send: its key, its people and what it says."""

    key: str
    kind: str
    subject: str
    body: str
    url: str
    people: list = field(default_factory=list)
    unit: str = ""  # whom it is about, for the preview
    units: list[int] = field(default_factory=list)  # reached on their own channels too

    @property
    def reaches(self) -> bool:
        return bool(self.people or self.units)

    def send(self, jurisdiction: Jurisdiction, by=None, by_name: str = BY_TICK) -> bool:
        if not self.reaches:
            return False
        _, created = send(
            self.people,
            kind=self.kind,
            subject=self.subject,
            body=self.body,
            key=self.key,
            url=self.url,
            jurisdiction=jurisdiction,
            by=by,
            by_name="" if by is not None else by_name,
            units=self.units,
        )
        return created


# Who is who -------------------------------------------------------------------------------


def unit_people(unit_ids: Iterable[int], heads_only: bool = False) -> dict[int, list[User]]:
    """{unit id: its active reporters and head (or its heads only)}, in one query."""
    out: dict[int, list[User]] = defaultdict(list)
    people = User.objects.of_units(set(unit_ids), heads_only=heads_only)
    for person in people.order_by("role", "pk"):
        out[person.unit_id].append(person)
    return out


def office_people(jurisdiction: Jurisdiction) -> list[User]:
    return list(User.objects.offices_of(jurisdiction).order_by("pk"))


def _by_unit(rows: Iterable[standing.Standing]) -> dict[int, list[standing.Standing]]:
    out: dict[int, list[standing.Standing]] = defaultdict(list)
    for row in rows:
        out[row.task.lead_unit_id].append(row)
    return out


def _lines(rows: list[standing.Standing]) -> str:
    return "\n".join(f"· {r.task.code} {r.task.title}（{r.label}）" for r in rows)


# The month's chase -------------------------------------------------------------------------


def unsubmitted(rows: list[standing.Standing]) -> dict[int, list[standing.Standing]]:
    """{lead unit id: its tasks expected this month and not yet submitted}."""
    return _by_unit(r for r in rows if r.expected and not r.reported and r.stage in UNSUBMITTED)


def chase_messages(
    month: dt.date, jurisdiction: Jurisdiction, rows: list[standing.Standing], rule: str, day
) -> list[Outgoing]:
    """A reminder to each unit with tasks not yet submitted: its reporters and head."""
    deadline = workflow.deadline(month, jurisdiction=jurisdiction)
    missing = unsubmitted(rows)
    people = unit_people(missing)
    mailboxes = reachable_units(missing)
    words, due = format_month_zh(month), format_day_zh(deadline)
    left = (deadline - day).days
    if rule == "chase":
        subject = f"【催报】请尽快报送{words}改革任务进展（截止{due}）"
    elif left > 0:
        subject = f"【提醒】{words}改革任务进展请于{due}前报送（还有 {left} 天）"
    elif left == 0:
        subject = f"【提醒】今天（{due}）是{words}改革任务进展报送截止日"
    else:
        subject = f"【逾期】{words}改革任务进展已逾期 {-left} 天未报送"
    out = []
    for unit_id, tasks in sorted(missing.items(), key=lambda kv: kv[1][0].task.lead_unit.name):
        unit = tasks[0].task.lead_unit
        body = (
            f"{unit.name}：\n贵单位牵头的以下 {len(tasks)} 项改革任务{words}进展尚未报送，"
            f"请于{due}前填报并经单位负责人审核后报送；逾期未报送的，当月评为"
            f"{MARKS['snail'].name}（未报送）。\n{_lines(tasks)}"
        )
        out.append(
            Outgoing(
                key=f"{rule}:{jurisdiction.slug}:{format_month(month)}:{day}:unit-{unit_id}",
                kind=f"reminder_{rule}",
                subject=subject,
                body=body,
                url="/me/",
                people=people.get(unit_id, []),
                unit=unit.name,
                units=[unit_id] if unit_id in mailboxes else [],
            )
        )
    return out


def overdue_messages(month, jurisdiction, rows, day) -> list[Outgoing]:
    """After the deadline: the head of each unit still late, every day until posted."""
    late = _by_unit(r for r in rows if r.overdue)
    heads = unit_people(late, heads_only=True)
    words = format_month_zh(month)
    out = []
    for unit_id, tasks in late.items():
        unit = tasks[0].task.lead_unit
        days = tasks[0].days_late
        out.append(
            Outgoing(
                key=f"overdue:{jurisdiction.slug}:{format_month(month)}:{day}:unit-{unit_id}",
                kind="reminder_overdue",
                subject=f"【逾期】{unit.name}{words}有 {len(tasks)} 项任务逾期 {days} 天未报送",
                body=(
                    f"{unit.name}负责同志：\n以下任务{words}进展已逾期未报送，"
                    f"请督促尽快报送。\n{_lines(tasks)}"
                ),
                url="/me/",
                people=heads.get(unit_id, []),
                unit=unit.name,
            )
        )
    return out


def approval_messages(month, jurisdiction, rows, day) -> list[Outgoing]:
    """Heads with reports submitted to them and not yet approved."""
    waiting = _by_unit(r for r in rows if r.expected and r.stage == "submitted")
    heads = unit_people(waiting, heads_only=True)
    words = format_month_zh(month)
    return [
        Outgoing(
            key=f"approve:{jurisdiction.slug}:{format_month(month)}:{day}:unit-{unit_id}",
            kind="reminder_approve",
            subject=f"【待审核】{len(tasks)} 份{words}进展报送待您审核",
            body=f"以下报送已由填报员提交，待您审核后报送改革办：\n{_lines(tasks)}",
            url="/me/",
            people=heads.get(unit_id, []),
            unit=tasks[0].task.lead_unit.name,
        )
        for unit_id, tasks in waiting.items()
    ]


def queue_message(month, jurisdiction, rows, day) -> list[Outgoing]:
    """The office, with reports its review waits on."""
    queue = [r for r in rows if r.expected and r.stage == "approved"]
    if not queue:
        return []
    words = format_month_zh(month)
    return [
        Outgoing(
            key=f"queue:{jurisdiction.slug}:{format_month(month)}:{day}",
            kind="reminder_queue",
            subject=f"【待审核】{len(queue)} 份{words}进展报送待改革办审核",
            body=f"以下报送已经单位负责人审核，待改革办审核：\n{_lines(queue)}",
            url=f"/office/?month={format_month(month)}",
            people=office_people(jurisdiction),
            unit=jurisdiction.name,
        )
    ]


# The calendar ------------------------------------------------------------------------------


def rules_due(plan: ReminderPlan, month: dt.date, deadline: dt.date, day: dt.date) -> list[str]:
    """The rules whose day `day` is, for `month` due on `deadline` (the month not posted)."""
    before = (deadline - day).days
    first = max(plan.days_before, default=0)
    rules = []
    if before in plan.days_before or (before == 0 and plan.on_deadline):
        rules.append("remind")
    if before < 0 and plan.after_deadline:
        rules.append("overdue")
    if before <= first and plan.approvals:
        rules.append("approve")
    if before <= first and plan.review_queue:
        rules.append("queue")
    return rules


BUILDERS = {
    "remind": lambda m, j, rows, day: chase_messages(m, j, rows, "remind", day),
    "overdue": overdue_messages,
    "approve": approval_messages,
    "queue": queue_message,
}


def send_due(now: dt.datetime | None = None) -> list[str]:
    """What `ducha tick` sends on every jurisdiction's calendar at `now`: lines to print."""
    now = clock.local(now or clock.now())
    said = []
    for jurisdiction in Jurisdiction.objects.order_by("-home", "order", "slug"):
        said += _send_due(now, jurisdiction)
    return said


def _send_due(now: dt.datetime, jurisdiction: Jurisdiction) -> list[str]:
    plan = ReminderPlan.of(jurisdiction)
    day = now.date()
    if now.hour < plan.hour:
        return []
    month = workflow.reporting_month(day, jurisdiction=jurisdiction)
    if month >= day.replace(day=1):
        return []  # the month under way is not reported yet
    deadline = workflow.deadline(month, jurisdiction=jurisdiction)
    done = set(
        ReminderRun.objects.filter(jurisdiction=jurisdiction, month=month, day=day).values_list(
            "rule", flat=True
        )
    )
    rules = [r for r in rules_due(plan, month, deadline, day) if r not in done]
    if not rules:
        return []
    with clock.frozen(now):
        rows = standing.month_standings(month, jurisdiction=jurisdiction)
    name = "" if jurisdiction.home else f"「{jurisdiction.name}」"
    said = []
    for rule in rules:
        sent = sum(o.send(jurisdiction) for o in BUILDERS[rule](month, jurisdiction, rows, day))
        _ran(jurisdiction, month, day, rule, sent)
        if sent:
            said.append(f"{name}{format_month_zh(month)}：{RULE_WORDS[rule]} {sent} 条")
    return said


RULE_WORDS = {
    "remind": "发送报送提醒",
    "overdue": "发送逾期提醒",
    "approve": "提醒单位负责人审核",
    "queue": "提醒改革办审核",
    "chase": "催报",
    "posted": "发送公示结果",
}


def _ran(jurisdiction: Jurisdiction, month: dt.date, day: dt.date, rule: str, sent: int) -> None:
    try:
        with transaction.atomic():
            ReminderRun.objects.create(
                jurisdiction=jurisdiction, month=month, day=day, rule=rule, sent=sent
            )
    except IntegrityError:
        pass  # another tick ran it at the same moment; the keys kept the messages single


# The office's one-click chase ----------------------------------------------------------------


def chase_preview(month: dt.date, jurisdiction: Jurisdiction) -> list[Outgoing]:
    """Who 催报 would reach now, and what each unit gets (nothing is written)."""
    rows = standing.month_standings(month, jurisdiction=jurisdiction)
    return chase_messages(month, jurisdiction, rows, "chase", clock.today())


def chase(month: dt.date, jurisdiction: Jurisdiction, by) -> tuple[int, int]:
    """催报 every unit still missing: (messages sent now, units already chased today)."""
    outgoing = chase_preview(month, jurisdiction)
    sent = sum(o.send(jurisdiction, by=by) for o in outgoing)
    return sent, len(outgoing) - sent


# After a board is posted ---------------------------------------------------------------------


def posted_messages(publication: Publication) -> list[Outgoing]:
    """Each lead unit's own marks and each leader's digest of his tasks, from the board."""
    board = json.loads(publication.snapshot)
    jurisdiction = publication.jurisdiction or Jurisdiction.objects.home()
    month = parse_month(board["month"])
    words = format_month_zh(month)
    tag = f"{jurisdiction.slug}:{board['month']}:v{publication.version}"
    tasks = Task.objects.filter(
        jurisdiction=jurisdiction, code__in=[r["task"] for r in board["tasks"]]
    )
    ids = dict(tasks.values_list("code", "lead_unit_id"))
    leaders = dict(tasks.values_list("code", "leader_id"))
    by_unit, by_leader = defaultdict(list), defaultdict(list)
    for row in board["tasks"]:
        if row["task"] in ids:
            by_unit[ids[row["task"]]].append(row)
            by_leader[leaders[row["task"]]].append(row)
    people = unit_people(by_unit)
    mailboxes = reachable_units(by_unit)
    leader_users = defaultdict(list)
    for person in User.objects.leaders_of(by_leader):
        leader_users[person.leader_id].append(person)
    url = (
        f"/board/{board['month']}/"
        if jurisdiction.home
        else f"/j/{jurisdiction.slug}/board/{board['month']}/"
    )
    out = [
        Outgoing(
            key=f"posted:{tag}:unit-{unit_id}",
            kind="board_posted",
            subject=f"【公示】{words}改革任务“四色”督查结果：{_tally(rows)}",
            body=f"{rows[0]['lead_unit']}牵头的任务{words}评价如下：\n{_marks(rows)}",
            url=url,
            people=people.get(unit_id, []),
            unit=rows[0]["lead_unit"],
            units=[unit_id] if unit_id in mailboxes else [],
        )
        for unit_id, rows in by_unit.items()
    ]
    out += [
        Outgoing(
            key=f"posted:{tag}:leader-{leader_id}",
            kind="board_digest",
            subject=f"【公示】您分管的 {len(rows)} 项改革任务{words}评价：{_tally(rows)}",
            body=f"{rows[0]['leader']}同志分管的任务{words}评价如下：\n{_marks(rows)}",
            url=url,
            people=leader_users.get(leader_id, []),
            unit=rows[0]["leader"],
        )
        for leader_id, rows in by_leader.items()
    ]
    return out


def _mark_name(rating: str | None) -> str:
    return MARKS[rating].name if rating in MARKS else NOT_RATED.name


def _tally(rows: list[dict]) -> str:
    counts = [(m.name, sum(r["rating"] == key for r in rows)) for key, m in MARKS.items()]
    return "，".join(f"{name} {n} 项" for name, n in counts if n) or f"{NOT_RATED.name}"


def _marks(rows: list[dict]) -> str:
    return "\n".join(f"· {r['task']} {r['title']}：{_mark_name(r['rating'])}" for r in rows)


def send_posted(publication: Publication) -> int:
    """The digests of a newly posted board (idempotent: keyed by its chain and version)."""
    jurisdiction = publication.jurisdiction or Jurisdiction.objects.home()
    rule, day = f"posted:v{publication.version}", clock.local(publication.published_at).date()
    ran = ReminderRun.objects.filter(
        jurisdiction=jurisdiction, month=publication.month, rule=rule
    ).exists()
    if ran or not ReminderPlan.of(jurisdiction).after_publication:
        return 0
    sent = sum(o.send(jurisdiction) for o in posted_messages(publication))
    _ran(jurisdiction, publication.month, day, rule, sent)
    return sent


def on_board_published(sender, publication: Publication, **kwargs) -> None:
    send_posted(publication)


def send_recent_posted(now: dt.datetime | None = None, days: int = 3) -> int:
    """Digests of the boards posted in the last `days` days that are not out yet: tick's
    catch-up for a publication whose after-commit sending did not run (a crash)."""
    since = (now or clock.now()) - dt.timedelta(days=days)
    recent = Publication.objects.filter(published_at__gte=since).select_related("jurisdiction")
    return sum(send_posted(p) for p in recent)
