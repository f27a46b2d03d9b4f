"""The monthly cycle in the browser: units report, heads approve, the office reviews,
overrides, publishes; leaders follow their tasks; auditors read everything."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections import Counter, defaultdict
from functools import wraps
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ducha.audit import record
from ducha.boards.models import Hold, Publication
from ducha.boards.publication import PublicationError, hold, publish, release
from ducha.boards.views import cached_parts
from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import ImportFailed, import_ledger, import_progress
from ducha.ledger.models import Progress, Task
from ducha.lib import clock
from ducha.lib.cells import parse_date, parse_percent
from ducha.lib.months import add_months, format_month, format_month_zh, parse_month_or
from ducha.lib.tabular import FileRefused
from ducha.ratings.monthly import override_rating, rate_month
from ducha.ratings.rules import RATING_NAMES
from ducha.reports import scope, workflow
from ducha.reports.evidence import EvidenceRefused, stored_path
from ducha.reports.models import Report

Status = Report.Status


def office_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not scope.is_office(request.user):
            raise PermissionDenied("只有改革办可以进行此操作")
        return view(request, *args, **kwargs)

    return wrapped


def overseer_required(view):
    """Office and auditor: the auditor reads what the office sees, and changes nothing."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not scope.sees_everything(request.user):
            raise PermissionDenied("只有改革办和审计人员可以查看")
        return view(request, *args, **kwargs)

    return wrapped


def _month_param(request, default: dt.date) -> dt.date:
    return parse_month_or(request.GET.get("month") or request.POST.get("month"), default)


# --- units, leaders ---------------------------------------------------------------------


@login_required
@require_GET
def my_tasks(request):
    """What this person has to do or follow this month."""
    user = request.user
    month = _month_param(request, workflow.reporting_month())
    tasks = list(
        scope.visible_tasks(user)
        .select_related("area", "leader", "lead_unit")
        .prefetch_related("nodes")
        .order_by("code")
    )
    reports = {
        r.task_id: r for r in Report.objects.filter(task__in=[t.pk for t in tasks], month=month)
    }
    rows = []
    for task in tasks:
        due = [n for n in task.nodes.all() if n.due_month == month]
        rows.append({"task": task, "report": reports.get(task.pk), "due": due})
    history = (
        _rating_history(tasks)
        if user.role == user.Role.LEADER or scope.sees_everything(user)
        else {}
    )
    for row in rows:
        row["history"] = history.get(row["task"].code, [])
    counts = Counter(r["report"].status if r["report"] else "none" for r in rows)
    return render(
        request,
        "reports/my_tasks.html",
        {
            "month": month,
            "month_zh": format_month_zh(month),
            "deadline": workflow.deadline(month),
            "today": clock.today(),
            "rows": rows,
            "counts": counts,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            **_month_links(month),
        },
    )


def _month_links(month: dt.date) -> dict:
    """Row links built by concatenation: reversing a URL per row costs more than the row."""
    sample = reverse("reports:report", args=["CODE", month])
    return {"report_root": sample.split("CODE/")[0], "month_text": format_month(month)}


def _rating_history(tasks) -> dict[str, list[dict]]:
    """Each task's published ratings over the last twelve published months.

    One query for the publications; the per-board indexes come from the cache the public
    task pages keep under each publication's hash.
    """
    latest: dict[dt.date, dict] = {}
    for meta in Publication.objects.order_by("month", "version").values(
        "pk", "month", "version", "sha256"
    ):
        latest[meta["month"]] = meta
    metas = [latest[m] for m in sorted(latest)[-12:]]
    marks = cached_parts(metas, "marks")
    out: dict[str, list[dict]] = defaultdict(list)
    for task in tasks:
        for meta in metas:
            entry = marks[meta["sha256"]].get(task.code)
            if entry is not None:
                out[task.code].append({"month": meta["month"], "rating": entry[0]})
    return out


