"""Putting the Dezhou-2021 demo into the database, through the importers' own write path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from ducha.boards.models import Publication
from ducha.boards.publication import publication_day, publish
from ducha.demo.dezhou import DemoData, generate
from ducha.ledger import importing
from ducha.ledger.models import ImportRun, Node, Task
from ducha.org.areas import ensure_areas
from ducha.org.models import Area, Leader, Unit, User

DEMO_PASSWORD = "Ducha-2021"  # noqa: S105 - printed for the demo; never used in production


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    full_name: str
    unit: str | None = None
    leader: str | None = None
    superuser: bool = False


def demo_logins(data: DemoData) -> list[Login]:
    busiest = max(
        {t.lead_unit for t in data.tasks}, key=lambda u: sum(t.lead_unit == u for t in data.tasks)
    )
    leader = data.tasks[0].leader
    return [
        Login("admin", User.Role.OFFICE, "系统管理员", superuser=True),
        Login("office", User.Role.OFFICE, "改革办 王科长", unit="市委改革办"),
        Login("reporter", User.Role.REPORTER, f"{busiest} 填报员", unit=busiest),
        Login("head", User.Role.HEAD, f"{busiest} 负责人", unit=busiest),
        Login("leader", User.Role.LEADER, leader, leader=leader),
        Login("auditor", User.Role.AUDITOR, "市审计局 查看员", unit="市审计局"),
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

    for order, (name, kind) in enumerate(data.units):
        Unit.objects.update_or_create(name=name, defaults={"kind": kind, "order": order})
    for order, (name, title) in enumerate(data.leaders):
        Leader.objects.update_or_create(name=name, defaults={"title": title, "order": order})

    parsed = [
        importing.ParsedTask(
            row=0,
            code=t.code,
            area=areas[t.area],
            title=t.title,
            source=t.source,
            leader=t.leader,
            lead_unit=t.lead_unit,
            co_units=list(t.co_units),
            requirements=t.requirements,
            start_month=None,
            status=t.status,
            nodes=[importing.ParsedNode(0, n.code, n.title, n.due, n.due_text) for n in t.nodes],
        )
        for t in data.tasks
    ]
    ledger = importing.Summary(kind=ImportRun.Kind.LEDGER, file="德州2021演示", rows=len(parsed))
    importing.write_ledger(parsed, ledger)

    tasks = {t.code: t for t in Task.objects.filter(code__in=[t.code for t in data.tasks])}
    nodes = {(n.task_id, n.code): n for n in Node.objects.filter(task__in=tasks.values())}
    resolved = []
    for p in data.progress:
        task = tasks[p.task]
        row = importing.ParsedProgress(
            0, p.task, p.node, p.month, p.status, p.done_on, p.percent, p.note
        )
        resolved.append((row, task, nodes[(task.pk, p.node)]))
    progress = importing.Summary(kind=ImportRun.Kind.PROGRESS, file="德州2021演示")
    if resolved:
        run, _ = ImportRun.objects.get_or_create(
            kind=ImportRun.Kind.PROGRESS,
            filename="德州2021演示",
            sha256=f"demo-seed-{seed}",
            defaults={"rows": len(resolved), "by_name": "ducha demo"},
        )
        importing.write_progress(resolved, run, progress)

    office_group = office_staff_group()
    for login in demo_logins(data):
        unit = (
            Unit.objects.get_or_create(
                name=login.unit, defaults={"kind": Unit.guess_kind(login.unit)}
            )[0]
            if login.unit
            else None
        )
        user, created = User.objects.get_or_create(username=login.username)
        user.full_name = login.full_name
        user.role = login.role
        user.unit = unit
        user.leader = Leader.objects.get(name=login.leader) if login.leader else None
        user.is_superuser = login.superuser
        # The office manages users, units and roles in the admin.
        user.is_staff = login.superuser or login.role == User.Role.OFFICE
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        if login.role == User.Role.OFFICE:
            user.groups.add(office_group)
    return data, ledger, progress


DEMO_TODAY = "2022-01-11"  # the demo is set just after December's board was posted


def publish_demo_boards() -> list[Publication]:
    """Publish each month of 2021 on its 10th, as the office would have (idempotent)."""
    out = []
    for month in range(1, 13):
        first = dt.date(2021, month, 1)
        when = timezone.make_aware(dt.datetime.combine(publication_day(first), dt.time(9)))
        out.append(publish(first, kind=Publication.Kind.SCHEDULED, by_name="ducha tick", now=when))
    return [r.publication for r in out if r.created]
