"""The monthly report's path: draft → submitted → approved by the unit head (its node lines
become progress rows) → accepted by the office, or sent back at either step.

Every step is one function in one transaction, checked against the version the person
was looking at: two people editing the same report never silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.audit.models import AuditEntry
from ducha.boards.publication import is_published
from ducha.ledger.checks import progress_problems, stored_percent
from ducha.ledger.models import Node, Progress, Task
from ducha.lib import clock
from ducha.lib.months import add_months, month_end
from ducha.org.models import Jurisdiction
from ducha.reports import evidence as files
from ducha.reports.models import Evidence, Report, ReportLine

Status = Report.Status


class Stale(Exception):
    """Someone else changed the report since it was loaded."""


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        self.files_stored = False  # the chosen files went in before this was refused
        super().__init__("；".join(m for ms in errors.values() for m in ms))


@dataclass(frozen=True)
class LineInput:
    status: str
    percent: int | None = None
    done_on: dt.date | None = None
    note: str = ""


def reporting_month(
    today: dt.date | None = None, jurisdiction: Jurisdiction | None = None
) -> dt.date:
    """The month units are reporting and the office is closing: last month, until its board
    is posted in `jurisdiction`'s chain (None: the home one; late reports still come in
    after the deadline); then this month."""
    today = today or clock.today()
    first = today.replace(day=1)
    previous = add_months(first, -1)
    return first if is_published(previous, jurisdiction=jurisdiction) else previous


def deadline(month: dt.date, jurisdiction: Jurisdiction | None = None) -> dt.date:
    """The day `month`'s reports are due in `jurisdiction` (None: the home one, which costs
    a query: pass the jurisdiction where it is at hand)."""
    day = Jurisdiction.objects.resolve(jurisdiction).deadline
    after = add_months(month, 1)
    return after.replace(day=min(day, month_end(after).day))


def _latest(task: Task, month: dt.date) -> dict[int, Progress]:
    """Each node's latest row up to `month`; once a node is done, its first done row."""
    latest: dict[int, Progress] = {}
    for p in Progress.objects.filter(task=task, month__lte=month).order_by("month"):
        if latest.get(p.node_id) is None or latest[p.node_id].status != Progress.Status.DONE:
            latest[p.node_id] = p
    return latest


def finished_before(task: Task, month: dt.date) -> list[tuple[Node, Progress]]:
    """The nodes done in an earlier month: a report does not ask about them again."""
    latest = _latest(task, add_months(month, -1))
    return [
        (node, latest[node.pk])
        for node in task.nodes.all()
        if node.pk in latest and latest[node.pk].status == Progress.Status.DONE
    ]


def prefill_lines(task: Task, month: dt.date, report: Report | None = None) -> list[ReportLine]:
    """One line per node still open, with its last known state (unsaved): what a new report
    starts from."""
    latest = _latest(task, month)
    lines = []
    for node in task.nodes.all():
        p = latest.get(node.pk)
        if p is not None and p.status == Progress.Status.DONE and p.month < month:
            continue  # finished in an earlier month
        carried = p is not None and (p.month == month or p.status == Progress.Status.DONE)
        lines.append(
            ReportLine(
                report=report,
                node=node,
                status=p.status if p else Progress.Status.NOT_STARTED,
                percent=p.percent if p else None,
                done_on=p.done_on if p and p.status == Progress.Status.DONE else None,
                note=p.note if carried else "",
            )
        )
    return lines


def _create(task: Task, month: dt.date) -> tuple[Report, bool]:
    report, created = Report.objects.get_or_create(
        task=task, month=month, defaults={"unit_id": task.lead_unit_id}
    )
    if created:
        ReportLine.objects.bulk_create(prefill_lines(task, month, report))
    return report, created


def open_report(task: Task, month: dt.date) -> Report:
    """The task's report for `month`, created with each node's last known state if new."""
    return _create(task, month)[0]


