"""交办事项 pages: the list (filtered, and as a workbook), the office's form, one item with its
history and the actions this person may take, and its files.

Each view parses the request, asks the user whether he may (`user.can_assign`,
`can_sign_for`, `can_answer_assignment`, `can_close_assignment`), calls one function of
assignments.workflow, and renders. An item is looked up through `get_assignment_for_user`
alone: out of scope is a 404. The right person at the wrong moment (an item already signed
for, an answer already reviewed) gets a 409 with the page, anyone else a 403.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ducha.assignments import urgency, workflow
from ducha.assignments.forms import AnswerForm, AssignForm, ReviewForm
from ducha.assignments.models import Assignment, AssignmentFile, Step
from ducha.ledger.models import Task
from ducha.lib import clock, params
from ducha.lib.xlsx import A4, CONTENT_TYPE, print_setup, title_row, write_table
from ducha.org.models import Leader, Unit
from ducha.reports import evidence, scope
from ducha.reports.evidence import EvidenceRefused

PAGE = 50
State = Assignment.State


def get_assignment_for_user(user, pk: int) -> Assignment:
    try:
        return (
            Assignment.objects.visible_to(user)
            .select_related("jurisdiction", "unit", "leader", "task", "issued_by")
            .get(pk=pk)
        )
    except Assignment.DoesNotExist:
        raise Http404("没有这项交办事项，或您无权查看") from None


def _reader(user) -> None:
    """The list is for the office, the auditor, the units and the city leaders."""
    if not (user.sees_everything or user.is_unit_member or user.is_city_leader):
        raise PermissionDenied


# The list --------------------------------------------------------------------------------


def _found(request):
    """The items the person reads in the jurisdiction asked (his own by default), filtered
    by ?state, ?unit, ?urgency, ?kind; and what the page needs to say so."""
    user = request.user
    _reader(user)
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    own = jurisdiction.pk == user.jurisdiction_id
    asked = {
        "state": params.choice(request.GET, "state", State.values),
        "urgency": params.choice(request.GET, "urgency", urgency.GRADES),
        "kind": params.choice(request.GET, "kind", Assignment.Kind.values),
        "unit": params.number(request.GET, "unit", least=1),
    }
    found = Assignment.objects.visible_to(user).filter(jurisdiction=jurisdiction)
    if asked["state"]:
        found = found.filter(state=asked["state"])
    if asked["urgency"]:
        found = found.graded(asked["urgency"])
    if asked["kind"]:
        found = found.filter(kind=asked["kind"])
    if asked["unit"]:
        found = found.filter(unit_id=asked["unit"])
    found = found.select_related("unit", "leader").order_by("-year", "-number")
    return found, jurisdiction, own, asked


def _query(asked: dict, jurisdiction, own: bool) -> str:
    pairs = [(k, v) for k, v in asked.items() if v]
    if not own:
        pairs.append((scope.PARAM, jurisdiction.slug))
    return "&".join(f"{k}={v}" for k, v in pairs)


@login_required
@require_GET
def assignment_list(request):
    user = request.user
    found, jurisdiction, own, asked = _found(request)
    page = Paginator(found, PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    today = clock.today()
    rows = [(item, item.urgency(today), item.days_left(today)) for item in page.object_list]
    units = Unit.objects.filter(jurisdiction=jurisdiction) if user.sees_everything else []
    query = _query(asked, jurisdiction, own)
    return render(
        request,
        "assignments/list.html",
        {
            "page": page,
            "rows": rows,
            "asked": asked,
            "states": State.choices,
            "kinds": Assignment.Kind.choices,
            "grades": [(g, urgency.LABELS[g]) for g in urgency.GRADES],
            "units": units,
            "jurisdiction": jurisdiction,
            "own": own,
            "can_assign": user.can_assign(jurisdiction.pk),
            "query": query,
            "j_query": query,
        },
    )


COLUMNS = [
    ("编号", 18),
    ("类别", 10),
    ("交办事项", 36),
    ("批示领导或来源", 22),
    ("承办单位", 22),
    ("办理时限", 12),
    ("状态", 14),
    ("时限预警", 10),
    ("交办日期", 12),
    ("办结日期", 12),
]


@login_required
@require_GET
def export(request):
    """The list as filtered, as a workbook."""
    found, jurisdiction, _own, _asked = _found(request)
    today = clock.today()
    rows = [
        [
            item.document_number,
            item.get_kind_display(),
            item.title,
            " ".join(x for x in (item.leader.name if item.leader else "", item.origin) if x),
            item.unit.name,
            item.deadline.isoformat(),
            item.get_state_display(),
            str(urgency.LABELS[item.urgency(today)]),
            clock.local(item.issued_at).date().isoformat(),
            item.closed_on.isoformat() if item.closed_on else "",
        ]
        for item in found
    ]
    title = f"{jurisdiction.name}交办事项清单（{today:%Y-%m-%d}）"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "交办事项"
    title_row(sheet, 1, title, len(COLUMNS))
    write_table(sheet, 2, COLUMNS, rows)
    print_setup(sheet, paper=A4, landscape=True, repeat_rows="2:2", heading=title)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    name = f"assignments-{jurisdiction.slug}-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# The office's form ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    user = request.user
    jurisdiction = user.jurisdiction
    scope.require(user.can_assign(jurisdiction.pk))
    form = AssignForm(
        request.POST or None,
        units=Unit.objects.filter(jurisdiction=jurisdiction, is_active=True),
        leaders=Leader.objects.filter(jurisdiction=jurisdiction),
        tasks=Task.objects.filter(jurisdiction=jurisdiction),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = workflow.assign(
                    jurisdiction=jurisdiction,
                    kind=data["kind"],
                    title=data["title"],
                    instruction=data["instruction"],
                    unit=Unit.objects.get(pk=data["unit"]),
                    deadline=data["deadline"],
                    by=user,
                    leader=Leader.objects.get(pk=data["leader"]) if data["leader"] else None,
                    origin=data["origin"],
                    task=data["task"],
                    request=request,
                )
            except workflow.AssignmentError as e:
                form.add_error(None, str(e))
            else:
                messages.success(
                    request,
                    _("已交办：%(number)s，等待%(unit)s签收")
                    % {"number": item.document_number, "unit": item.unit.name},
                )
                return redirect(reverse("assignments:detail", args=[item.pk]))
        status = 400
    return render(request, "assignments/new.html", {"form": form}, status=status)


# One item -------------------------------------------------------------------------------------


def _detail(request, item: Assignment, answer_form=None, review_form=None, status=200):
    user = request.user
    steps = list(item.steps.select_related("by").prefetch_related("files"))
    today = clock.today()
    can_review = user.can_close_assignment(item)
    context = {
        "item": item,
        "steps": steps,
        "grade": item.urgency(today),
        "days_left": item.days_left(today),
        "can_sign": user.can_sign_for(item),
        "can_answer": user.can_answer_assignment(item),
        "can_review": can_review,
        "answer_form": answer_form or AnswerForm(),
        "review_form": review_form or (ReviewForm() if can_review else None),
        "returned": [s for s in steps if s.action == Step.Action.RETURNED],
        "files_not_uploaded": (
            [f.name for f in request.FILES.getlist("files")] if status != 200 else []
        ),
    }
    return render(request, "assignments/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk: int):
    return _detail(request, get_assignment_for_user(request.user, pk))


def _refuse(request, item: Assignment, right_person: bool):
    """Not his to do (403), or his but not now (409, the page saying why)."""
    if not right_person:
        raise PermissionDenied(_("您没有权限进行此操作"))
    messages.error(
        request,
        _("这项交办事项当前的状态不能进行这一步（%(state)s）")
        % {"state": item.get_state_display()},
    )
    return _detail(request, item, status=409)


def _back(item: Assignment):
    return redirect(reverse("assignments:detail", args=[item.pk]))


@login_required
@require_POST
def sign(request, pk: int):
    item = get_assignment_for_user(request.user, pk)
    if not request.user.can_sign_for(item):
        return _refuse(request, item, request.user.in_assigned_unit(item))
    try:
        workflow.sign(item, request.user, request=request)
    except workflow.AssignmentError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已签收，请按时办理并反馈"))
    return _back(item)


@login_required
@require_POST
def answer(request, pk: int):
    """The unit reports back, with its words and files."""
    item = get_assignment_for_user(request.user, pk)
    if not request.user.can_answer_assignment(item):
        return _refuse(request, item, request.user.in_assigned_unit(item))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            workflow.answer(
                item,
                request.user,
                text=form.cleaned_data["text"],
                uploads=request.FILES.getlist("files"),
                request=request,
            )
        except (workflow.AssignmentError, EvidenceRefused) as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("办理情况已反馈，等待改革办审核"))
            return _back(item)
    return _detail(request, item, answer_form=form, status=400)


@login_required
@require_POST
def review(request, pk: int):
    """The office closes the item (办结销号) or returns it with its reasons."""
    item = get_assignment_for_user(request.user, pk)
    if not request.user.can_close_assignment(item):
        return _refuse(request, item, request.user.runs(item.jurisdiction_id))
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == ReviewForm.CLOSE:
                workflow.close(item, request.user, comment=data["comment"], request=request)
            else:
                workflow.send_back(item, request.user, comment=data["comment"], request=request)
        except workflow.AssignmentError as e:
            form.add_error(None, str(e))
        else:
            if data["outcome"] == ReviewForm.CLOSE:
                messages.success(request, _("已办结销号"))
            else:
                messages.success(request, _("已退回重办"))
            return _back(item)
    return _detail(request, item, review_form=form, status=400)


@login_required
@require_GET
def assignment_file(request, pk: int):
    """A file of an answer, for whoever may read the item."""
    item = (
        AssignmentFile.objects.filter(
            step__assignment__in=Assignment.objects.visible_to(request.user)
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("没有这个文件，或您无权下载")
    return evidence.download(item)
