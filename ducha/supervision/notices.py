"""督办通知 step by step: drafted (from a confirmed proposal of the ladder, or by hand), issued
by the office with its number, answered by the lead unit (整改反馈 with evidence), accepted or
returned (a returned answer is answered again); an answer overdue escalates once a day.

One transactional function per step, with its audit entry and its message in the same
transaction. Who may take a step is the view's question, asked of the user (`user.runs`,
`user.can_answer`); whether the notice is at that step is answered here, with the row locked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.boards.publication import chain_filter
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.months import format_day_zh, format_month
from ducha.notify.api import send
from ducha.org.models import User, named
from ducha.reports import evidence as files
from ducha.supervision.documents import content, issuing_office
from ducha.supervision.models import Answer, AnswerFile, Notice, NoticeCounter, dump_list

BY_TICK = "ducha tick"

DEFAULT_REQUIREMENTS = (
    "请你单位高度重视，对照节点目标认真查找原因，制定切实可行的整改措施，"
    "明确责任人和完成时限，确保任务按期推进。"
)


class NoticeError(Exception):
    pass


def _locked(notice: Notice, *states: str) -> Notice:
    locked = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("task", "unit", "jurisdiction")
        .get(pk=notice.pk)
    )
    if locked.state not in states:
        raise NoticeError(
            _("督办通知当前的状态不能进行这一步（%(state)s）")
            % {"state": locked.get_state_display()}
        )
    return locked


def _detail(notice: Notice, **more) -> dict:
    return {"number": notice.document_number, **named(notice.jurisdiction), **more}


def default_due(today: dt.date | None = None) -> dt.date:
    return (today or clock.today()) + dt.timedelta(days=settings.DUCHA_NOTICE_RESPONSE_DAYS)


def latest_marks(task: Task) -> list[dict]:
    """The task's mark on its newest posted board, for a notice written by hand."""
    from ducha.boards.models import Publication
    from ducha.boards.publication import posted

    chain = None if task.jurisdiction.home else task.jurisdiction
    month = (
        Publication.objects.filter(chain_filter(chain))
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    board = posted(month, jurisdiction=chain) if month else None
    for row in board["tasks"] if board else ():
        if row["task"] == task.code and row["rating"]:
            return [{"month": format_month(month), "rating": row["rating"]}]
    return []


def check_due(due_on: dt.date) -> None:
    if due_on <= clock.today():
        raise NoticeError(_("反馈期限应晚于今天"))


# Drafting and issuing -------------------------------------------------------------------------


@transaction.atomic
def draft_notice(
    task: Task,
    *,
    by=None,
    request=None,
    proposal=None,
    reasons: list[dict] | None = None,
    triggers: list[dict] | None = None,
    requirements: str = "",
    due_on: dt.date | None = None,
) -> Notice:
    """A draft to the task's lead unit, for the office to review and issue."""
    notice = Notice.objects.create(
        jurisdiction_id=task.jurisdiction_id,
        task=task,
        unit_id=task.lead_unit_id,
        proposal=proposal,
        reasons=dump_list(reasons or []),
        triggers=dump_list(triggers if triggers is not None else latest_marks(task)),
        requirements=requirements.strip() or DEFAULT_REQUIREMENTS,
        due_on=due_on or default_due(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    record(
        "notice_drafted",
        actor=by,
        request=request,
        target=notice,
        detail=_detail(notice, proposal=proposal.pk if proposal else None),
    )
    return notice


@transaction.atomic
def edit_draft(notice: Notice, user, *, requirements: str, due_on: dt.date, request=None) -> Notice:
    notice = _locked(notice, Notice.State.DRAFT)
    if not requirements.strip():
        raise NoticeError(_("请填写整改要求"))
    check_due(due_on)
    notice.requirements = requirements.strip()
    notice.due_on = due_on
    notice.save(update_fields=["requirements", "due_on"])
    record(
        "notice_drafted",
        actor=user,
        request=request,
        target=notice,
        detail=_detail(notice, edited=True, due=due_on.isoformat()),
    )
    return notice


def _next_number(jurisdiction_id: int, year: int) -> int:
    """The next number of the jurisdiction's year: its counter row is locked until the
    transaction ends, so two notices issued at once never share one (the unique constraint
    on the notices stands behind it)."""
    NoticeCounter.objects.get_or_create(jurisdiction_id=jurisdiction_id, year=year)
    counter = NoticeCounter.objects.select_for_update().get(
        jurisdiction_id=jurisdiction_id, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def recipients(notice: Notice) -> list[User]:
    """The lead unit's reporters and head, and the accounts of the task's leaders."""
    task = notice.task
    leaders = [task.leader_id, *task.co_leader_links.values_list("leader_id", flat=True)]
    people = list(User.objects.of_units([notice.unit_id]).order_by("pk"))
    return people + list(User.objects.leaders_of(leaders).order_by("pk"))


def _url(notice: Notice) -> str:
    return f"/notices/{notice.pk}/"


@transaction.atomic
def issue(notice: Notice, user, request=None) -> Notice:
    """Number, date and send the notice: the lead unit and the task's leaders get it."""
    notice = _locked(notice, Notice.State.DRAFT)
    check_due(notice.due_on)
    today = clock.today()
    notice.prefix = settings.DUCHA_NOTICE_PREFIX
    notice.year = today.year
    notice.number = _next_number(notice.jurisdiction_id, today.year)
    notice.office_name = issuing_office(notice.jurisdiction)
    notice.issued_on = today
    notice.issued_by = user
    notice.state = Notice.State.ISSUED
    notice.save()
    record(
        "notice_issued",
        actor=user,
        request=request,
        target=notice,
        detail=_detail(notice, due=notice.due_on.isoformat()),
    )
    doc = content(notice)
    send(
        recipients(notice),
        kind="notice_issued",
        subject=f"督办通知 {notice.document_number}：{notice.task.code} {notice.task.title}",
        body="\n\n".join([doc.addressee, *doc.body, *doc.items, doc.copy_to]),
        key=f"notice:{notice.pk}:issued",
        url=_url(notice),
        jurisdiction=notice.jurisdiction,
        by=user,
    )
    return notice


# The unit's answer ----------------------------------------------------------------------------


def answer(notice: Notice, user, text: str, uploads=(), request=None) -> Answer:
    """The lead unit's 整改反馈: its text and evidence files (checked first; a refused file
    refuses the whole answer, and no file is left behind)."""
    if not text.strip():
        raise NoticeError(_("请填写整改反馈"))
    uploads = list(uploads)
    if len(uploads) > settings.DUCHA_EVIDENCE_MAX_FILES:
        raise NoticeError(
            _("每次反馈最多 %(n)s 个佐证材料") % {"n": settings.DUCHA_EVIDENCE_MAX_FILES}
        )
    stored: list[tuple[object, files.Checked, str]] = []
    try:
        for upload in uploads:
            checked, name = files.store_upload(upload)
            stored.append((upload, checked, name))
        return _file_answer(notice, user, text, stored, request)
    except BaseException:
        for _upload, _checked, name in stored:
            files.discard(name)
        raise


@transaction.atomic
def _file_answer(notice: Notice, user, text: str, stored, request) -> Answer:
    notice = _locked(notice, *Notice.AWAITING)
    item = Answer.objects.create(notice=notice, text=text.strip(), submitted_by=user)
    AnswerFile.objects.bulk_create(
        AnswerFile(
            answer=item,
            original_name=Path(upload.name).name[:255],
            stored_name=name,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
        for upload, checked, name in stored
    )
    late = notice.due_on < clock.today()
    notice.state = Notice.State.ANSWERED
    notice.save(update_fields=["state"])
    record(
        "notice_answered",
        actor=user,
        request=request,
        target=notice,
        detail=_detail(notice, files=len(stored), late=late),
    )
    send(
        User.objects.offices_of(notice.jurisdiction),
        kind="notice_answered",
        subject=f"整改反馈待审核：{notice.document_number} {notice.task.code}",
        body=f"{notice.unit.name}已就督办通知 {notice.document_number}（{notice.task.code} "
        f"{notice.task.title}）报送整改反馈，请审核。",
        key=f"notice:{notice.pk}:answered:{item.pk}",
        url=_url(notice),
        jurisdiction=notice.jurisdiction,
        by=user,
    )
    return item


# The office's decision ------------------------------------------------------------------------


def _decide(notice: Notice, user, decision: str, comment: str) -> Answer:
    latest = notice.answers.order_by("-submitted_at", "-pk").first()
    latest.decision = decision
    latest.comment = comment.strip()
    latest.decided_by = user
    latest.decided_at = clock.now()
    latest.save(update_fields=["decision", "comment", "decided_by", "decided_at"])
    return latest


@transaction.atomic
def accept(notice: Notice, user, comment: str = "", request=None) -> Notice:
    """The office accepts the answer: the notice is settled (办结)."""
    notice = _locked(notice, Notice.State.ANSWERED)
    _decide(notice, user, Answer.Decision.ACCEPTED, comment)
    notice.state = Notice.State.ACCEPTED
    notice.save(update_fields=["state"])
    record("notice_accepted", actor=user, request=request, target=notice, detail=_detail(notice))
    send(
        User.objects.of_units([notice.unit_id]),
        kind="notice_accepted",
        subject=f"整改反馈已通过：{notice.document_number} {notice.task.code}",
        body=f"督办通知 {notice.document_number}（{notice.task.code} {notice.task.title}）"
        f"的整改反馈已审核通过，督办事项办结。",
        key=f"notice:{notice.pk}:accepted",
        url=_url(notice),
        jurisdiction=notice.jurisdiction,
        by=user,
    )
    return notice


@transaction.atomic
def send_back(
    notice: Notice, user, comment: str, due_on: dt.date | None = None, request=None
) -> Notice:
    """The office returns the answer with its reasons (and perhaps a new deadline): the
    unit answers again."""
    if not comment.strip():
        raise NoticeError(_("退回时请写明意见"))
    notice = _locked(notice, Notice.State.ANSWERED)
    if due_on is not None:
        check_due(due_on)
        notice.due_on = due_on
    answered = _decide(notice, user, Answer.Decision.RETURNED, comment)
    notice.state = Notice.State.RETURNED
    if notice.due_on >= clock.today():
        notice.overdue_since = None
    notice.save(update_fields=["state", "due_on", "overdue_since"])
    record(
        "notice_returned",
        actor=user,
        request=request,
        target=notice,
        detail=_detail(notice, comment=comment.strip(), due=notice.due_on.isoformat()),
    )
    send(
        User.objects.of_units([notice.unit_id]),
        kind="notice_returned",
        subject=f"整改反馈被退回：{notice.document_number} {notice.task.code}",
        body=f"督办通知 {notice.document_number}（{notice.task.code} {notice.task.title}）"
        f"的整改反馈被退回，意见：{comment.strip()}\n请于{format_day_zh(notice.due_on)}前重新反馈。",
        key=f"notice:{notice.pk}:returned:{answered.pk}",
        url=_url(notice),
        jurisdiction=notice.jurisdiction,
        by=user,
    )
    return notice


# Escalation ----------------------------------------------------------------------------------


def escalate_overdue(now: dt.datetime) -> list[str]:
    """For `ducha tick`: every issued (or returned) notice whose answer is past its deadline
    is marked overdue and chased, once per notice per day, to the lead unit and the task's
    leaders. The lines to print."""
    today = clock.local(now).date()
    lines = []
    due = Notice.objects.overdue(today).exclude(reminded_on=today).order_by("pk")
    for pk in due.values_list("pk", flat=True):
        line = _escalate(pk, today, now)
        if line:
            lines.append(line)
    return lines


@transaction.atomic
def _escalate(pk: int, today: dt.date, now: dt.datetime) -> str:
    notice = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("task", "unit", "jurisdiction")
        .get(pk=pk)
    )
    if not notice.is_overdue(today) or notice.reminded_on == today:
        return ""  # answered, or chased by another tick, meanwhile
    if notice.overdue_since is None:
        notice.overdue_since = notice.due_on + dt.timedelta(days=1)
    notice.reminded_on = today
    notice.save(update_fields=["overdue_since", "reminded_on"])
    days = (today - notice.due_on).days
    record(
        "notice_escalated",
        actor_name=BY_TICK,
        at=now,
        target=notice,
        detail=_detail(notice, days=days, day=today.isoformat()),
    )
    task = notice.task
    send(
        recipients(notice),
        kind="notice_overdue",
        subject=f"督办催办：{notice.document_number} 整改反馈已逾期 {days} 天",
        body=f"督办通知 {notice.document_number}（{task.code} {task.title}）要求{notice.unit.name}"
        f"于{format_day_zh(notice.due_on)}前报送整改反馈，至今已逾期 {days} 天，请立即报送。",
        key=f"notice:{notice.pk}:overdue:{today.isoformat()}",
        url=_url(notice),
        jurisdiction=notice.jurisdiction,
        by_name=BY_TICK,
    )
    number, unit = notice.document_number, notice.unit.name
    return f"督办通知 {number}（{task.code}，{unit}）逾期 {days} 天，已催办"
