"""/api/v1/ for a token's integration: its unit's reports (read), saving and submitting them
and adding their evidence (report).

The token acts through its account, the unit's reporter (ducha.api.tokens), so every
lookup and rule is the web's: `scope.get_task_for_user`, `Report.objects.visible_to`,
`user.can_edit(report)`, and each write is one of `ducha.reports.workflow`'s functions, as
the report page (`ducha/reports/views.py` `_act`, `_save`) calls them. The answers differ
only in shape: what the page shows again with a message is a problem here (RFC 9457,
ducha.api.problems) — 403 not allowed, 404 not found or not the unit's, 409 changed since
the `version` sent (or moved on: submitted, approved), 400 refused by the rules, with
`errors` naming each field (`narrative`, `lines.<node code>.<field>`, `file`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db import transaction
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ducha.api import etags
from ducha.api.auth import TokenAuth
from ducha.api.models import ApiToken
from ducha.api.pagination import Page, Paging, page
from ducha.api.problems import ApiProblem, Problem
from ducha.ledger.models import Progress, Task
from ducha.lib import clock
from ducha.lib.months import format_month, parse_month
from ducha.reports import evidence, scope, workflow
from ducha.reports.evidence import EvidenceRefused
from ducha.reports.models import Report, ReportLine

router = Router(tags=["integration"], auth=TokenAuth())
WRITE = TokenAuth(report=True)

# A month in a path, as everywhere in Ducha: YYYY-MM.
Month = Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2021-07"])]
# A task's code as the ledger stores it, and a row's id as the database can hold it.
Code = Annotated[str, Path(pattern=r"^[^\x00/]{1,32}$", examples=["T-1"])]
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Text as a database column takes it (PostgreSQL refuses the NUL character).
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
# A node's code as the ledger stores it; a pattern also makes pydantic refuse a lone
# surrogate ("\ud800" in JSON), which no answer naming the node could encode.
NodeCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[^\x00]+$")]
PROBLEMS = {status: Problem for status in (401, 403, 404, 422, 429)}


# --- shapes ------------------------------------------------------------------------------


class Named(Schema):
    name: str
    short_name: str = ""


class JurisdictionRef(Schema):
    slug: str
    name: str


class Me(Schema):
    name: str
    prefix: str
    scope: ApiToken.Scope
    unit: Named
    jurisdiction: JurisdictionRef


class ReportSummary(Schema):
    task: str
    task_title: str
    month: str
    status: Report.Status
    version: int
    late: bool
    updated_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    reviewed_at: dt.datetime | None = None


class LineOut(Schema):
    node: str
    node_id: int
    title: str
    due: str
    status: Progress.Status
    percent: int | None = None
    done_on: dt.date | None = None
    note: str = ""


class EvidenceOut(Schema):
    id: int
    name: str
    kind: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str


class ReportOut(ReportSummary):
    saved: bool
    can_save: bool
    narrative: str = ""
    problems: str = ""
    next_steps: str = ""
    comment: str = ""
    lines: list[LineOut]
    evidence: list[EvidenceOut]


class LineIn(Schema):
    node: NodeCode
    status: Progress.Status
    percent: int | None = Field(None, ge=0, le=100)
    done_on: dt.date | None = None
    note: Text = ""


class ReportIn(Schema):
    version: int = Field(ge=0, le=2**31 - 1)  # the one last read; 0: never saved
    narrative: Text = ""
    problems: Text = ""
    next_steps: Text = ""
    lines: list[LineIn] = []
    submit: bool = False


# --- lookups -----------------------------------------------------------------------------


def _month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError as e:
        raise ApiProblem(422, _("月份有误"), errors={"month": [str(e)]}) from None


def _task_and_report(request, code: str, month: str) -> tuple[Task, dt.date, Report | None]:
    """The unit's task (404 otherwise, as on the web) and its saved report of the month, if
    any, holding the task as loaded (its rules ask no more queries)."""
    when = _month(month)
    task = scope.get_task_for_user(request.auth, code)
    report = Report.objects.filter(task=task, month=when).first()
    if report is not None:
        report.task = task
    return task, when, report


def _summary(report: Report) -> dict:
    return {
        "task": report.task.code,
        "task_title": report.task.title,
        "month": format_month(report.month),
        "status": report.status,
        "version": report.version,
        "late": report.late,
        "updated_at": report.updated_at,
        "submitted_at": report.submitted_at,
        "approved_at": report.approved_at,
        "reviewed_at": report.reviewed_at,
    }


def _line(line: ReportLine) -> dict:
    return {
        "node": line.node.code,
        "node_id": line.node_id,
        "title": line.node.title,
        "due": format_month(line.node.due_month),
        "status": line.status,
        "percent": line.percent,
        "done_on": line.done_on,
        "note": line.note,
    }


def _evidence(item) -> dict:
    return {
        "id": item.pk,
        "name": item.original_name,
        "kind": item.kind,
        "size": item.size,
        "sha256": item.sha256,
        "uploaded_at": item.uploaded_at,
        "url": reverse("api-v1:evidence", args=[item.pk]),
    }


def _detail(request, task: Task, month: dt.date, report: Report | None) -> dict:
    """The report as the report page shows it; before the unit's first save, the lines it
    would start from (when the unit may start it), version 0."""
    user, token = request.auth, request.api_token
    subject = report if report is not None else Report(task=task, month=month)
    if report is not None:
        lines = list(report.lines.select_related("node"))
        summary = _summary(report)
        texts = {f: getattr(report, f) for f in ("narrative", "problems", "next_steps", "comment")}
        files = [_evidence(e) for e in report.evidence.all()]
    else:
        lines = workflow.prefill_lines(task, month) if user.can_edit(subject) else []
        summary = _summary(subject) | {"version": 0, "updated_at": None}
        texts, files = {}, []
    return (
        summary
        | texts
        | {
            "saved": report is not None,
            "can_save": token.may_report and user.can_edit(subject),
            "lines": [_line(line) for line in lines],
            "evidence": files,
        }
    )


# --- routes ------------------------------------------------------------------------------


@router.get("/me", response={200: Me, **PROBLEMS}, summary="The token's unit and scope")
def me(request):
    token = request.api_token
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "unit": {"name": token.unit.name, "short_name": token.unit.short_name},
        "jurisdiction": {"slug": token.jurisdiction.slug, "name": token.jurisdiction.name},
    }


class ReportPage(Page):
    items: list[ReportSummary]


class ReportFilter(Schema):
    month: str | None = None
    status: Report.Status | None = None


@router.get("/reports", response={200: ReportPage, **PROBLEMS}, summary="The unit's reports")
def reports(request, filters: Query[ReportFilter], paging: Query[Paging]):
    """Every report on the tasks the unit leads, newest month first (`month`: YYYY-MM)."""
    rows = Report.objects.visible_to(request.auth).select_related("task")
    if filters.month:
        rows = rows.filter(month=_month(filters.month))
    if filters.status:
        rows = rows.filter(status=filters.status)
    return page(request, rows.order_by("-month", "task__code", "pk"), paging, _summary)


@router.get(
    "/reports/{code}/{month}",
    response={200: ReportOut, **PROBLEMS},
    summary="One report with its lines and evidence",
)
def report(request, code: Code, month: Month):
    return _detail(request, *_task_and_report(request, code, month))


@router.put(
    "/reports/{code}/{month}",
    auth=WRITE,
    response={200: ReportOut, **PROBLEMS, 400: Problem, 409: Problem},
    summary="Save the report (and submit it to the unit head)",
)
def save(request, code: Code, month: Month, data: ReportIn):
    """What the report page's 保存 and 提交 do. `version` is the one last read (0: the
    report was never saved); lines not sent keep what they hold."""
    task, when, report = _task_and_report(request, code, month)
    user = request.auth
    subject = report if report is not None else Report(task=task, month=when)
    if report is not None and not report.editable and user.can_edit(Report(task=task, month=when)):
        # The unit's own report moved on (submitted, approved) since it was read.
        raise _conflict(report)
    if not user.can_edit(subject):
        raise ApiProblem(403, _("您无权填报这项任务"))
    try:
        with transaction.atomic():  # a refused first save leaves no empty report behind
            if report is None:
                report = workflow.start_report(task, when, data.version)
                version = report.version
            else:
                version = data.version
            codes = {line.node.code: line.node_id for line in report.lines.select_related("node")}
            workflow.save_report(
                report,
                user,
                version,
                narrative=data.narrative,
                problems=data.problems,
                next_steps=data.next_steps,
                lines=_lines(data.lines, codes),
                request=request,
            )
        if data.submit:
            try:
                workflow.submit_report(report, user, report.version, request=request)
            except workflow.Invalid as e:
                raise _refused(e, codes, _("草稿已保存，但未能提交：")) from None
    except workflow.Stale:
        raise _conflict(Report.objects.filter(task=task, month=when).first()) from None
    except workflow.Invalid as e:
        raise _refused(e, codes) from None
    report.task = task
    return _detail(request, task, when, report)


def _lines(given: list[LineIn], codes: dict[str, int]) -> dict[int, workflow.LineInput]:
    """The lines sent, by node code: a node the report does not ask about is refused."""
    lines, errors = {}, {}
    for line in given:
        node_id = codes.get(line.node)
        if node_id is None:
            message = _("节点 %(code)s 不在这份报送中") % {"code": line.node}
            errors.setdefault(f"lines.{line.node}.node", []).append(message)
            continue
        lines[node_id] = workflow.LineInput(line.status, line.percent, line.done_on, line.note)
    if errors:
        raise ApiProblem(400, _("报送内容有误"), errors=errors)
    return lines


def _conflict(current: Report | None) -> ApiProblem:
    """409: the report is not the version the request was based on (the web's stale save,
    in words for a program: read it again)."""
    if current is None:
        return ApiProblem(409, _("这份报送还没有保存过：第一次保存时 version 应为 0"))
    message = _(
        "这份报送已于 %(time)s 被修改（现为第 %(version)s 版，状态：%(status)s）："
        "请重新读取后再操作"
    ) % {
        "time": clock.local(current.updated_at).strftime("%Y-%m-%d %H:%M"),
        "version": current.version,
        "status": current.get_status_display(),
    }
    return ApiProblem(409, message)


def _refused(e: workflow.Invalid, codes: dict[str, int], lead: str = "") -> ApiProblem:
    """The workflow's refusal, its fields named as the API names them: the form's
    `node-<id>-<field>` becomes `lines.<node code>.<field>`."""
    by_id = {str(node_id): code for code, node_id in codes.items()}
    errors: dict[str, list[str]] = {}
    for key, messages in e.errors.items():
        if key.startswith("node-"):
            node_id, _dash, field = key.removeprefix("node-").partition("-")
            key = f"lines.{by_id.get(node_id, node_id)}.{field}"
        errors.setdefault(key, []).extend(messages)
    return ApiProblem(400, lead + str(e), errors=errors)


@router.post(
    "/reports/{code}/{month}/evidence",
    auth=WRITE,
    url_name="report_evidence",
    response={201: EvidenceOut, **PROBLEMS, 400: Problem, 409: Problem, 413: Problem},
    summary="Add an evidence file to a saved report",
)
def add_evidence(request, code: Code, month: Month, file: File[UploadedFile]):
    """One file per request (multipart, field `file`), checked by content as on the report
    page; the report must be saved and still a draft (or sent back)."""
    task, when, report = _task_and_report(request, code, month)
    user = request.auth
    if report is None:
        raise ApiProblem(404, _("这份报送还没有保存过：请先保存（PUT）再上传材料"))
    if not report.editable and user.can_edit(Report(task=task, month=when)):
        raise _conflict(report)
    if not user.can_edit(report):
        raise ApiProblem(403, _("您无权填报这项任务"))
    try:
        item = workflow.add_evidence(report, user, file, request=request)
    except EvidenceRefused as e:
        raise ApiProblem(400, str(e), errors={"file": [str(e)]}) from None
    return Status(201, _evidence(item))


@router.get(
    "/evidence/{int:pk}",
    url_name="evidence",
    response=PROBLEMS,
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as uploaded",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
    summary="Download an evidence file",
)
def download(request, pk: Id):
    answer = evidence.download(scope.get_evidence_for_user(request.auth, pk))
    # The unit's file: no shared cache in front (nginx) may keep it for the next caller.
    patch_cache_control(answer, **etags.PRIVATE)
    return answer
