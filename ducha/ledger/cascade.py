"""The cascade (一竿子插到底): a task pushed down from a jurisdiction to those directly below
it — the city's to its counties — each taking it up as a task of its own ledger.

- `push`: the office above sends a task to all or some of its child jurisdictions. Only to
  children; pushing again to the same county does nothing.
- `accept`: the county's office takes it up: a task in the county's ledger with the same
  code, title, area and source, the county's own lead unit and leader, and the task's nodes
  copied, each due no later than above. A county may tighten a date, never loosen it
  (`deadline_problems` says the same to the importer when a county's ledger file is read
  over a cascaded task); it may add nodes of its own later.

What the cascade looks like month by month (the county grid, who is behind) is read from
the boards, so it lives above them, in `ducha.boards.cascades`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction

from ducha.audit import record
from ducha.ledger.models import Cascade, Node, Task
from ducha.lib import clock
from ducha.lib.months import first_of, format_month, format_month_zh
from ducha.org.models import Jurisdiction, Leader, Unit, named

LEVEL_WORDS = {
    Jurisdiction.Level.PROVINCE: "省级",
    Jurisdiction.Level.CITY: "市级",
    Jurisdiction.Level.COUNTY: "县级",
}
# The audit log's own words for a push and an acceptance ("下达任务", "承接任务") need
# two new AuditEntry.Action choices; until they exist both are recorded as office changes.
PUSHED, ACCEPTED = "task_pushed", "task_accepted"


class CascadeError(Exception):
    """A push or acceptance refused, in Chinese. `fields` names what each message is about:
    "lead_unit", "leader", or a node's code."""

    def __init__(self, message: str | list[str], fields: Mapping[str, str] | None = None):
        self.messages = [message] if isinstance(message, str) else list(message)
        self.fields = dict(fields or {})
        super().__init__("；".join(self.messages))


def level_word(jurisdiction: Jurisdiction) -> str:
    return LEVEL_WORDS.get(jurisdiction.level, jurisdiction.name)


def later_than_above(
    node_code: str, due: dt.date, above_due: dt.date, above: Jurisdiction, below: Jurisdiction
) -> str:
    """ "节点 N2 的完成时限 2021年10月 晚于市级的 2021年9月：县级只能提前，不能推后"."""
    return (
        f"节点 {node_code} 的完成时限 {format_month_zh(due)} 晚于{level_word(above)}的 "
        f"{format_month_zh(above_due)}：{level_word(below)}只能提前，不能推后"
    )


