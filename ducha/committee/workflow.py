"""The committee's records, one transactional function per write, each with its audit entry:

- `save_meeting`: the office records a meeting (or corrects it) with its agenda, attendance,
  decisions and files (MEETING_SAVED);
- `track_new_task`, `track_follow_up`, `track_assignment`: the office turns one decision into
  tracked work — a new ledger task with its nodes, a follow-up on a task already in the
  ledger, or a 交办事项 (ducha.assignments.workflow.assign) — once (DECISION_TRACKED); the
  task's or the unit's people are told.

The person's rule is `user.keeps_registers(jurisdiction_id)`, asked of the meeting's own
jurisdiction; a tracked decision is never changed or removed again (the task page cites it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ducha.assignments import workflow as assignments
from ducha.audit import record
from ducha.committee.models import (
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    MeetingDocument,
    committee_name_zh,
)
from ducha.ledger.codes import NODE_CODE_LENGTH, TASK_CODE_LENGTH, code_problem
from ducha.ledger.models import Node, Task
from ducha.lib import clock
from ducha.lib.months import format_month, format_month_zh
from ducha.notify.api import send
from ducha.org.models import Area, Jurisdiction, Leader, Unit, User, named
from ducha.reports import evidence as files


class CommitteeError(Exception):
    """A write refused, in the reader's language; `field` names the form field it is about
    (empty: the form as a whole)."""

    def __init__(self, message: str, field: str = ""):
        self.message, self.field = message, field
        super().__init__(message)


def url(meeting: Meeting) -> str:
    return f"/committee/{meeting.pk}/"


def default_title(jurisdiction: Jurisdiction, year: int, number: int) -> str:
    """市委深改委2021年第2次会议: the record's own (Chinese) name of a meeting left untitled."""
    return f"{committee_name_zh(jurisdiction)}{year}年第{number}次会议"


def next_number(jurisdiction: Jurisdiction, year: int) -> int:
    """The number the year's next meeting takes (第N次)."""
    numbers = Meeting.objects.of_year(jurisdiction, year).values_list("number", flat=True)
    return max(numbers, default=0) + 1


# The meeting ----------------------------------------------------------------------------------


@dataclass
class AgendaRow:
    order: int
    kind: str
    title: str
    unit: Unit | None = None
    id: int | None = None
    delete: bool = False


@dataclass
class AttendanceRow:
    name: str
    post: str = ""
    present: bool = True
    leave_reason: str = ""
    id: int | None = None
    delete: bool = False


@dataclass
class DecisionRow:
    text: str
    agenda: int | None = None  # the order (序号) of its agenda item
    id: int | None = None
    delete: bool = False


@dataclass
class MeetingData:
    number: int
    held_on: dt.date
    kind: str
    title: str = ""
    presided_by: Leader | None = None
    summary: str = ""
    agenda: list[AgendaRow] = field(default_factory=list)
    attendance: list[AttendanceRow] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    upload_agenda: int | None = None  # the agenda item (序号) the new files belong to
    drop_files: list[int] = field(default_factory=list)


def _check_uploads(uploads) -> list:
    uploads = list(uploads)
    if len(uploads) > settings.DUCHA_EVIDENCE_MAX_FILES:
        raise CommitteeError(
            _("每次最多上传 %(n)s 个文件") % {"n": settings.DUCHA_EVIDENCE_MAX_FILES}, "files"
        )
    return uploads


def save_meeting(
    meeting: Meeting | None,
    by,
    data: MeetingData,
    *,
    jurisdiction: Jurisdiction | None = None,
    uploads: Iterable = (),
    request=None,
) -> Meeting:
    """Record a new meeting of `jurisdiction` (`meeting` None) or correct one: its facts,
    and its agenda, attendance and untracked decisions as the rows say (a row without `id`
    is new, one with `delete` goes); the files uploaded are checked and stored first, and a
    refused file refuses the whole save."""
    where = meeting.jurisdiction if meeting is not None else jurisdiction
    if where is None or not by.keeps_registers(where.pk):
        raise PermissionDenied(_("只有本辖区改革办可以登记深改委会议"))
    stored: list[tuple[object, files.Checked, str]] = []
    try:
        for upload in _check_uploads(uploads):
            checked, name = files.store_upload(upload)
            stored.append((upload, checked, name))
        return _save_meeting(meeting, where, by, data, stored, request)
    except BaseException:
        for _upload, _checked, name in stored:
            files.discard(name)
        raise


