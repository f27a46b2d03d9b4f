"""Putting the Dezhou-2021 demo into the database, through the importers' own write path."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction

from ducha.assignments.models import Assignment
from ducha.audit import record
from ducha.boards.models import Publication
from ducha.boards.publication import publication_day, publish
from ducha.demo.counties import PLACES, DemoCounty, cascaded, generate_counties
from ducha.demo.dezhou import DemoData, DemoProgress, DemoTask, generate
from ducha.demo.january import IMPORT_FILE, JANUARY, TODAY, JanuaryPlan, plan_january
from ducha.desk.month import summarize
from ducha.ledger import cascade, importing
from ducha.ledger.models import Cascade, ImportRun, Node, Task
from ducha.lib import clock
from ducha.lib.months import add_months
from ducha.notify.models import Channel, UnitChannel
from ducha.org.areas import ensure_areas
from ducha.org.models import (
    Area,
    Jurisdiction,
    Leader,
    Unit,
    User,
    ensure_home,
    of_jurisdiction,
)
from ducha.reports import standing, workflow
from ducha.reports.models import Report

DEMO_PASSWORD = "Ducha-2021"  # noqa: S105 - printed for the demo; never used in production
DEMO_FILE = "德州2021演示"  # the name of the demo's imports, and the mark of its database
# The demo's printed logins (demo_logins) and the unit people of its story (_unit_people).
DEMO_USERNAMES = ("admin", "office", "reporter", "head", "leader", "auditor", "county")
STORY_USERNAME = re.compile(r"u[0-9]+-(reporter|head)")


def strangers() -> list[str]:
    """The accounts in the database that are not the demo's, by username.

    The demo resets the role, unit and flags of the accounts it names, so it runs only on a
    database with no accounts yet, or on one it seeded itself (its progress import is
    there) that holds only its own: the printed logins and its story's unit people. Anyone
    else, or any account at all in a database the demo never seeded, is a stranger.
    """
    tables = connection.introspection.table_names()
    if User._meta.db_table not in tables:
        return []  # a new database: nothing to protect
    usernames = list(User.objects.order_by("pk").values_list("username", flat=True))
    mark = ImportRun.objects.filter(filename=DEMO_FILE, sha256__startswith="demo-seed-")
    if ImportRun._meta.db_table not in tables or not mark.exists():
        return usernames
    return [u for u in usernames if u not in DEMO_USERNAMES and not STORY_USERNAME.fullmatch(u)]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    full_name: str
    unit: str | None = None
    leader: str | None = None
    superuser: bool = False
    jurisdiction: str | None = None  # a county's slug; None: the city


# The county whose reform office signs in to the demo (it takes up the city's tasks).
COUNTY_LOGIN = PLACES[0]


def demo_logins(data: DemoData, plan: JanuaryPlan | None = None) -> list[Login]:
    """The six people of the demo; the reporter and the head work in the unit whose January
    shows every step (a report to approve, one sent back, a draft)."""
    plan = plan or plan_january(data)
    unit = plan.demo_unit
    # The leader with the most January reports still missing: he has someone to chase.
    leaders = {t.code: t.leader for t in data.tasks}
    missing = Counter(
        leaders[r.task] for r in plan.reports if r.channel in ("none", "draft", "submitted")
    )
    leader = min(missing, key=lambda name: (-missing[name], name))
    return [
        Login("admin", User.Role.OFFICE, "系统管理员", superuser=True),
        Login("office", User.Role.OFFICE, "改革办 王科长", unit="市委改革办"),
        Login("reporter", User.Role.REPORTER, f"{unit} 填报员", unit=unit),
        Login("head", User.Role.HEAD, f"{unit} 负责人", unit=unit),
        Login("leader", User.Role.LEADER, leader, leader=leader),
        Login("auditor", User.Role.AUDITOR, "市审计局 查看员", unit="市审计局"),
        Login(
            "county",
            User.Role.OFFICE,
            f"{COUNTY_LOGIN.name}委改革办 李科员",
            unit=COUNTY_LOGIN.word + "委改革办",
            jurisdiction=COUNTY_LOGIN.slug,
        ),
    ]


def office_staff_group() -> Group:
    """改革办: may manage users, units, leaders, areas and the ledger in the admin."""
    group, _ = Group.objects.get_or_create(name="改革办")
    perms = Permission.objects.filter(
        content_type__app_label__in=["org", "ledger"],
    ).exclude(content_type__model="area", codename__startswith="delete")
    group.permissions.set(perms)
    return group


@transaction.atomic
def seed_demo(seed: int = 2021) -> tuple[DemoData, importing.Summary, importing.Summary]:
    """Create or refresh the demo; running it again changes nothing."""
    data = generate(seed)
    ensure_areas(Area)
    areas = {a.key: a for a in Area.objects.all()}

    home = ensure_home()
    for order, (name, kind) in enumerate(data.units):
        Unit.objects.update_or_create(
            jurisdiction=home, name=name, defaults={"kind": kind, "order": order}
        )
    for order, (name, title) in enumerate(data.leaders):
        Leader.objects.update_or_create(
            jurisdiction=home, name=name, defaults={"title": title, "order": order}
        )

    plan = plan_january(data, seed)
    parsed = [_parsed(t, areas[t.area], _follow_up(plan, t.code)) for t in data.tasks]
    ledger = importing.Summary(kind=ImportRun.Kind.LEDGER, file=DEMO_FILE, rows=len(parsed))
    with clock.frozen(LEDGER_AT):
        importing.write_ledger(parsed, ledger)

    progress = _write_year(data.progress, f"demo-seed-{seed}")

    _sign_up([login for login in demo_logins(data, plan) if login.jurisdiction is None], home)
    return data, ledger, progress


def _sign_up(logins: list[Login], place: Jurisdiction) -> None:
    """The demo's printed logins of `place`, their password set when first made."""
    office_group = office_staff_group()
    for login in logins:
        unit = (
            Unit.objects.get_or_create(
                jurisdiction=place, name=login.unit, defaults={"kind": Unit.guess_kind(login.unit)}
            )[0]
            if login.unit
            else None
        )
        user, created = User.objects.get_or_create(
            username=login.username, defaults={"jurisdiction": place}
        )
        user.jurisdiction = place
        user.full_name = login.full_name
        user.role = login.role
        user.unit = unit
        user.leader = (
            Leader.objects.get(jurisdiction=place, name=login.leader) if login.leader else None
        )
        user.is_superuser = login.superuser
        # The office manages users, units and roles in the admin.
        user.is_staff = user.is_office
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        if user.is_office:
            user.groups.add(office_group)


