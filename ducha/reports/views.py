"""The monthly report from the unit's seat: /me/ (what to do this month), the report form
(draft → submit → the head approves), evidence files; and the leader's view of his tasks.

The office's desk (review, preview, override, publish) lives in ducha/desk."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter
from ducha.boards.views import cached_parts
from ducha.ledger.models import Progress, Task
from ducha.lib import clock, params
from ducha.lib.cells import parse_date, parse_percent
from ducha.lib.months import add_months, format_month
from ducha.org.models import Jurisdiction
from ducha.ratings import marks
from ducha.ratings.display import MARKS, distribution, shown
from ducha.reports import evidence, scope, stale, standing, workflow
from ducha.reports.evidence import KINDS, EvidenceRefused
from ducha.reports.models import Report

Status = Report.Status
LINE_FIELDS = ("status", "percent", "done_on", "note")


def _month_links(month: dt.date) -> dict:
    """Row links built by concatenation: reversing a URL per row costs more than the row."""
    sample = reverse("reports:report", args=["CODE", month])
    return {"report_root": sample.split("CODE/")[0], "month_text": format_month(month)}


# --- /me/ --------------------------------------------------------------------------------


@login_required
@require_GET
def my_tasks(request):
    """What this person has to do or follow this month."""
    user = request.user
    if user.sees_everything:
        return redirect("desk:office")  # the office's work is the desk
    jurisdiction = user.jurisdiction  # everyone else works in his own alone
    month = params.month(request.GET, default=workflow.reporting_month(jurisdiction=jurisdiction))
    tasks = Task.objects.visible_to(user).prefetch_related("nodes")
    rows = standing.month_standings(month, tasks, jurisdiction=jurisdiction)
    context = {
        "month": month,
        "deadline": workflow.deadline(month, jurisdiction=jurisdiction),
        "today": clock.today(),
        "rows": rows,
        "tally": standing.tally(rows),
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
        **_month_links(month),
    }
    if user.is_city_leader:
        context.update(_leader_view(rows, jurisdiction))
        return render(request, "reports/leader.html", context)
    context["mine"] = standing.to_do(user, rows)
    return render(request, "reports/my_tasks.html", context)


def _leader_view(rows: list[standing.Standing], jurisdiction: Jurisdiction) -> dict:
    """The leader's tasks with their last twelve published marks, month by month, and his tally."""
    history, months = _rating_history([r.task for r in rows], jurisdiction)
    for row in rows:
        row.history = history.get(row.task.code, [])
    last = months[-1] if months else None
    in_year = [h for r in rows for h in r.history if last and h["month"].year == last.year]
    return {
        "last_published": last,
        "last_tally": distribution(h["rating"] for h in in_year if h["month"] == last),
        "year_tally": distribution((h["rating"] for h in in_year), unrated=False),
        "attention": [r for r in rows if r.overdue or (r.history and r.history[-1]["bad"])],
        # The public task pages of his jurisdiction's boards.
        "task_root": "/tasks/" if jurisdiction.home else f"/j/{jurisdiction.slug}/tasks/",
    }


def _rating_history(
    tasks, jurisdiction: Jurisdiction
) -> tuple[dict[str, list[dict]], list[dt.date]]:
    """Each task's published marks over the last twelve months published in the tasks'
    jurisdiction, and those months.

    One query for the publications; the per-board indexes come from the cache the public
    task pages keep under each publication's hash.
    """
    latest: dict[dt.date, dict] = {}
    chain = Publication.objects.filter(chain_filter(jurisdiction))
    for meta in chain.order_by("month", "version").values("pk", "month", "version", "sha256"):
        latest[meta["month"]] = meta
    metas = [latest[m] for m in sorted(latest)[-12:]]
    published = cached_parts(metas, "marks")
    # A leader's page holds hundreds of these: label each month and draw each mark once.
    labels = {m["month"]: dateformat.format(m["month"], gettext("y年n月")) for m in metas}
    drawn = {
        key: render_to_string("ratings/marks.html#ref", {"mark": shown(key)})
        for key in (*MARKS, None)
    }
    out: dict[str, list[dict]] = defaultdict(list)
    for task in tasks:
        for meta in metas:
            entry = published[meta["sha256"]].get(task.code)
            if entry is not None:
                rating = entry[0]
                out[task.code].append(
                    {
                        "month": meta["month"],
                        "label": labels[meta["month"]],
                        "rating": rating,
                        "mark": shown(rating),
                        "drawn": drawn[rating],
                        "bad": marks.needs_attention(rating),
                    }
                )
    return out, [m["month"] for m in metas]


# --- one report ---------------------------------------------------------------------------


def _report_of(task: Task, month: dt.date) -> Report | None:
    """The task's report for `month`, if saved, holding the task as loaded: the rules ask
    the task and its jurisdiction, with no query of their own."""
    found = Report.objects.filter(task=task, month=month).first()
    if found is not None:
        found.task = task
    return found