def start_report(task: Task, month: dt.date, seen_version: int) -> Report:
    """Create the report of someone who saw none (`seen_version` 0); if another person
    created it meanwhile, theirs stands and this save is stale."""
    report, created = _create(task, month)
    if not created or seen_version != 0:
        raise Stale(stale_message(report))
    return report


def _advance(report: Report, version: int, **changes) -> Report:
    """Apply `changes` only if the report is still at `version`; bump the version."""
    # update() skips auto_now: the stamp people see ("saved at …") is set here.
    updated = Report.objects.filter(pk=report.pk, version=version).update(
        version=F("version") + 1, updated_at=clock.now(), **changes
    )
    if not updated:
        raise Stale(stale_message(Report.objects.get(pk=report.pk)))
    report.refresh_from_db()
    return report


def stale_message(current: Report) -> str:
    return _(
        "这份报送已于 %(time)s 被他人修改（现状态：%(status)s）。"
        "您填写的内容仍在下方，但尚未保存：请核对后再保存。"
    ) % {
        "time": clock.local(current.updated_at).strftime("%m-%d %H:%M"),
        "status": current.get_status_display(),
    }


def _check_state(report: Report, allowed: tuple[str, ...], what) -> None:
    if report.status not in allowed:
        message = _("报送当前状态为「%(status)s」，不能%(what)s") % {
            "status": report.get_status_display(),
            "what": what,
        }
        raise Invalid({"__all__": [message]})


@transaction.atomic
def save_report(
    report: Report,
    user,
    version: int,
    *,
    narrative: str,
    problems: str,
    next_steps: str,
    lines: dict[int, LineInput],
    request=None,
) -> Report:
    _check_state(report, (Status.DRAFT, Status.RETURNED), _("修改"))
    nodes = {n.pk: n for n in Node.objects.filter(task_id=report.task_id)}
    errors: dict[str, list[str]] = {}
    for node_id, line in lines.items():
        if node_id not in nodes:
            errors.setdefault("__all__", []).append(
                _("节点 %(id)s 不属于这项任务") % {"id": node_id}
            )
            continue
        # Keyed like the form's fields, so the page shows each message at its field.
        for field, message in progress_problems(
            line.status, report.month, line.done_on, line.percent
        ):
            errors.setdefault(f"node-{node_id}-{field}", []).append(message)
        if line.percent is not None and not 0 <= line.percent <= 100:
            errors.setdefault(f"node-{node_id}-percent", []).append(_("进度应在 0–100 之间"))
        done_key = f"node-{node_id}-done_on"
        # A date past the month's end is already refused above; one message says it.
        if line.done_on is not None and line.done_on > clock.today() and done_key not in errors:
            message = _("完成日期 %(date)s 还没有到") % {"date": line.done_on.isoformat()}
            errors[done_key] = [message]
    if errors:
        raise Invalid(errors)
    _advance(
        report,
        version,
        narrative=narrative.strip(),
        problems=problems.strip(),
        next_steps=next_steps.strip(),
    )
    existing = {line.node_id: line for line in report.lines.all()}
    for node_id, given in lines.items():
        line = existing.get(node_id) or ReportLine(report=report, node_id=node_id)
        line.status = given.status
        line.percent = stored_percent(given.status, given.percent)
        line.done_on = given.done_on
        line.note = given.note.strip()
        line.save()
    record("report_saved", actor=user, request=request, target=report)
    return report


@transaction.atomic
def submit_report(report: Report, user, version: int, request=None) -> Report:
    _check_state(report, (Status.DRAFT, Status.RETURNED), _("提交"))
    errors: dict[str, list[str]] = {}
    if not report.narrative.strip():
        errors["narrative"] = [_("请填写本月进展情况后再提交")]
    for line in report.lines.all():
        if not line.note.strip() and line.status != Progress.Status.DONE:
            errors[f"node-{line.node_id}-note"] = [_("未完成的节点请写明进展或原因")]
    if errors:
        raise Invalid(errors)
    _advance(
        report,
        version,
        status=Status.SUBMITTED,
        submitted_at=clock.now(),
        submitted_by=user,
        comment="",
    )
    record("report_submitted", actor=user, request=request, target=report)
    return report