def _parsed(task: DemoTask, area: Area, nodes=()) -> importing.ParsedTask:
    return importing.ParsedTask(
        row=0,
        code=task.code,
        area=area,
        title=task.title,
        source=task.source,
        leaders=[task.leader],
        lead_units=[task.lead_unit],
        co_units=list(task.co_units),
        requirements=task.requirements,
        start_month=None,
        status=task.status,
        nodes=[
            importing.ParsedNode(0, n.code, n.title, n.due, n.due_text)
            for n in (*task.nodes, *nodes)
        ],
    )


def _write_year(
    rows: tuple[DemoProgress, ...], mark: str, jurisdiction: Jurisdiction | None = None
) -> importing.Summary:
    """A ledger's 2021 reports, month by month, each stamped when its reports came in (the
    3rd of the next month), under one import run named `mark`."""
    progress = importing.Summary(kind=ImportRun.Kind.PROGRESS, file=DEMO_FILE)
    resolved = _resolve(rows, jurisdiction)
    with clock.frozen(dt.datetime(2021, 2, 3, 16)):
        run, _ = ImportRun.objects.get_or_create(
            kind=ImportRun.Kind.PROGRESS,
            filename=DEMO_FILE,
            sha256=mark,
            defaults={
                "rows": len(resolved),
                "by_name": "ducha demo",
                "jurisdiction": Jurisdiction.objects.resolve(jurisdiction),
            },
        )
    for month in sorted({row.month for row, _, _ in resolved}):
        part = importing.Summary(kind=ImportRun.Kind.PROGRESS, file=DEMO_FILE)
        arrived = dt.datetime.combine(add_months(month, 1).replace(day=3), dt.time(16))
        with clock.frozen(arrived):
            importing.write_progress([r for r in resolved if r[0].month == month], run, part)
        progress.created += part.created
        progress.updated += part.updated
        progress.unchanged += part.unchanged
    return progress