@login_required
def report(request, code: str, month: dt.date):
    """The report page of the person's own jurisdiction; the office of a city (or province)
    reads a report of a jurisdiction below it at ?j=<slug>, and may change nothing there."""
    jurisdiction = scope.jurisdiction_asked(request.user, request.GET)
    task = scope.get_task_for_user(request.user, code, jurisdiction)
    existing = _report_of(task, month)
    if request.method == "POST":
        if existing is None and not request.user.can_edit(Report(task=task, month=month)):
            raise PermissionDenied(_("您无权填报这项任务"))
        return _act(request, task, month, existing)
    return _render_report(request, task, month, existing)


def _render_report(
    request, task, month, report, errors=None, posted=None, status=200, files_stored=False
):
    """The report page; after a refused post, everything the person typed is shown again.

    Before the lead unit first saves, nothing is stored: the form shows each node's last
    known state, and the first save creates the report."""
    user = request.user
    is_saved = report is not None
    # The report, or the one the first save would create: the rules ask it, not the month.
    subject = report if is_saved else Report(task=task, month=month)
    can_start = not is_saved and user.can_edit(subject)
    if is_saved:
        lines = list(report.lines.select_related("node"))
    elif can_start:
        lines = workflow.prefill_lines(task, month)
    else:
        lines = []
    errors = errors or {}
    values = posted if posted is not None else {}

    def value(name, stored):
        return values.get(name, stored) if posted is not None else stored

    rows = []
    for line in lines:
        prefix = f"node-{line.node_id}-"
        stored = {
            "status": line.status,
            "percent": "" if line.percent is None else str(line.percent),
            "done_on": line.done_on.isoformat() if line.done_on else "",
            "note": line.note,
        }
        fields = {
            f: {
                "name": prefix + f,
                "value": value(prefix + f, stored[f]),
                "errors": errors.get(prefix + f, []),
            }
            for f in LINE_FIELDS
        }
        rows.append({"line": line, "node": line.node, "fields": fields})
    texts = {
        name: {
            "value": value(name, getattr(report, name, "") if is_saved else ""),
            "errors": errors.get(name, []),
        }
        for name in ("narrative", "problems", "next_steps")
    }
    files_chosen = [f.name for f in request.FILES.getlist("files")] if posted is not None else []
    context = {
        "task": task,
        "month": month,
        "finished": workflow.finished_before(task, month) if lines or is_saved else [],
        "deadline": workflow.deadline(month, jurisdiction=task.jurisdiction),
        "today": clock.today(),
        "report": report,
        "shows_form": is_saved or can_start,
        "month_open": subject.month_is_open,
        "rows": rows,
        "texts": texts,
        "comment": value("comment", ""),
        "comment_errors": errors.get("comment", []),
        "error_summary": _error_summary(errors, rows),
        "file_errors": errors.get("files", []),
        # A browser never sends a chosen file again: name each one and ask for it anew.
        "files_not_uploaded": (
            files_chosen if errors and "files" not in errors and not files_stored else []
        ),
        "evidence": list(report.evidence.select_related("uploaded_by")) if is_saved else [],
        # Shown to everyone who reads the report once it was submitted, its unit included.
        "stale_flags": stale.flags_of(report) if is_saved and report.status != Status.DRAFT else [],
        "can_edit": can_start or (is_saved and user.can_edit(report)),
        "can_withdraw": is_saved and user.can_withdraw(report),
        "can_approve": is_saved and user.can_approve(report),
        "can_review": is_saved and user.can_review(report),
        "can_return_accepted": (
            is_saved and report.status == Status.ACCEPTED and user.can_return(report)
        ),
        "statuses": Progress.Status.choices,
        "max_files": settings.DUCHA_EVIDENCE_MAX_FILES,
        "max_mb": settings.DUCHA_EVIDENCE_MAX_MB,
        "accept": ",".join(sorted(ext for _, exts in KINDS.values() for ext in exts)),
    }
    return TemplateResponse(request, "reports/report.html", context, status=status)


FIELD_LABELS = {
    "status": gettext_lazy("状态"),
    "percent": gettext_lazy("进度"),
    "done_on": gettext_lazy("完成日期"),
    "note": gettext_lazy("说明"),
}


def _error_summary(errors: dict[str, list[str]], rows: list[dict]) -> list[dict]:
    """Every error once, naming its node and field, with a link to the field."""
    names = {
        "narrative": _("进展情况"),
        "problems": _("存在问题"),
        "next_steps": _("下步打算"),
        "comment": _("退回意见"),
    }
    for row in rows:
        for field, info in row["fields"].items():
            names[info["name"]] = f"{row['node'].code} · {FIELD_LABELS[field]}"
    names["files"] = _("佐证材料")
    return [
        {"field": names.get(key, ""), "anchor": key if key in names else "", "text": message}
        for key, texts in errors.items()
        for message in texts
    ]


