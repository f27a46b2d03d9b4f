"""延误归因 step by step: claimed by a lead unit against one of the task's cooperating units
(with its reason and evidence), answered by that unit (agreeing or disputing), decided by the
office of the task's jurisdiction. Accepting sets the task-month's rating through the office's
override (ratings.monthly.override_rating), whose reason names the attribution; SPEC §2's
rules are unchanged. The board is a published snapshot: an accepted attribution of a month not
yet published lands in its publication; of a published month, it waits for a correction (勘误)
that the office publishes, never this module.

One transactional function per step, its audit entry and its messages in the same
transaction; the attribution's row is locked and its state checked there, and the person's
rule (`user.can_claim_delay`, `can_answer_attribution`, `can_decide_attribution`) asked of
the locked row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ducha.attributions.models import Attribution, AttributionFile
from ducha.audit import record
from ducha.boards.publication import is_published
from ducha.ledger.models import CoUnit, Node, Task
from ducha.lib import clock
from ducha.lib.dates import month_label
from ducha.lib.months import first_of, format_month, format_month_zh
from ducha.notify.api import send
from ducha.org.models import Unit, User, named
from ducha.ratings import rules
from ducha.ratings.monthly import override_rating
from ducha.reports import evidence as files


class AttributionError(Exception):
    pass


def _url(a: Attribution) -> str:
    return f"/attributions/{a.pk}/"


def _detail(a: Attribution, **more) -> dict:
    return {
        "month": format_month(a.month),
        "node": a.node.code,
        "unit": a.unit.name,
        **named(a.jurisdiction),
        **more,
    }


def _locked(a: Attribution, *states: str) -> Attribution:
    locked = (
        Attribution.objects.select_for_update(of=("self",))
        .select_related("task__jurisdiction", "node", "unit", "claimant", "jurisdiction")
        .get(pk=a.pk)
    )
    if locked.state not in states:
        raise AttributionError(
            _("这项延误归因当前的状态不能进行这一步（%(state)s）")
            % {"state": locked.get_state_display()}
        )
    return locked


def _check_uploads(uploads) -> list:
    uploads = list(uploads)
    if len(uploads) > settings.DUCHA_EVIDENCE_MAX_FILES:
        raise AttributionError(
            _("每次最多上传 %(n)s 个佐证材料") % {"n": settings.DUCHA_EVIDENCE_MAX_FILES}
        )
    return uploads


def _with_files(uploads, write):
    """Check and store the files first (a refused file refuses the whole step), then
    `write(stored)` in its transaction; nothing is left behind if either fails."""
    stored: list[tuple[object, files.Checked, str]] = []
    try:
        for upload in _check_uploads(uploads):
            checked, name = files.store_upload(upload)
            stored.append((upload, checked, name))
        return write(stored)
    except BaseException:
        for _upload, _checked, name in stored:
            files.discard(name)
        raise


def _keep_files(a: Attribution, side: str, user, stored) -> None:
    AttributionFile.objects.bulk_create(
        AttributionFile(
            attribution=a,
            side=side,
            original_name=Path(upload.name).name[:255],
            stored_name=name,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
        for upload, checked, name in stored
    )


def co_units(task: Task) -> list[Unit]:
    """The task's cooperating units in the ledger's order: those a claim may name."""
    return [link.unit for link in CoUnit.objects.filter(task=task).select_related("unit")]


# The lead unit's claim ------------------------------------------------------------------------


def claim(
    task: Task,
    user,
    *,
    node: Node,
    unit: Unit,
    month: dt.date,
    reason: str,
    uploads=(),
    request=None,
) -> Attribution:
    """A lead unit's member says `unit` (one of the task's co-units) held `node` up in the
    report month `month`, with the reason and evidence."""
    if not user.can_claim_delay(task):
        raise PermissionDenied(_("只有这项任务牵头单位的人员可以申请延误归因"))
    reason = reason.strip()
    if not reason:
        raise AttributionError(_("请写明延误原因"))
    if node.task_id != task.pk:
        raise AttributionError(_("节点 %(node)s 不属于这项任务") % {"node": node.code})
    if unit.pk == user.unit_id or not CoUnit.objects.filter(task=task, unit=unit).exists():
        raise AttributionError(_("%(unit)s 不是这项任务的配合单位") % {"unit": unit.name})
    if month > first_of(clock.today()):
        raise AttributionError(
            _("%(month)s 还没有到，不能申请延误归因") % {"month": month_label(month)}
        )
    month = first_of(month)
    return _with_files(
        uploads, lambda stored: _file_claim(task, user, node, unit, month, reason, stored, request)
    )


@transaction.atomic
def _file_claim(task, user, node, unit, month, reason, stored, request) -> Attribution:
    open_already = Attribution.objects.open().filter(task=task, node=node, month=month, unit=unit)
    if open_already.exists():
        raise AttributionError(_open_already(node, unit, month))
    try:
        with transaction.atomic():
            a = Attribution.objects.create(
                jurisdiction_id=task.jurisdiction_id,
                task=task,
                node=node,
                month=month,
                claimant_id=user.unit_id,
                unit=unit,
                reason=reason,
                claimed_by=user,
            )
    except IntegrityError:  # the same claim at the same moment: theirs stands
        raise AttributionError(_open_already(node, unit, month)) from None
    _keep_files(a, AttributionFile.Side.CLAIM, user, stored)
    record(
        "attribution_claimed",
        actor=user,
        request=request,
        target=a,
        detail=_detail(a, files=len(stored)),
    )
    send(
        User.objects.of_units([unit.pk]),
        kind="attribution_claimed",
        subject=f"延误归因待回复：{task.code} {format_month_zh(month)} {node.code}",
        body=f"{a.claimant.name}认为{task.code}「{task.title}」的节点{node.code}「{node.title}」"
        f"在{format_month_zh(month)}的延误由你单位（配合单位）造成，理由：{reason}\n"
        "请登录系统回复（认可或提出异议），改革办将据此认定。",
        key=f"attribution:{a.pk}:claimed",
        url=_url(a),
        jurisdiction=task.jurisdiction,
        by=user,
        units=[unit.pk],
    )
    return a


def _open_already(node: Node, unit: Unit, month: dt.date) -> str:
    return _("%(month)s 节点 %(node)s 已有对 %(unit)s 的延误归因正在办理") % {
        "month": month_label(month),
        "node": node.code,
        "unit": unit.name,
    }


# The cooperating unit's answer ----------------------------------------------------------------


def answer(a: Attribution, user, *, stance: str, text: str, uploads=(), request=None):
    """The cooperating unit agrees or disputes, in words, with evidence if it has any."""
    if stance not in Attribution.Stance.values:
        raise AttributionError(_("请选择认可或有异议"))
    if not text.strip():
        raise AttributionError(_("请填写回复意见"))
    return _with_files(
        uploads, lambda stored: _file_answer(a, user, stance, text.strip(), stored, request)
    )


@transaction.atomic
def _file_answer(a, user, stance, text, stored, request) -> Attribution:
    a = _locked(a, Attribution.State.CLAIMED)
    if not user.can_answer_attribution(a):
        raise PermissionDenied(_("只有被申请的配合单位可以回复"))
    a.stance, a.answer, a.answered_by, a.answered_at = stance, text, user, clock.now()
    a.state = Attribution.State.ANSWERED
    a.save(update_fields=["stance", "answer", "answered_by", "answered_at", "state"])
    _keep_files(a, AttributionFile.Side.ANSWER, user, stored)
    record(
        "attribution_answered",
        actor=user,
        request=request,
        target=a,
        detail=_detail(a, stance=stance, files=len(stored)),
    )
    task = a.task
    send(
        User.objects.offices_of(a.jurisdiction),
        kind="attribution_answered",
        subject=f"延误归因待认定：{task.code} {format_month_zh(a.month)} {a.node.code}",
        body=f"{a.unit.name}已回复{a.claimant.name}就{task.code}「{task.title}」节点{a.node.code}"
        f"提出的延误归因（{a.get_stance_display()}）：{text}\n请认定。",
        key=f"attribution:{a.pk}:answered",
        url=_url(a),
        jurisdiction=a.jurisdiction,
        by=user,
    )
    return a


# The office's decision ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    attribution: Attribution
    # The month's board is already published: the override shows once the office publishes
    # a correction (勘误); nothing is published here.
    needs_correction: bool


def _decided(a: Attribution, user, state: str, decision: str) -> None:
    a.state, a.decision, a.decided_by, a.decided_at = state, decision, user, clock.now()


def _tell_both(a: Attribution, user, words: str) -> None:
    task = a.task
    send(
        User.objects.of_units([a.claimant_id, a.unit_id]),
        kind="attribution_decided",
        subject=f"延误归因{words}：{task.code} {format_month_zh(a.month)} {a.node.code}",
        body=f"{a.claimant.name}就{task.code}「{task.title}」节点{a.node.code}对{a.unit.name}"
        f"提出的延误归因，改革办{words}。意见：{a.decision}",
        key=f"attribution:{a.pk}:decided",
        url=_url(a),
        jurisdiction=a.jurisdiction,
        by=user,
    )


@transaction.atomic
def accept(a: Attribution, user, *, rating: str, decision: str, request=None) -> Decided:
    """The office accepts: the task-month's rating becomes `rating` (one of the four marks,
    the office's choice), an override whose reason names the attribution."""
    decision = decision.strip()
    if not decision:
        raise AttributionError(_("请写明认定意见"))
    if rating not in rules.RATINGS:
        raise AttributionError(_("请选择认定后的评价"))
    a = _locked(a, Attribution.State.ANSWERED)
    if not user.can_decide_attribution(a):
        raise PermissionDenied(_("只有本辖区改革办可以认定延误归因"))
    try:
        override = override_rating(
            a.task, a.month, rating, a.public_reason(decision), by=user, request=request
        )
    except ValueError as e:
        raise AttributionError(str(e)) from None
    _decided(a, user, Attribution.State.ACCEPTED, decision)
    a.rating, a.override = rating, override
    a.save(update_fields=["state", "decision", "decided_by", "decided_at", "rating", "override"])
    needs_correction = is_published(a.month, jurisdiction=a.task.jurisdiction)
    record(
        "attribution_accepted",
        actor=user,
        request=request,
        target=a,
        detail=_detail(
            a, rating=rating, computed=override.computed, correction_needed=needs_correction
        ),
    )
    _tell_both(a, user, "已认定")
    return Decided(a, needs_correction)


@transaction.atomic
def reject(a: Attribution, user, *, decision: str, request=None) -> Decided:
    """The office does not accept the attribution: the rating stays as the rules make it."""
    decision = decision.strip()
    if not decision:
        raise AttributionError(_("不予认定时请写明理由"))
    a = _locked(a, Attribution.State.ANSWERED)
    if not user.can_decide_attribution(a):
        raise PermissionDenied(_("只有本辖区改革办可以认定延误归因"))
    _decided(a, user, Attribution.State.REJECTED, decision)
    a.save(update_fields=["state", "decision", "decided_by", "decided_at"])
    record("attribution_rejected", actor=user, request=request, target=a, detail=_detail(a))
    _tell_both(a, user, "不予认定")
    return Decided(a, False)