MAIL_DOMAIN = "reform.dezhou.example"  # a reserved name: the demo's mail goes nowhere real


def seed_mailboxes() -> int:
    """Every unit of the city and of each county has a mailbox (idempotent): made after
    2021's boards are posted, so the demo's history does not fill them with a year of
    digests; January's reminders and 催报 reach them. How many were made."""
    made = 0
    for place in Jurisdiction.objects.all():
        made += _mailboxes(place, "dz" if place.home else place.slug)
    return made


def _mailboxes(place: Jurisdiction, prefix: str) -> int:
    """Every unit of `place` has a mailbox of its own (单位邮箱), where reminders and
    notices go besides its people's inboxes (idempotent)."""
    have = set(
        UnitChannel.objects.filter(unit__jurisdiction=place, channel=Channel.EMAIL).values_list(
            "unit_id", flat=True
        )
    )
    made = UnitChannel.objects.bulk_create(
        UnitChannel(
            unit=unit,
            channel=Channel.EMAIL,
            address=f"{prefix}-{unit.order:03d}@{MAIL_DOMAIN}",
            label="单位邮箱",
        )
        for unit in Unit.objects.filter(jurisdiction=place).exclude(pk__in=have)
    )
    return len(made)


# The counties take the city's tasks up a week after the city's ledger, and file their own.
PUSHED_AT = dt.datetime(2021, 1, 12, 10)
TAKEN_UP_AT = dt.datetime(2021, 1, 15, 15)
COUNTY_LEDGER_AT = dt.datetime(2021, 1, 18, 9)


@transaction.atomic
def seed_counties(data: DemoData, seed: int = 2021) -> tuple[DemoCounty, ...]:
    """The 13 counties below the city (idempotent): each one's jurisdiction, departments and
    leaders; the city's tasks pushed down and taken up; its own ledger; its 2021 reports."""
    counties = generate_counties(data, seed)
    home = Jurisdiction.objects.home()
    areas = {a.key: a for a in Area.objects.all()}
    places = {}
    for c in counties:
        place, _ = Jurisdiction.objects.update_or_create(
            slug=c.slug,
            defaults={
                "name": c.name,
                "level": Jurisdiction.Level.COUNTY,
                "parent": home,
                "order": c.order + 1,
            },
        )
        places[c.name] = place
        for order, (name, kind) in enumerate(c.units):
            Unit.objects.update_or_create(
                jurisdiction=place, name=name, defaults={"kind": kind, "order": order}
            )
        for order, (name, title) in enumerate(c.leaders):
            Leader.objects.update_or_create(
                jurisdiction=place, name=name, defaults={"title": title, "order": order}
            )

    with clock.frozen(PUSHED_AT):
        sources = Task.objects.filter(jurisdiction=home, code__in=list(cascaded(data)))
        for task in sources.order_by("code"):
            cascade.push(task, [places[n] for n in cascaded(data)[task.code]], by_name="ducha demo")
    for c in counties:
        place = places[c.name]
        units = {u.name: u for u in Unit.objects.filter(jurisdiction=place)}
        leaders = {p.name: p for p in Leader.objects.filter(jurisdiction=place)}
        waiting = {
            k.source.code: k
            for k in Cascade.objects.filter(jurisdiction=place, task__isnull=True).select_related(
                "source"
            )
        }
        with clock.frozen(TAKEN_UP_AT):
            for up in c.taken:
                if up.code in waiting:
                    cascade.accept(
                        waiting[up.code], units[up.lead_unit], leaders[up.leader], nodes=up.earlier
                    )
        own = [_parsed(t, areas[t.area]) for t in c.tasks]
        summary = importing.Summary(kind=ImportRun.Kind.LEDGER, file=DEMO_FILE, rows=len(own))
        with clock.frozen(COUNTY_LEDGER_AT):
            importing.write_ledger(own, summary, jurisdiction=place)
        _write_year(c.progress, f"demo-seed-{seed}-{c.slug}", place)
    county = [login for login in demo_logins(data) if login.jurisdiction is not None]
    for login in county:
        _sign_up([login], Jurisdiction.objects.get(slug=login.jurisdiction))
    return counties