def _lines_from(request, report) -> dict[int, workflow.LineInput]:
    """The node lines as typed; every unreadable value is an error named by its field."""
    lines = {}
    errors: dict[str, list[str]] = {}
    for line in report.lines.all():
        prefix = f"node-{line.node_id}-"
        status = request.POST.get(prefix + "status", line.status)
        if status not in Progress.Status.values:
            errors.setdefault(prefix + "status", []).append(_("请选择状态"))
            continue
        percent = done_on = None
        try:
            percent = parse_percent(request.POST.get(prefix + "percent", ""))
        except ValueError as e:
            errors.setdefault(prefix + "percent", []).append(str(e))
        raw_date = request.POST.get(prefix + "done_on", "").strip()
        if raw_date:
            try:
                done_on = parse_date(raw_date)
            except ValueError as e:
                errors.setdefault(prefix + "done_on", []).append(str(e))
        lines[line.node_id] = workflow.LineInput(
            status, percent, done_on, request.POST.get(prefix + "note", "")
        )
    if errors:
        raise workflow.Invalid(errors)
    return lines


def _act(request, task, month, report: Report | None):
    """Every button on the report page posts here with its `action`.

    `version` is the one the person was looking at (0: no report existed yet); a report
    changed since is refused as stale, whoever created or changed it."""
    user = request.user
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        if action in ("save", "submit"):
            if (
                report is not None
                and not report.editable
                and user.can_edit(Report(task=task, month=month))
            ):
                # The unit's own report moved on (submitted, approved) while this person
                # typed: say so and keep what they typed, as for any other stale save.
                raise workflow.Stale(workflow.stale_message(report))
            scope.require(report is None or user.can_edit(report))
            report = _save(request, task, month, report, version, submit=action == "submit")
        elif report is None:
            return HttpResponse(_("这份报送还没有保存过"), status=400)
        elif action == "withdraw":
            scope.require(user.can_withdraw(report))
            workflow.withdraw_report(report, user, version, request=request)
            messages.success(request, _("已撤回，可以继续修改后再提交"))
        elif action == "approve":
            scope.require(user.can_approve(report))
            workflow.approve_report(report, user, version, request=request)
            if report.late:
                messages.success(request, _("已审核并报送改革办（逾期报送）"))
            else:
                messages.success(request, _("已审核并报送改革办"))
        elif action == "send_back":
            scope.require(user.can_approve(report))
            workflow.send_back(
                report, user, version, request.POST.get("comment", ""), request=request
            )
            messages.success(request, _("已退回填报人修改"))
        elif action == "accept":
            scope.require(user.can_review(report))
            workflow.accept_report(report, user, version, request=request)
            messages.success(request, _("已审核通过"))
        elif action == "return":
            scope.require(user.can_return(report))
            workflow.return_report(
                report, user, version, request.POST.get("comment", ""), request=request
            )
            messages.success(request, _("已退回单位修改"))
        else:
            return HttpResponse(_("未知操作"), status=400)
    except workflow.Stale as e:
        current = _report_of(task, month)
        errors = {"__all__": [str(e)]}
        return _render_report(request, task, month, current, errors, request.POST, 409)
    except workflow.Invalid as e:
        current = _report_of(task, month)
        return _render_report(
            request, task, month, current, e.errors, request.POST, 400, e.files_stored
        )
    return redirect(reverse("reports:report", args=[task.code, month]))


def _save(request, task, month, report: Report | None, version: int, submit: bool) -> Report:
    """Save the typed report, store the chosen files, and submit if asked and all went in.

    A refused field raises Invalid before anything is written, and the page asks for the
    chosen files again (a browser never re-sends them). A refused file keeps the report a
    draft, so nothing goes to the head without the evidence the reporter meant to attach.
    """
    user = request.user
    with transaction.atomic():  # a first save that is refused leaves no empty report behind
        if report is None:
            report = workflow.start_report(task, month, version)
            version = report.version
        workflow.save_report(
            report,
            user,
            version,
            narrative=request.POST.get("narrative", ""),
            problems=request.POST.get("problems", ""),
            next_steps=request.POST.get("next_steps", ""),
            lines=_lines_from(request, report),
            request=request,
        )
    refused = []
    for upload in request.FILES.getlist("files"):
        try:
            workflow.add_evidence(report, user, upload, request=request)
            messages.success(request, _("已上传 %(name)s") % {"name": upload.name})
        except EvidenceRefused as e:
            refused.append(str(e))
    if refused:
        refused.append(_("草稿已保存；以上文件未上传，请重新选择后保存。"))
        raise workflow.Invalid({"files": refused})
    if submit:
        try:
            workflow.submit_report(report, user, report.version, request=request)
        except workflow.Invalid as e:
            e.files_stored = True  # saved with its files; only the submission was refused
            raise
        messages.success(request, _("已提交，等待单位负责人审核"))
    else:
        messages.success(request, _("草稿已保存"))
    return report


@login_required
@require_GET
def download_evidence(request, pk: int):
    item = scope.get_evidence_for_user(request.user, pk)
    return evidence.download(item)