@transaction.atomic
def withdraw_report(report: Report, user, version: int, request=None) -> Report:
    """The unit takes back a submission the head has not acted on yet."""
    _check_state(report, (Status.SUBMITTED,), _("撤回"))
    _advance(report, version, status=Status.DRAFT, submitted_at=None, submitted_by=None)
    record("report_withdrawn", actor=user, request=request, target=report)
    return report


@transaction.atomic
def approve_report(report: Report, user, version: int, request=None) -> Report:
    """The unit head's approval is the unit's official report: its lines become progress."""
    _check_state(report, (Status.SUBMITTED,), _("审核报送"))
    moment = clock.now()
    # Late is decided by the first approval: approving again after the office sent the
    # report back for a correction does not make it late.
    first = report.approved_at is None
    due = deadline(report.month, jurisdiction=report.task.jurisdiction)
    late = clock.local(moment).date() > due if first else report.late
    # Only a unit of one, with the office's leave (User.can_approve), approves its own
    # submission: on the record as such.
    alone = report.submitted_by_id == user.pk
    _advance(
        report,
        version,
        status=Status.APPROVED,
        approved_at=moment,
        approved_by=user,
        approved_alone=alone,
        late=late,
    )
    before = {
        p.node_id: p for p in Progress.objects.filter(task_id=report.task_id, month=report.month)
    }
    # What each row held before (None: there was none), so that an office return can put it
    # back; kept in the approval's audit entry, which the hash chain keeps from being edited.
    replaced = {}
    for line in report.lines.all():
        old = before.get(line.node_id)
        replaced[str(line.node_id)] = _row_state(old) if old else None
        Progress.objects.update_or_create(
            node_id=line.node_id, month=report.month, defaults=_approved_row(report, line)
        )
    detail = {"late": late} | ({"alone": True} if alone else {}) | {"replaced": replaced}
    record("report_approved", actor=user, request=request, target=report, detail=detail)
    return report


# The progress row's content; its stamps and keys stay as they are.
ROW_FIELDS = ("status", "percent", "done_on", "note", "origin", "import_run_id", "reported_by_id")


def _approved_row(report: Report, line: ReportLine) -> dict:
    """The progress row a report line becomes when its head approves."""
    return {
        "task_id": report.task_id,
        "status": line.status,
        "percent": stored_percent(line.status, line.percent),
        "done_on": line.done_on,
        "note": line.note,
        "origin": Progress.Origin.ONLINE,
        "import_run_id": None,
        "reported_by_id": report.submitted_by_id,
    }


def _row_state(row: Progress) -> dict:
    state = {f: getattr(row, f) for f in ROW_FIELDS}
    state["done_on"] = row.done_on.isoformat() if row.done_on else None
    return state


def _undo_approval(report: Report) -> dict[str, list[str]]:
    """Put the month's progress rows back as they were before the report's last approval:
    delete the rows it created, restore the rows it replaced. A row someone changed since
    (an import, say) is theirs now and stays. Returns the node codes undone and kept."""
    approval = (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.REPORT_APPROVED,
            target_type=type(report).__name__,
            target_id=str(report.pk),
        )
        .order_by("-seq")
        .first()
    )
    lines = {line.node_id: line for line in report.lines.select_related("node")}
    data = approval.data() if approval else {}
    # An approval made before approvals recorded what they replaced: what it wrote is all
    # that is known, and what it overwrote was lost then. Its rows are undone all the same.
    replaced = data["replaced"] if "replaced" in data else dict.fromkeys(map(str, lines))
    rows = {
        p.node_id: p
        for p in Progress.objects.select_for_update().filter(
            task_id=report.task_id, month=report.month
        )
    }
    undone, kept = [], []
    for key, old in replaced.items():
        node_id = int(key)
        row, line = rows.get(node_id), lines.get(node_id)
        if row is None or line is None:
            continue
        approved = _approved_row(report, line)
        if any(getattr(row, f) != approved[f] for f in ROW_FIELDS):
            kept.append(line.node.code)
            continue
        if old is None:
            row.delete()
        else:
            for field in ROW_FIELDS:
                setattr(row, field, old[field])
            row.done_on = dt.date.fromisoformat(old["done_on"]) if old["done_on"] else None
            row.save()
        undone.append(line.node.code)
    return {"undone": sorted(undone), "kept": sorted(kept)}