@transaction.atomic
def _save_meeting(meeting, jurisdiction, by, data: MeetingData, stored, request) -> Meeting:
    created = meeting is None
    if created:
        meeting = Meeting(jurisdiction=jurisdiction, created_by=by)
    else:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.year, meeting.number = data.held_on.year, data.number
    meeting.held_on, meeting.kind = data.held_on, data.kind
    meeting.title = data.title.strip() or default_title(jurisdiction, meeting.year, data.number)
    meeting.presided_by, meeting.summary = data.presided_by, data.summary.strip()
    if meeting.presided_by is not None and meeting.presided_by.jurisdiction_id != jurisdiction.pk:
        raise CommitteeError(_("主持人不是本辖区的领导"), "presided_by")
    taken = Meeting.objects.of_year(jurisdiction, meeting.year).filter(number=meeting.number)
    if taken.exclude(pk=meeting.pk).exists():
        raise _number_taken(meeting)
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:  # the same number saved at the same moment: theirs stands
        raise _number_taken(meeting) from None

    agenda = _save_agenda(meeting, jurisdiction, data.agenda)
    _save_attendance(meeting, data.attendance)
    _save_decisions(meeting, agenda, data.decisions)
    dropped = _drop_files(meeting, data.drop_files)
    if stored:
        _keep_files(meeting, by, stored, _agenda_item(agenda, data.upload_agenda, "upload_agenda"))
    record(
        "meeting_saved",
        actor=by,
        request=request,
        target=meeting,
        detail={
            "year": meeting.year,
            "number": meeting.number,
            "held_on": meeting.held_on.isoformat(),
            "created": created,
            "agenda": len(agenda),
            "decisions": meeting.decisions.count(),
            "files": len(stored),
            "files_removed": dropped,
            **named(jurisdiction),
        },
    )
    return meeting


def _number_taken(meeting: Meeting) -> CommitteeError:
    return CommitteeError(
        _("%(year)s年已有第%(number)s次会议") % {"year": meeting.year, "number": meeting.number},
        "number",
    )


def _rows_of(existing: dict, rows, what: str) -> tuple[list, list]:
    """(rows kept, ids deleted), refusing an id that is not one of this meeting's."""
    kept, gone = [], []
    for row in rows:
        if row.id is not None and row.id not in existing:
            raise CommitteeError(_("%(what)s已被他人修改，请重新打开本页") % {"what": what})
        if row.delete:
            if row.id is not None:
                gone.append(row.id)
        else:
            kept.append(row)
    return kept, gone


def _save_agenda(meeting, jurisdiction, rows: list[AgendaRow]) -> dict[int, AgendaItem]:
    """The meeting's agenda as the rows say: {order: item}."""
    existing = {a.pk: a for a in meeting.agenda.all()}
    kept, gone = _rows_of(existing, rows, _("议题"))
    for row in kept:
        if row.unit is not None and row.unit.jurisdiction_id != jurisdiction.pk:
            raise CommitteeError(_("汇报或起草单位不是本辖区的单位"), "agenda")
    AgendaItem.objects.filter(meeting=meeting, pk__in=gone).delete()
    new, changed = [], []
    for row in kept:
        values = {"order": row.order, "kind": row.kind, "title": row.title.strip()}
        values["unit"] = row.unit
        if row.id is None:
            new.append(AgendaItem(meeting=meeting, **values))
        else:
            item = existing[row.id]
            for k, v in values.items():
                setattr(item, k, v)
            changed.append(item)
    items = [*(a for pk, a in existing.items() if pk not in gone), *new]
    orders = [a.order for a in items]
    if len(set(orders)) < len(orders):
        raise CommitteeError(_("议题序号不能重复"), "agenda")
    AgendaItem.objects.bulk_create(new)
    AgendaItem.objects.bulk_update(changed, ["order", "kind", "title", "unit"])
    return {a.order: a for a in items}