# --- one report ---------------------------------------------------------------------------


@login_required
def report(request, code: str, month: dt.date):
    task = scope.get_task_for_user(request.user, code)
    existing = Report.objects.filter(task=task, month=month).first()
    if existing is None and request.user.unit_id == task.lead_unit_id:
        # The lead unit opens its report: a draft prefilled with each node's last state.
        existing = workflow.open_report(task, month)
    if request.method == "POST":
        if existing is None:
            raise PermissionDenied("您无权填报这项任务")
        return _act(request, existing)
    return _render_report(request, task, month, existing)


def _render_report(request, task, month, report, errors=None, status=200):
    lines = []
    if report is not None:
        lines = list(report.lines.select_related("node"))
    user = request.user
    context = {
        "task": task,
        "month": month,
        "month_zh": format_month_zh(month),
        "deadline": workflow.deadline(month),
        "report": report,
        "lines": lines,
        "evidence": list(report.evidence.select_related("uploaded_by")) if report else [],
        "can_edit": report is not None and scope.can_edit(user, report),
        "can_approve": report is not None and scope.can_approve(user, report),
        "can_review": report is not None and scope.can_review(user, report),
        "can_return_accepted": report is not None
        and scope.is_office(user)
        and report.status == Status.ACCEPTED,
        "statuses": Progress.Status.choices,
        "errors": errors or {},
        "max_files": settings.DUCHA_EVIDENCE_MAX_FILES,
        "max_mb": settings.DUCHA_EVIDENCE_MAX_MB,
    }
    return TemplateResponse(request, "reports/report.html", context, status=status)


def _lines_from(request, report) -> dict[int, workflow.LineInput]:
    lines = {}
    errors: dict[str, list[str]] = {}
    for line in report.lines.select_related("node"):
        prefix = f"node-{line.node_id}-"
        status = request.POST.get(prefix + "status", line.status)
        if status not in Progress.Status.values:
            errors.setdefault(line.node.code, []).append("状态无效")
            continue
        percent = done_on = None
        try:
            percent = parse_percent(request.POST.get(prefix + "percent", ""))
        except ValueError as e:
            errors.setdefault(line.node.code, []).append(f"进度：{e}")
        raw_date = request.POST.get(prefix + "done_on", "").strip()
        if raw_date:
            try:
                done_on = parse_date(raw_date)
            except ValueError as e:
                errors.setdefault(line.node.code, []).append(f"完成日期：{e}")
        lines[line.node_id] = workflow.LineInput(
            status, percent, done_on, request.POST.get(prefix + "note", "")
        )
    if errors:
        raise workflow.Invalid(errors)
    return lines


def _act(request, report: Report):
    """Every button on the report page posts here with its `action`."""
    user = request.user
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        if action in ("save", "submit"):
            scope.require(scope.can_edit(user, report))
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
            if action == "submit":
                workflow.submit_report(report, user, report.version, request=request)
                messages.success(request, "已提交，等待单位负责人审核")
            else:
                messages.success(request, "草稿已保存")
        elif action == "approve":
            scope.require(scope.can_approve(user, report))
            workflow.approve_report(report, user, version, request=request)
            note = "（逾期报送）" if report.late else ""
            messages.success(request, f"已审核并报送改革办{note}")
        elif action == "send_back":
            scope.require(scope.can_approve(user, report))
            workflow.send_back(
                report, user, version, request.POST.get("comment", ""), request=request
            )
            messages.success(request, "已退回填报人修改")
        elif action == "accept":
            scope.require(scope.can_review(user, report))
            workflow.accept_report(report, user, version, request=request)
            messages.success(request, "已审核通过")
        elif action == "return":
            scope.require(scope.is_office(user))
            workflow.return_report(
                report, user, version, request.POST.get("comment", ""), request=request
            )
            messages.success(request, "已退回单位修改")
        else:
            return HttpResponse("未知操作", status=400)
    except workflow.Stale as e:
        report.refresh_from_db()
        return _render_report(
            request, report.task, report.month, report, {"__all__": [str(e)]}, 409
        )
    except workflow.Invalid as e:
        report.refresh_from_db()
        return _render_report(request, report.task, report.month, report, e.errors, 400)
    return redirect(_report_url(report))