# January 2022 has ended and is not yet posted; its reports are due by 5 February.
DEMO_TODAY = TODAY.isoformat()
LEDGER_AT = dt.datetime(2021, 1, 8, 9)


def _follow_up(plan: JanuaryPlan, code: str) -> tuple:
    node = plan.follow_ups.get(code)
    return (node,) if node else ()


def _resolve(rows, jurisdiction: Jurisdiction | None = None) -> list:
    """Demo progress rows of `jurisdiction`'s ledger (None: the city's) → the importer's
    (row, task, node) triples."""
    codes = {r.task for r in rows}
    mine = Task.objects.filter(of_jurisdiction(jurisdiction), code__in=codes)
    tasks = {t.code: t for t in mine}
    nodes = {(n.task_id, n.code): n for n in Node.objects.filter(task__in=tasks.values())}
    out = []
    for p in rows:
        task = tasks[p.task]
        row = importing.ParsedProgress(
            0, p.task, p.node, p.month, p.status, p.done_on, p.percent, p.note
        )
        out.append((row, task, nodes[(task.pk, p.node)]))
    return out


def publish_demo_boards(until: int = 12) -> list[Publication]:
    """Publish each month of 2021 (up to month `until`) on its publication day, for the city
    and every county, as each office would have (idempotent)."""
    out = []
    places = [None, *Jurisdiction.objects.filter(home=False).order_by("order", "slug")]
    for month in range(1, until + 1):
        first = dt.date(2021, month, 1)
        for place in places:
            day = publication_day(first, jurisdiction=place)
            when = clock.local(dt.datetime.combine(day, dt.time(9)))
            with clock.frozen(when):
                result = publish(
                    first,
                    kind=Publication.Kind.SCHEDULED,
                    by_name="ducha tick",
                    now=when,
                    jurisdiction=place,
                )
            out.append(result)
    return [r.publication for r in out if r.created]


def _unit_people(unit: Unit) -> tuple[User, User]:
    """A unit's reporter and head; the demo's own logins where it is their unit."""
    people = []
    for role, word in ((User.Role.REPORTER, "填报员"), (User.Role.HEAD, "负责人")):
        user = User.objects.filter(unit=unit, role=role).order_by("pk").first()
        if user is None:
            user = User(
                username=f"u{unit.pk}-{role}", full_name=f"{unit.name}{word}", role=role, unit=unit
            )
            user.set_unusable_password()  # they exist for the story; nobody signs in as them
            user.save()
        people.append(user)
    return people[0], people[1]