def _save_attendance(meeting, rows: list[AttendanceRow]) -> None:
    existing = {a.pk: a for a in meeting.attendance.all()}
    kept, gone = _rows_of(existing, rows, _("出席情况"))
    Attendance.objects.filter(meeting=meeting, pk__in=gone).delete()
    new, changed = [], []
    for order, row in enumerate(kept, start=1):
        values = {
            "order": order,
            "name": row.name.strip(),
            "post": row.post.strip(),
            "present": row.present,
            "leave_reason": "" if row.present else row.leave_reason.strip(),
        }
        if row.id is None:
            new.append(Attendance(meeting=meeting, **values))
        else:
            person = existing[row.id]
            for k, v in values.items():
                setattr(person, k, v)
            changed.append(person)
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["order", "name", "post", "present", "leave_reason"])


def _agenda_item(agenda: dict[int, AgendaItem], order: int | None, field: str):
    if order is None:
        return None
    if order not in agenda:
        raise CommitteeError(_("没有序号为 %(n)s 的议题") % {"n": order}, field)
    return agenda[order]


def _save_decisions(meeting, agenda: dict[int, AgendaItem], rows: list[DecisionRow]) -> None:
    """The untracked decisions as the rows say; the tracked ones stay as they are, after
    them in the list order."""
    existing = {d.pk: d for d in meeting.decisions.all()}
    kept, gone = _rows_of(existing, rows, _("决定事项"))
    if any(existing[pk].is_tracked for pk in gone) or any(
        row.id is not None and existing[row.id].is_tracked for row in kept
    ):
        raise CommitteeError(_("已转办的决定不能修改或删除"), "decisions")
    Decision.objects.filter(meeting=meeting, pk__in=gone).delete()
    tracked = [d for d in existing.values() if d.is_tracked]
    first = max((d.order for d in tracked), default=0) + 1
    new, changed = [], []
    for order, row in enumerate(kept, start=first):
        values = {
            "order": order,
            "text": row.text.strip(),
            "agenda_item": _agenda_item(agenda, row.agenda, "decisions"),
        }
        if row.id is None:
            new.append(Decision(meeting=meeting, **values))
        else:
            decision = existing[row.id]
            for k, v in values.items():
                setattr(decision, k, v)
            changed.append(decision)
    Decision.objects.bulk_create(new)
    Decision.objects.bulk_update(changed, ["order", "text", "agenda_item"])


def _drop_files(meeting, ids: list[int]) -> int:
    found = list(MeetingDocument.objects.filter(meeting=meeting, pk__in=ids))
    for document in found:
        name = document.stored_name
        transaction.on_commit(lambda name=name: files.discard(name))
    MeetingDocument.objects.filter(pk__in=[d.pk for d in found]).delete()
    return len(found)


def _keep_files(meeting, by, stored, agenda_item) -> None:
    MeetingDocument.objects.bulk_create(
        MeetingDocument(
            meeting=meeting,
            agenda_item=agenda_item,
            original_name=Path(upload.name).name[:255],
            stored_name=name,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=by,
        )
        for upload, checked, name in stored
    )


# A decision becomes tracked work ------------------------------------------------------------


def _locked(decision: Decision, by) -> Decision:
    locked = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("meeting__jurisdiction", "agenda_item")
        .get(pk=decision.pk)
    )
    if not by.keeps_registers(locked.meeting.jurisdiction_id):
        raise PermissionDenied(_("只有本辖区改革办可以转办会议决定"))
    if locked.is_tracked:
        raise CommitteeError(
            _("这项决定已转办（%(how)s），不能重复转办") % {"how": locked.get_tracking_display()}
        )
    return locked