def _report_url(report: Report) -> str:
    return reverse("reports:report", args=[report.task.code, report.month])


@login_required
@require_POST
def upload_evidence(request, pk: int):
    report = scope.get_report_for_user(request.user, pk)
    scope.require(scope.can_edit(request.user, report))
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, "请选择要上传的文件")
    for upload in files:
        try:
            workflow.add_evidence(report, request.user, upload, request=request)
            messages.success(request, f"已上传 {upload.name}")
        except EvidenceRefused as e:
            messages.error(request, str(e))
    return redirect(_report_url(report))


@login_required
@require_GET
def download_evidence(request, pk: int):
    item = scope.get_evidence_for_user(request.user, pk)
    from ducha.reports.evidence import KINDS

    response = FileResponse(
        stored_path(item.stored_name).open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=KINDS[item.kind][0],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the reform office ---------------------------------------------------------------------


@overseer_required
@require_GET
def office(request):
    """The month at a glance: who has not reported, what waits for review, the preview."""
    month = _month_param(request, workflow.reporting_month())
    tasks = list(
        Task.objects.active()
        .select_related("lead_unit")
        .only("id", "code", "title", "lead_unit__name")
        .order_by("code")
    )
    reports = Report.objects.for_month(month).select_related("unit")
    # Reported = the month has progress rows, whether approved online or imported from Excel.
    reported_ids = set(
        Progress.objects.filter(month=month).values_list("task_id", flat=True).distinct()
    )
    by_unit: dict[str, dict] = {}
    for task in tasks:
        unit = by_unit.setdefault(
            task.lead_unit.name, {"unit": task.lead_unit, "tasks": 0, "reported": 0, "missing": []}
        )
        unit["tasks"] += 1
        if task.pk in reported_ids:
            unit["reported"] += 1
        else:
            unit["missing"].append(task)
    completeness = sorted(by_unit.values(), key=lambda u: (-len(u["missing"]), u["unit"].name))
    queue = list(reports.awaiting_office())
    queue.sort(key=lambda r: r.approved_at or clock.now())
    task_by_id = {t.pk: t for t in tasks}
    for r in queue:
        r.task_obj = task_by_id.get(r.task_id)
    publications = list(Publication.objects.filter(month=month).order_by("version"))
    held = Hold.objects.filter(month=month, released_at__isnull=True).first()
    preview, mix = [], []
    show_all = bool(request.GET.get("all"))
    if month < clock.today().replace(day=1) or request.GET.get("preview"):
        names = {t.code: t for t in tasks}
        if publications:  # what was posted, not a recomputation
            rated = [
                SimpleNamespace(**row)
                for row in json.loads(publications[-1].snapshot)["tasks"]
                if row["task"] in names
            ]
        else:
            rated = [r for r in rate_month(month) if r.task in names]
        mix = _mix(rated)
        # Oxen are the normal case: the office looks at the exceptions unless it asks.
        preview = [
            {"rating": r, "task": names[r.task]}
            for r in rated
            if show_all or r.rating not in ("ox", None) or r.override
        ]
    reported = sum(u["reported"] for u in completeness)
    return render(
        request,
        "reports/office.html",
        {
            "month": month,
            "month_zh": format_month_zh(month),
            "deadline": workflow.deadline(month),
            "completeness": completeness,
            "reported": reported,
            "total": len(tasks),
            "queue": queue,
            "publications": publications,
            "held": held,
            "preview": preview,
            "mix": mix,
            "show_all": show_all,
            "ended": month < clock.today().replace(day=1),
            "can_act": scope.is_office(request.user),
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "rating_choices": [(k, v) for k, v in RATING_NAMES.items()],
            **_month_links(month),
        },
    )


def _mix(ratings) -> list[tuple[str, int]]:
    counts = Counter(r.rating for r in ratings)
    return [(key, counts[key]) for key in RATING_NAMES]


@office_required
def override(request):
    """GET: the override form for one task (a partial for htmx); POST: apply it."""
    month = _month_param(request, workflow.reporting_month())
    code = request.POST.get("task") or request.GET.get("task", "")
    task = scope.get_task_for_user(request.user, code)
    if request.method == "GET":
        template = "reports/override.html#form" if request.htmx else "reports/override.html"
        return render(
            request,
            template,
            {"task": task, "month": month, "rating_choices": list(RATING_NAMES.items())},
        )
    try:
        o = override_rating(
            task,
            month,
            request.POST.get("rating", ""),
            request.POST.get("reason", ""),
            by=request.user,
            request=request,
        )
    except ValueError as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request, f"{task.code} 的评价已调整为{RATING_NAMES.get(o.rating, '系统评价')}"
        )
    return redirect(f"{reverse('reports:office')}?month={format_month(month)}&preview=1#preview")