@transaction.atomic
def seed_january(data: DemoData, seed: int = 2021) -> int:
    """January 2022 as it stands on the demo date (idempotent): the reports created."""
    if Report.objects.filter(month=JANUARY).exists():
        return 0
    plan = plan_january(data, seed)
    office = User.objects.get(username="office")
    codes = [r.task for r in plan.reports]
    tasks = {t.code: t for t in Task.objects.filter(jurisdiction__home=True, code__in=codes)}
    imported = [row for r in plan.reports if r.channel == "import" for row in r.rows]
    # Every step of January at its own time, in the order it happened, so that the audit
    # log (a chain, appended in order) reads as a diary of the month.
    steps: list[tuple[dt.datetime, int, Callable[[], None]]] = []
    if imported:
        steps.append((plan.imported_at, 0, lambda: _import_january(imported, office, seed)))
    online = [r for r in plan.reports if r.saved]
    for k, r in enumerate(online):
        steps += _online_steps(r, tasks[r.task], office, k + 1)
    for moment, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        with clock.frozen(moment):
            step()
    return len(online)


def _import_january(rows, office: User, seed: int) -> None:
    """The office imports the units that reported January in a spreadsheet."""
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.PROGRESS,
        filename=IMPORT_FILE,
        sha256=f"demo-january-{seed}",
        rows=len(rows),
        by=office,
    )
    summary = importing.Summary(kind=ImportRun.Kind.PROGRESS, file=IMPORT_FILE)
    importing.write_progress(_resolve(rows), run, summary)
    run.created = summary.created
    run.save(update_fields=["created"])
    detail = {"file": IMPORT_FILE, "kind": "progress", "rows": len(rows)}
    record("ledger_imported", actor=office, detail=detail)


def _online_steps(r, task: Task, office: User, order: int) -> list:
    """One unit's January report, as steps (moment, order, action) for seed_january."""
    reporter, head = _unit_people(task.lead_unit)
    nodes = {n.code: n.pk for n in task.nodes.all()}
    lines = {
        nodes[row.node]: workflow.LineInput(row.status, row.percent, row.done_on, row.note)
        for row in r.rows
    }
    report: dict[str, Report] = {}

    def save() -> None:
        report["it"] = it = workflow.open_report(task, JANUARY)
        workflow.save_report(
            it,
            reporter,
            it.version,
            narrative=r.narrative,
            problems=r.problems,
            next_steps=r.next_steps,
            lines=lines,
        )

    def then(action) -> Callable[[], None]:
        return lambda: action(report["it"])

    steps = [
        (r.saved, order, save),
        (r.submitted, order, then(lambda it: workflow.submit_report(it, reporter, it.version))),
        (r.approved, order, then(lambda it: workflow.approve_report(it, head, it.version))),
    ]
    if r.channel == "accepted":
        accept = then(lambda it: workflow.accept_report(it, office, it.version))
        steps.append((r.reviewed, order, accept))
    if r.channel == "returned":
        give_back = then(lambda it: workflow.return_report(it, office, it.version, r.comment))
        steps.append((r.reviewed, order, give_back))
    return [step for step in steps if step[0] is not None]


def work_to_do(user: User) -> str:
    """What this demo login has to do on the demo date, in a line (the demo prints it)."""
    month = workflow.reporting_month()
    words = f"{month.year}年{month.month}月"
    if user.sees_everything:
        summary = summarize(month, user.jurisdiction)
        if not user.is_office:
            return f"只读查看{words}工作台与审计日志 → /office/ /audit/"
        missing, queue = len(summary.missing), len(summary.queue)
        return f"{words}：{queue} 份报送待审核，{missing} 项未报送，核对后发布 → /office/"
    rows = standing.month_standings(month, Task.objects.visible_to(user))
    if user.is_city_leader:
        late = sum(r.overdue for r in rows)
        return f"分管 {len(rows)} 项任务，{words} {late} 项逾期未报 → /me/"
    todo = standing.to_do(user, rows)
    # The unit's 交办事项 waiting for it to sign for or report back (either may do both).
    owed = Assignment.objects.visible_to(user).filter(
        state__in=(Assignment.State.ISSUED, *Assignment.AWAITING_ANSWER)
    )
    items = f"，{n} 项交办事项待签收或反馈" if (n := owed.count()) else ""
    if user.is_unit_head:
        return f"{len(todo)} 份报送待您审核{items} → /me/"
    return f"{len(todo)} 项报送待填报或修改{items} → /me/"
