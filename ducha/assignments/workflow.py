"""交办事项 step by step: assigned by the office (numbered 德改交〔YYYY〕N号 per jurisdiction and
year), signed for by the unit (签收), answered (办理反馈, with files), then closed by the office
(办结销号) or returned (退回重办) to be answered again.

One transactional function per step, its audit entry, its history row and its messages in the
same transaction; the item's row is locked and its state checked there, and the person's rule
(`user.can_assign`, `can_sign_for`, `can_answer_assignment`, `can_close_assignment`) asked of
the locked row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.assignments.models import Assignment, AssignmentCounter, AssignmentFile, Step
from ducha.audit import record
from ducha.lib import clock
from ducha.notify.api import send
from ducha.org.models import User, named
from ducha.reports import evidence as files


class AssignmentError(Exception):
    pass


def url(item: Assignment) -> str:
    return f"/assignments/{item.pk}/"


def _detail(item: Assignment, **more) -> dict:
    return {
        "number": item.document_number,
        "unit": item.unit.name,
        **named(item.jurisdiction),
        **more,
    }


def _locked(item: Assignment, *states: str) -> Assignment:
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", "unit", "leader")
        .get(pk=item.pk)
    )
    if locked.state not in states:
        raise AssignmentError(
            _("这项交办事项当前的状态不能进行这一步（%(state)s）")
            % {"state": locked.get_state_display()}
        )
    return locked


def _next_number(jurisdiction_id: int, year: int) -> int:
    """The next number of the jurisdiction's year: its counter row is locked until the
    transaction ends, so two items assigned at once never share one."""
    AssignmentCounter.objects.get_or_create(jurisdiction_id=jurisdiction_id, year=year)
    counter = AssignmentCounter.objects.select_for_update().get(
        jurisdiction_id=jurisdiction_id, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _unit_people(item: Assignment):
    return User.objects.of_units([item.unit_id])


def _leader_people(item: Assignment):
    return User.objects.leaders_of([item.leader_id]) if item.leader_id else User.objects.none()


def _with(item: Assignment) -> str:
    """How a message names the item: 德改交〔2022〕3号「…」."""
    return f"{item.document_number}「{item.title}」"


# The office assigns ---------------------------------------------------------------------------


@transaction.atomic
def assign(
    *,
    jurisdiction,
    kind: str,
    title: str,
    instruction: str,
    unit,
    deadline: dt.date,
    by,
    leader=None,
    origin: str = "",
    task=None,
    request=None,
) -> Assignment:
    """The office of `jurisdiction` records a leader's instruction or a meeting's decision and
    assigns it to `unit` by `deadline`: numbered, in the history, audited, and the unit (and
    the instructing leader) told."""
    if not by.can_assign(jurisdiction.pk):
        raise PermissionDenied(_("只有本辖区改革办可以交办事项"))
    title, instruction, origin = title.strip(), instruction.strip(), origin.strip()
    if kind not in Assignment.Kind.values:
        raise AssignmentError(_("请选择交办事项的类别"))
    if not title:
        raise AssignmentError(_("请填写交办事项"))
    if not instruction:
        raise AssignmentError(_("请填写批示或决定内容"))
    for what, row in ((_("承办单位"), unit), (_("批示领导"), leader), (_("关联任务"), task)):
        if row is not None and row.jurisdiction_id != jurisdiction.pk:
            raise AssignmentError(_("%(what)s不属于本辖区") % {"what": what})
    today = clock.today()
    item = Assignment.objects.create(
        jurisdiction=jurisdiction,
        kind=kind,
        title=title,
        instruction=instruction,
        leader=leader,
        origin=origin,
        task=task,
        unit=unit,
        deadline=deadline,
        prefix=settings.DUCHA_ASSIGNMENT_PREFIX,
        year=today.year,
        number=_next_number(jurisdiction.pk, today.year),
        issued_by=by,
    )
    Step.objects.create(assignment=item, action=Step.Action.ISSUED, text=instruction, by=by)
    record(
        "assignment_issued",
        actor=by,
        request=request,
        target=item,
        detail=_detail(item, kind=kind, deadline=deadline.isoformat()),
    )
    source = f"{leader.name}批示" if leader is not None else (origin or item.get_kind_display())
    send(
        [*_unit_people(item), *_leader_people(item)],
        kind="assignment_issued",
        subject=f"交办事项待签收：{_with(item)}",
        body=f"{source}：{instruction}\n承办单位：{unit.name}；办理时限：{deadline:%Y-%m-%d}。\n"
        "请登录系统签收并按时反馈办理情况。",
        key=f"assignment:{item.pk}:issued",
        url=url(item),
        jurisdiction=jurisdiction,
        by=by,
        units=[unit.pk],
    )
    return item


# The unit signs for it and answers ------------------------------------------------------------


@transaction.atomic
def sign(item: Assignment, user, *, request=None) -> Assignment:
    """签收: the unit acknowledges the item; it is now being handled (办理中)."""
    item = _locked(item, Assignment.State.ISSUED)
    if not user.can_sign_for(item):
        raise PermissionDenied(_("只有承办单位的人员可以签收"))
    item.state, item.signed_at = Assignment.State.SIGNED, clock.now()
    item.save(update_fields=["state", "signed_at", "updated_at"])
    Step.objects.create(assignment=item, action=Step.Action.SIGNED, by=user)
    record("assignment_signed", actor=user, request=request, target=item, detail=_detail(item))
    send(
        User.objects.offices_of(item.jurisdiction),
        kind="assignment_signed",
        subject=f"交办事项已签收：{_with(item)}",
        body=f"{item.unit.name}已签收交办事项{_with(item)}，办理时限{item.deadline:%Y-%m-%d}。",
        key=f"assignment:{item.pk}:signed",
        url=url(item),
        jurisdiction=item.jurisdiction,
        by=user,
    )
    return item


def _check_uploads(uploads) -> list:
    uploads = list(uploads)
    if len(uploads) > settings.DUCHA_EVIDENCE_MAX_FILES:
        raise AssignmentError(
            _("每次最多上传 %(n)s 个佐证材料") % {"n": settings.DUCHA_EVIDENCE_MAX_FILES}
        )
    return uploads


def answer(item: Assignment, user, *, text: str, uploads=(), request=None) -> Assignment:
    """办理反馈: the unit says what it did, with files if it has any. The files are checked
    and stored first (a refused file refuses the whole step); nothing is left behind if the
    step fails."""
    text = text.strip()
    if not text:
        raise AssignmentError(_("请填写办理情况"))
    stored: list[tuple[object, files.Checked, str]] = []
    try:
        for upload in _check_uploads(uploads):
            checked, name = files.store_upload(upload)
            stored.append((upload, checked, name))
        return _file_answer(item, user, text, stored, request)
    except BaseException:
        for _upload, _checked, name in stored:
            files.discard(name)
        raise


@transaction.atomic
def _file_answer(item, user, text, stored, request) -> Assignment:
    item = _locked(item, *Assignment.AWAITING_ANSWER)
    if not user.can_answer_assignment(item):
        raise PermissionDenied(_("只有承办单位的人员可以反馈办理情况"))
    again = item.state == Assignment.State.RETURNED
    item.state = Assignment.State.ANSWERED
    item.save(update_fields=["state", "updated_at"])
    step = Step.objects.create(assignment=item, action=Step.Action.ANSWERED, text=text, by=user)
    AssignmentFile.objects.bulk_create(
        AssignmentFile(
            step=step,
            original_name=Path(upload.name).name[:255],
            stored_name=name,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
        for upload, checked, name in stored
    )
    record(
        "assignment_answered",
        actor=user,
        request=request,
        target=item,
        detail=_detail(item, files=len(stored), again=again),
    )
    send(
        User.objects.offices_of(item.jurisdiction),
        kind="assignment_answered",
        subject=f"交办事项待审核：{_with(item)}",
        body=f"{item.unit.name}反馈了交办事项{_with(item)}的办理情况：{text}\n请审核（办结销号或退回）。",
        key=f"assignment:{item.pk}:answered:{step.pk}",
        url=url(item),
        jurisdiction=item.jurisdiction,
        by=user,
    )
    return item


# The office reviews ---------------------------------------------------------------------------


@transaction.atomic
def close(item: Assignment, user, *, comment: str = "", request=None) -> Assignment:
    """办结销号: the office accepts the answer; whether it came after the deadline is kept."""
    item = _locked(item, Assignment.State.ANSWERED)
    if not user.can_close_assignment(item):
        raise PermissionDenied(_("只有本辖区改革办可以审核交办事项"))
    today = clock.today()
    item.state, item.closed_on = Assignment.State.CLOSED, today
    item.closed_late = today > item.deadline
    item.save(update_fields=["state", "closed_on", "closed_late", "updated_at"])
    comment = comment.strip()
    Step.objects.create(assignment=item, action=Step.Action.CLOSED, text=comment, by=user)
    record(
        "assignment_closed",
        actor=user,
        request=request,
        target=item,
        detail=_detail(item, late=item.closed_late),
    )
    send(
        [*_unit_people(item), *_leader_people(item)],
        kind="assignment_closed",
        subject=f"交办事项已办结销号：{_with(item)}",
        body=f"交办事项{_with(item)}（{item.unit.name}承办）经改革办审核，已办结销号。"
        + (f"意见：{comment}" if comment else ""),
        key=f"assignment:{item.pk}:closed",
        url=url(item),
        jurisdiction=item.jurisdiction,
        by=user,
    )
    return item


@transaction.atomic
def send_back(item: Assignment, user, *, comment: str, request=None) -> Assignment:
    """退回重办: the office returns the answer with its reasons; the unit answers again."""
    comment = comment.strip()
    if not comment:
        raise AssignmentError(_("退回时请写明理由"))
    item = _locked(item, Assignment.State.ANSWERED)
    if not user.can_close_assignment(item):
        raise PermissionDenied(_("只有本辖区改革办可以审核交办事项"))
    item.state = Assignment.State.RETURNED
    item.save(update_fields=["state", "updated_at"])
    step = Step.objects.create(assignment=item, action=Step.Action.RETURNED, text=comment, by=user)
    record(
        "assignment_returned",
        actor=user,
        request=request,
        target=item,
        detail=_detail(item, comment=comment),
    )
    send(
        _unit_people(item),
        kind="assignment_returned",
        subject=f"交办事项被退回重办：{_with(item)}",
        body=f"改革办退回了交办事项{_with(item)}的办理反馈，理由：{comment}\n"
        f"请继续办理并重新反馈（办理时限{item.deadline:%Y-%m-%d}）。",
        key=f"assignment:{item.pk}:returned:{step.pk}",
        url=url(item),
        jurisdiction=item.jurisdiction,
        by=user,
        units=[item.unit_id],
    )
    return item