def children(jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    """The jurisdictions a task of `jurisdiction` may be pushed to, in their order."""
    return list(Jurisdiction.objects.filter(parent=jurisdiction).order_by("order", "slug"))


# Push and accept ---------------------------------------------------------------------------


@transaction.atomic
def push(
    source_task: Task,
    counties: Iterable[Jurisdiction],
    by=None,
    *,
    by_name: str = "",
    request=None,
) -> list[Cascade]:
    """Push `source_task` down to `counties`, each a child of the task's jurisdiction.
    Returns their cascades in the order given; a county pushed to before keeps its own
    (taken up or not) and is not recorded again. `by_name` names a non-person pusher (the
    command line's operating-system user)."""
    counties = list(dict.fromkeys(counties))
    if not counties:
        raise CascadeError("请至少选择一个下级辖区")
    above = source_task.jurisdiction
    strays = [c.name for c in counties if c.parent_id != above.pk]
    if strays:
        raise CascadeError(
            f"「{'」「'.join(strays)}」不是{above.name}的下级辖区：任务只能下达到直属的下级辖区"
        )
    if source_task.status == Task.Status.CANCELLED:
        raise CascadeError(f"任务 {source_task.code} 已取消，不能下达")
    out, new = [], []
    for county in counties:
        cascade, created = Cascade.objects.get_or_create(
            source=source_task,
            jurisdiction=county,
            defaults={"pushed_by": by if by is not None and by.is_authenticated else None},
        )
        out.append(cascade)
        if created:
            new.append(county)
    if new:
        detail = {"to": [c.slug for c in new], "names": [c.name for c in new], **named(above)}
        record(
            PUSHED,
            actor=by,
            actor_name=by_name,
            request=request,
            target=source_task,
            detail=detail,
        )
    return out


@transaction.atomic
def accept(
    cascade: Cascade,
    lead_unit: Unit | None,
    leader: Leader | None,
    by=None,
    nodes: Mapping[str, dt.date] | None = None,
    *,
    request=None,
) -> Task:
    """The county takes `cascade` up: its counterpart task, with `lead_unit` and `leader`
    (the county's own) and the nodes above copied, each due in the month above or in the
    earlier month `nodes` gives for its code. Refused (CascadeError, nothing written)
    when taken up already, when the unit or leader is not the county's, when a date is later
    than above or names no node, or when the county's ledger has the code already."""
    cascade = (
        Cascade.objects.select_for_update()
        .select_related("source__jurisdiction", "jurisdiction")
        .get(pk=cascade.pk)
    )
    county, source = cascade.jurisdiction, cascade.source
    if cascade.task_id is not None:
        raise CascadeError(f"{county.name}已承接任务 {source.code}，不能重复承接")
    fields: dict[str, str] = {}
    if lead_unit is None:
        fields["lead_unit"] = "请选择牵头单位"
    elif lead_unit.jurisdiction_id != county.pk:
        fields["lead_unit"] = f"牵头单位「{lead_unit.name}」不是{county.name}的单位"
    if leader is None:
        fields["leader"] = "请选择分管领导"
    elif leader.jurisdiction_id != county.pk:
        fields["leader"] = f"分管领导「{leader.name}」不是{county.name}的领导"
    above_nodes = list(source.nodes.order_by("order", "code"))
    chosen = {code: first_of(due) for code, due in (nodes or {}).items() if due is not None}
    fields |= _deadline_fields(source, above_nodes, chosen, county)
    if fields:
        raise CascadeError(list(fields.values()), fields)
    if Task.objects.filter(jurisdiction=county, code=source.code).exists():
        raise CascadeError(
            f"{county.name}的台账里已有编号为 {source.code} 的任务：请先改用其他编号，再承接"
        )

    dues = {n.code: chosen.get(n.code, n.due_month) for n in above_nodes}
    task = Task.objects.create(
        jurisdiction=county,
        code=source.code,
        title=source.title,
        area_id=source.area_id,
        source=source.source,
        leader=leader,
        lead_unit=lead_unit,
        requirements=source.requirements,
        start_month=source.start_month,
        status=source.status,
        plan_year=min(dues.values()).year if dues else source.plan_year,
    )
    Node.objects.bulk_create(
        Node(
            task=task,
            code=n.code,
            title=n.title,
            due_month=dues[n.code],
            # The written deadline above no longer says the county's month once tightened.
            due_text=n.due_text if dues[n.code] == n.due_month else "",
            order=n.order,
        )
        for n in above_nodes
    )
    cascade.task = task
    cascade.accepted_at = clock.now()
    cascade.accepted_by = by if by is not None and by.is_authenticated else None
    cascade.save(update_fields=["task", "accepted_at", "accepted_by"])
    detail = {
        "source": source.code,
        "jurisdiction": county.slug,
        "lead_unit": lead_unit.name,
        "leader": leader.name,
        "tightened": {code: format_month(due) for code, due in dues.items() if code in chosen},
    }
    record(ACCEPTED, actor=by, request=request, target=task, detail=detail)
    return task


def _deadline_fields(
    source: Task, above_nodes: list[Node], chosen: Mapping[str, dt.date], county: Jurisdiction
) -> dict[str, str]:
    above = {n.code: n.due_month for n in above_nodes}
    fields = {}
    for code, due in chosen.items():
        if code not in above:
            fields[code] = f"任务 {source.code} 没有节点 {code}"
        elif due > above[code]:
            fields[code] = later_than_above(code, due, above[code], source.jurisdiction, county)
    return fields


def deadline_problems(
    task_code: str, jurisdiction: Jurisdiction, dues: Mapping[str, dt.date]
) -> list[tuple[str, str]]:
    """For the importer, reading a ledger of `jurisdiction`: the nodes of the task
    `task_code` whose due month (`dues`: node code → month) is later than the same node's
    in the task pushed down to it, as (node code, message). Nothing for a task that was not
    pushed down, nor for the county's own added nodes. Two queries."""
    return deadline_problems_of(jurisdiction, {task_code: dues}).get(task_code, [])


def deadline_problems_of(
    jurisdiction: Jurisdiction, tasks: Mapping[str, Mapping[str, dt.date]]
) -> dict[str, list[tuple[str, str]]]:
    """`deadline_problems` for a whole file at once ({task code: {node code: month}}), in
    two queries however many tasks: {task code: [(node code, message)]}, problems only."""
    cascades = Cascade.objects.filter(jurisdiction=jurisdiction, source__code__in=list(tasks))
    sources = {
        c.source_id: c.source
        for c in cascades.select_related("source__jurisdiction", "jurisdiction")
    }
    above: dict[int, dict[str, dt.date]] = {pk: {} for pk in sources}
    for task_id, code, due in Node.objects.filter(task_id__in=list(sources)).values_list(
        "task_id", "code", "due_month"
    ):
        above[task_id][code] = due
    out: dict[str, list[tuple[str, str]]] = {}
    for pk, source in sources.items():
        for code, due in tasks[source.code].items():
            limit = above[pk].get(code)
            if limit is not None and first_of(due) > limit:
                message = later_than_above(
                    code, first_of(due), limit, source.jurisdiction, jurisdiction
                )
                out.setdefault(source.code, []).append((code, message))
    return out