def origin_zh(decision: Decision) -> str:
    """市委深改委2021年第2次会议决定: where the tracked work comes from, as records say it."""
    return f"{decision.meeting.origin_zh()}决定"


def _tracked(decision: Decision, by, how: str, request, **detail) -> None:
    decision.tracking, decision.tracked_by, decision.tracked_at = how, by, clock.now()
    decision.save(update_fields=["tracking", "task", "assignment", "tracked_by", "tracked_at"])
    meeting = decision.meeting
    record(
        "decision_tracked",
        actor=by,
        request=request,
        target=decision,
        detail={
            "meeting": meeting.origin_zh(),
            "how": how,
            **detail,
            **named(meeting.jurisdiction),
        },
    )


def _tell_lead_unit(decision: Decision, task: Task, by, words: str) -> None:
    send(
        User.objects.of_units([task.lead_unit_id]),
        kind="decision_tracked",
        subject=f"{words}：{task.code} {task.title}"[:200],
        body=f"{origin_zh(decision)}：{decision.text}\n"
        f"改革办已将其{words}（任务{task.code}「{task.title}」，牵头单位{task.lead_unit.name}），"
        "请按节点推进并按月报送进展。",
        key=f"decision:{decision.pk}:tracked",
        url="/me/",
        jurisdiction=task.jurisdiction,
        by=by,
        units=[task.lead_unit_id],
    )


@dataclass(frozen=True)
class NodeRow:
    code: str
    title: str
    due_month: dt.date


def task_problems(
    jurisdiction: Jurisdiction,
    *,
    code: str,
    title: str,
    area: Area | None,
    source: str,
    leader: Leader | None,
    lead_unit: Unit | None,
    plan_year: int | None,
    nodes: list[NodeRow],
) -> dict[str, str]:
    """Why these cannot make a task of `jurisdiction`'s ledger, field by field (empty: they
    can). Codes are as the importer takes them and unique in the ledger (task) and the task
    (nodes); a task has one node at least."""
    problems: dict[str, str] = {}
    if not code:
        problems["code"] = _("请填写任务编号")
    elif why := code_problem(code, "任务编号", TASK_CODE_LENGTH):
        problems["code"] = why
    elif Task.objects.filter(jurisdiction=jurisdiction, code=code).exists():
        problems["code"] = _("台账中已有编号为 %(code)s 的任务，请换一个编号") % {"code": code}
    if not title:
        problems["title"] = _("请填写任务名称")
    if area is None:
        problems["area"] = _("请选择领域")
    if source not in Task.Source.values:
        problems["source"] = _("请选择任务来源")
    if leader is None or leader.jurisdiction_id != jurisdiction.pk:
        problems["leader"] = _("请选择本辖区的分管领导")
    if lead_unit is None or lead_unit.jurisdiction_id != jurisdiction.pk:
        problems["lead_unit"] = _("请选择本辖区的牵头单位")
    if plan_year is None or not 2000 <= plan_year <= 2100:
        problems["plan_year"] = _("请填写计划年度（如 2022）")
    if not nodes:
        problems["nodes"] = _("请至少填写一个节点（编号、节点目标和完成时限）")
    codes = [n.code for n in nodes]
    for node in nodes:
        if why := code_problem(node.code, "节点编号", NODE_CODE_LENGTH):
            problems["nodes"] = why
    if len(set(codes)) < len(codes):
        problems["nodes"] = _("节点编号不能重复")
    return problems