@transaction.atomic
def send_back(report: Report, user, version: int, comment: str, request=None) -> Report:
    """The unit head returns the draft to the reporter."""
    _check_state(report, (Status.SUBMITTED,), _("退回"))
    if not comment.strip():
        raise Invalid({"comment": [_("退回时请写明意见")]})
    _advance(report, version, status=Status.RETURNED, comment=comment.strip())
    record(
        "report_sent_back", actor=user, request=request, target=report, detail={"comment": comment}
    )
    return report


@transaction.atomic
def accept_report(report: Report, user, version: int, request=None) -> Report:
    _check_state(report, (Status.APPROVED,), _("审核通过"))
    _advance(report, version, status=Status.ACCEPTED, reviewed_at=clock.now(), reviewed_by=user)
    record("report_accepted", actor=user, request=request, target=report)
    return report


@transaction.atomic
def return_report(report: Report, user, version: int, comment: str, request=None) -> Report:
    """The office returns a report to the unit for changes: the approval is undone, so the
    month's progress is what it was before until the head approves again."""
    _check_state(report, (Status.APPROVED, Status.ACCEPTED), _("退回"))
    if not comment.strip():
        raise Invalid({"comment": [_("退回时请写明意见")]})
    _advance(
        report,
        version,
        status=Status.RETURNED,
        comment=comment.strip(),
        reviewed_at=clock.now(),
        reviewed_by=user,
    )
    progress = _undo_approval(report)
    record(
        "report_returned",
        actor=user,
        request=request,
        target=report,
        detail={"comment": comment, "progress": progress},
    )
    return report


def _check_room(report: Report, upload) -> None:
    """The report still takes files, and fewer than the limit."""
    if not report.editable:
        raise files.EvidenceRefused(_("报送已提交，不能再添加材料"))
    if report.evidence.count() >= settings.DUCHA_EVIDENCE_MAX_FILES:
        raise files.EvidenceRefused(
            _("%(name)s：每份报送最多 %(n)s 个佐证材料")
            % {"name": upload.name, "n": settings.DUCHA_EVIDENCE_MAX_FILES}
        )


def add_evidence(report: Report, user, upload, request=None) -> Evidence:
    """Check an uploaded file by its content, then store it under a generated name."""
    _check_room(report, upload)  # early, so a file that cannot go in is not even read
    checked, stored = files.store_upload(upload)
    try:
        return _file_evidence(report, user, upload, checked, stored, request)
    except BaseException:
        files.discard(stored)  # refused or failed: no orphan file
        raise


@transaction.atomic
def _file_evidence(report: Report, user, upload, checked, stored: str, request) -> Evidence:
    """Count again with the report locked: two uploads at once each saw room for one more
    file when they started (PostgreSQL: the row lock; SQLite: the IMMEDIATE transaction
    already serialises writers)."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    _check_room(locked, upload)
    item = Evidence.objects.create(
        report=locked,
        original_name=Path(upload.name).name[:255],
        stored_name=stored,
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    record(
        "report_saved",
        actor=user,
        request=request,
        target=report,
        detail={"evidence": item.original_name},
    )
    return item