@office_required
@require_POST
def publication(request):
    month = _month_param(request, workflow.reporting_month())
    action = request.POST.get("action")
    back = f"{reverse('reports:office')}?month={format_month(month)}"
    who = {"by": request.user, "request": request}
    try:
        if action == "publish":
            result = publish(month, now=clock.now(), **who)
            if result.created:
                messages.success(
                    request, f"{format_month_zh(month)}已发布，链头 {result.publication.sha256}"
                )
            else:
                messages.info(request, f"{format_month_zh(month)}已经发布过，未做改动")
        elif action == "correct":
            reason = request.POST.get("reason", "")
            result = publish(month, correction=reason, now=clock.now(), **who)
            messages.success(
                request, f"{format_month_zh(month)}勘误第{result.publication.version}版已发布"
            )
        elif action == "hold":
            hold(month, request.POST.get("reason", ""), **who)
            messages.success(request, f"{format_month_zh(month)}已暂缓自动发布")
        elif action == "release":
            release(month, **who)
            messages.success(request, f"{format_month_zh(month)}已解除暂缓")
        else:
            return HttpResponse("未知操作", status=400)
    except PublicationError as e:
        messages.error(request, str(e))
    return redirect(back)


@office_required
def ledger(request):
    """Import the ledger or progress in the browser, with the CLI's row-level errors."""
    context: dict = {"max_mb": settings.DUCHA_IMPORT_MAX_MB}
    if request.method == "POST":
        kind = request.POST.get("kind")
        upload = request.FILES.get("file")
        function = {"ledger": import_ledger, "progress": import_progress}.get(kind)
        if function is None or upload is None:
            context["failure"] = "请选择导入类型和文件"
        else:
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    summary = function(
                        tmp.name,
                        name=Path(upload.name).name,
                        by=request.user,
                        by_name=request.user.username,
                    )
                except ImportFailed as e:
                    context["failure"] = f"{e.file}：发现 {e.total} 处错误，未导入任何数据"
                    context["errors"] = e.errors
                    context["more"] = e.total - len(e.errors)
                except FileRefused as e:
                    context["failure"] = str(e)
                else:
                    context["summary"] = summary.lines()
        template = "reports/ledger.html#result" if request.htmx else "reports/ledger.html"
        return render(request, template, context, status=400 if "failure" in context else 200)
    return render(request, "reports/ledger.html", context)


@overseer_required
@require_GET
def ledger_export(request):
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        rows = export_ledger(tmp.name)
        data = Path(tmp.name).read_bytes()
    record("exported", actor=request.user, request=request, detail={"what": "ledger", "rows": rows})
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ledger-{clock.today():%Y%m%d}.xlsx"'
    return response
