"""The office's handling of a suggestion (办理): its state (received → in handling →
replied), the outcome and the written reply the suggester reads with the receipt code, the
reply deadline, and the ledger tasks it bears on. One transactional function, its audit
entry in the same transaction; the row is locked and its version checked there, and the
person's rule (`user.keeps_registers`) asked of the locked row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.opendoor.models import Suggestion
from ducha.org.models import named

State, Outcome = Suggestion.State, Suggestion.Outcome


class TriageError(Exception):
    """`field` names the form field at fault ("" for the whole form)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Handling:
    state: str
    reply_due: dt.date
    outcome: str = ""
    reply: str = ""
    tasks: list[Task] = field(default_factory=list)


def check(h: Handling) -> None:
    """What a handling must hold whoever sends it: a reply has its outcome and its words;
    an outcome is given with the reply, not before."""
    if h.state not in State.values:
        raise TriageError(_("请选择办理状态"), "state")
    if h.outcome and h.outcome not in Outcome.values:
        raise TriageError(_("请选择办理结果"), "outcome")
    if h.state == State.REPLIED:
        if not h.outcome:
            raise TriageError(
                _("答复时请选择办理结果（采纳、部分采纳、留作参考或不予采纳）"), "outcome"
            )
        if not h.reply.strip():
            raise TriageError(_("答复时请填写答复意见：提出人凭回执码查看"), "reply")
    elif h.outcome:
        raise TriageError(
            _("办理结果随答复一并给出：请将状态改为“已答复”，或不选择办理结果"), "outcome"
        )


@transaction.atomic
def handle(s: Suggestion, user, h: Handling, *, version: int, request=None) -> Suggestion:
    """Save the office's handling of `s` as it was at `version` (what the form showed)."""
    s = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("jurisdiction")
        .get(pk=s.pk)
    )
    if not user.keeps_registers(s.jurisdiction_id):
        raise PermissionDenied(_("只有本辖区改革办可以办理意见建议"))
    if s.version != version:
        raise TriageError(
            _("这条意见建议在您打开页面后已被他人修改：下面是最新的内容，请核对后再提交。")
        )
    check(h)
    strangers = [t.code for t in h.tasks if t.jurisdiction_id != s.jurisdiction_id]
    if strangers:
        raise TriageError(
            _("任务 %(codes)s 不属于本辖区台账") % {"codes": "、".join(strangers)}, "tasks"
        )
    reply = h.reply.strip()
    was = (s.state, s.outcome, s.reply)
    s.state, s.reply_due, s.reply = h.state, h.reply_due, reply
    s.outcome = h.outcome if h.state == State.REPLIED else ""
    if s.state == State.REPLIED and (s.state, s.outcome, s.reply) != was:
        s.replied_by, s.replied_at = user, clock.now()  # the reply the suggester reads is new
    elif s.state != State.REPLIED:
        s.replied_by, s.replied_at = None, None
    s.version += 1
    s.save()
    s.tasks.set(h.tasks)
    record(
        "suggestion_triaged",
        actor=user,
        request=request,
        target=s,
        detail={
            "code": s.receipt,
            "state": s.state,
            "outcome": s.outcome,
            "due": s.reply_due.isoformat(),
            "tasks": sorted(t.code for t in h.tasks),
            **named(s.jurisdiction),
        },
    )
    return s