@transaction.atomic
def track_new_task(
    decision: Decision,
    by,
    *,
    code: str,
    title: str,
    area: Area | None,
    source: str,
    leader: Leader | None,
    lead_unit: Unit | None,
    plan_year: int | None,
    nodes: list[NodeRow],
    requirements: str = "",
    request=None,
) -> Task:
    """The decision becomes a new task of the meeting's jurisdiction's ledger, with its nodes;
    the lead unit is told. Refused (CommitteeError naming the first field at fault) when a
    field is missing or wrong, or the code is taken."""
    decision = _locked(decision, by)
    jurisdiction = decision.meeting.jurisdiction
    code, title = code.strip(), " ".join(title.split())
    problems = task_problems(
        jurisdiction,
        code=code,
        title=title,
        area=area,
        source=source,
        leader=leader,
        lead_unit=lead_unit,
        plan_year=plan_year,
        nodes=nodes,
    )
    if problems:
        name, message = next(iter(problems.items()))
        raise CommitteeError(message, name)
    try:
        with transaction.atomic():
            task = Task.objects.create(
                jurisdiction=jurisdiction,
                code=code,
                title=title[:300],
                area=area,
                source=source,
                leader=leader,
                lead_unit=lead_unit,
                requirements=requirements.strip(),
                plan_year=plan_year,
            )
    except IntegrityError:  # the same code taken at the same moment
        raise CommitteeError(
            _("台账中已有编号为 %(code)s 的任务，请换一个编号") % {"code": code}, "code"
        ) from None
    Node.objects.bulk_create(
        Node(
            task=task,
            code=n.code,
            title=n.title,
            due_month=n.due_month,
            due_text=format_month_zh(n.due_month),
            order=i,
        )
        for i, n in enumerate(nodes, start=1)
    )
    decision.task = task
    _tracked(
        decision,
        by,
        Decision.Tracking.NEW_TASK,
        request,
        task=code,
        lead_unit=lead_unit.name,
        nodes={n.code: format_month(n.due_month) for n in nodes},
    )
    _tell_lead_unit(decision, task, by, "列为新的改革任务")
    return task


@transaction.atomic
def track_follow_up(decision: Decision, by, *, task: Task | None, request=None) -> Task:
    """The decision is followed up through a task already in the ledger (its origin shows
    on the task); the task's lead unit is told."""
    decision = _locked(decision, by)
    if task is None:
        raise CommitteeError(_("请填写台账中已有任务的编号"), "task")
    if task.jurisdiction_id != decision.meeting.jurisdiction_id:
        raise CommitteeError(_("任务 %(code)s 不在本辖区的台账中") % {"code": task.code}, "task")
    if task.status == Task.Status.CANCELLED:
        raise CommitteeError(_("任务 %(code)s 已取消，不能用于跟踪") % {"code": task.code}, "task")
    decision.task = task
    _tracked(decision, by, Decision.Tracking.FOLLOW_UP, request, task=task.code)
    _tell_lead_unit(decision, task, by, "纳入已有任务跟踪落实")
    return task


@transaction.atomic
def track_assignment(
    decision: Decision,
    by,
    *,
    title: str,
    instruction: str,
    unit: Unit | None,
    deadline: dt.date | None,
    leader: Leader | None = None,
    request=None,
):
    """The decision becomes a 交办事项 of the meeting's jurisdiction, assigned to `unit` by
    `deadline` (numbered, audited and announced by ducha.assignments)."""
    decision = _locked(decision, by)
    if unit is None:
        raise CommitteeError(_("请选择承办单位"), "unit")
    if deadline is None:
        raise CommitteeError(_("请填写办理时限"), "deadline")
    try:
        item = assignments.assign(
            jurisdiction=decision.meeting.jurisdiction,
            kind="decision",
            title=title,
            instruction=instruction,
            unit=unit,
            deadline=deadline,
            by=by,
            leader=leader,
            origin=origin_zh(decision),
            request=request,
        )
    except assignments.AssignmentError as e:
        raise CommitteeError(str(e)) from None
    decision.assignment = item
    _tracked(
        decision,
        by,
        Decision.Tracking.ASSIGNMENT,
        request,
        assignment=item.document_number,
        unit=unit.name,
    )
    return item
