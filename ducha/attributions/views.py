"""延误归因 pages: the lead unit's claim form, the inbox of claims (a unit's in and out, the
office's whole jurisdiction), one claim with its answer and decision forms, its files, and
the cooperating units' accountability table.

Each view parses the request, asks the user whether he may (`user.can_claim_delay(task)`,
`user.can_answer_attribution(a)`, `user.can_decide_attribution(a)`), calls one function of
attributions.workflow, and renders. An attribution is looked up through
`get_attribution_for_user` alone: out of scope is a 404. A refused form is shown again with
everything typed in it (files excepted: a browser never sends them again).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.attributions import workflow
from ducha.attributions.forms import AnswerForm, ClaimForm, DecideForm
from ducha.attributions.models import Attribution, AttributionFile
from ducha.boards.publication import posted
from ducha.ledger.models import Task
from ducha.lib import params
from ducha.lib.months import format_month
from ducha.ratings.display import shown
from ducha.ratings.monthly import rate_month
from ducha.reports import evidence, scope
from ducha.reports.evidence import EvidenceRefused

PAGE = 50
State = Attribution.State


def get_attribution_for_user(user, pk: int) -> Attribution:
    try:
        return (
            Attribution.objects.visible_to(user)
            .select_related(
                "task__jurisdiction", "node", "unit", "claimant", "jurisdiction", "override"
            )
            .select_related("claimed_by", "answered_by", "decided_by")
            .get(pk=pk)
        )
    except Attribution.DoesNotExist:
        raise Http404("没有这项延误归因，或您无权查看") from None


def _back(a: Attribution):
    return redirect(reverse("attributions:detail", args=[a.pk]))


def _place(request):
    """The jurisdiction a list shows: the person's own, or one below it he reads (?j=)."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    return jurisdiction, jurisdiction.pk == user.jurisdiction_id


# The inbox ---------------------------------------------------------------------------------


@login_required
@require_GET
def attribution_list(request):
    """The claims a person may read in one jurisdiction, newest first, filtered by state:
    a unit's members see those their unit made (or leads) and those it received."""
    user = request.user
    jurisdiction, own = _place(request)
    state = params.choice(request.GET, "state", State.values)
    found = Attribution.objects.visible_to(user).filter(jurisdiction=jurisdiction)
    if state:
        found = found.filter(state=state)
    found = found.select_related("task", "node", "claimant", "unit").order_by("-claimed_at", "-pk")
    page = Paginator(found, PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    rows = [
        (a, user.is_unit_member and a.unit_id == user.unit_id and own) for a in page.object_list
    ]
    return render(
        request,
        "attributions/list.html",
        {
            "page": page,
            "rows": rows,
            "states": State.choices,
            "state": state,
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": "" if own else f"{scope.PARAM}={jurisdiction.slug}",
        },
    )


# The accountability view --------------------------------------------------------------------


@login_required
@require_GET
def units(request):
    """Per cooperating unit: claims received, accepted, rejected, pending. The office, the
    auditor and the leaders read every unit of the jurisdiction; a unit reads its own."""
    user = request.user
    if not (user.reads_numbers or user.is_unit_member):
        raise PermissionDenied
    if user.reads_numbers:
        jurisdiction, own = _place(request)
    else:
        jurisdiction, own = user.jurisdiction, True
    year = params.number(request.GET, "year", least=1)
    if year is not None and year > 9998:
        raise params.BadParameter("year", _("%(year)s 不是可用的年份") % {"year": year})
    found = Attribution.objects.filter(jurisdiction=jurisdiction)
    if not user.reads_numbers:
        found = found.filter(unit_id=user.unit_id)
    if year is not None:
        found = found.filter(month__gte=dt.date(year, 1, 1), month__lt=dt.date(year + 1, 1, 1))
    table = list(
        found.values("unit_id", "unit__name")
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=Q(state=State.ACCEPTED)),
            rejected=Count("pk", filter=Q(state=State.REJECTED)),
            pending=Count("pk", filter=Q(state__in=Attribution.OPEN)),
            agreed=Count("pk", filter=Q(stance=Attribution.Stance.AGREES)),
        )
        .order_by("-accepted", "-received", "unit__name")
    )
    return render(
        request,
        "attributions/units.html",
        {
            "table": table,
            "year": year,
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": "" if own else f"{scope.PARAM}={jurisdiction.slug}",
        },
    )


# The claim ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, code: str, month: dt.date):
    """The lead unit's claim on a node of its task for a report month (from the report
    page: ?node=<id> preselects the node)."""
    user = request.user
    task = scope.get_task_for_user(user, code)
    scope.require(user.can_claim_delay(task))
    nodes = list(task.nodes.all())
    co_units = workflow.co_units(task)
    asked = params.number(request.GET, "node")
    initial = {"node": asked} if any(n.pk == asked for n in nodes) else {}
    form = ClaimForm(request.POST or None, nodes=nodes, units=co_units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            node = next(n for n in nodes if n.pk == data["node"])
            unit = next(u for u in co_units if u.pk == data["unit"])
            try:
                a = workflow.claim(
                    task,
                    user,
                    node=node,
                    unit=unit,
                    month=month,
                    reason=data["reason"],
                    uploads=request.FILES.getlist("files"),
                    request=request,
                )
            except (workflow.AttributionError, EvidenceRefused) as e:
                form.add_error(None, str(e))
            else:
                messages.success(
                    request, _("延误归因已提交，等待%(unit)s回复") % {"unit": unit.name}
                )
                return _back(a)
        status = 400
    context = {
        "task": task,
        "month": month,
        "month_text": format_month(month),
        "form": form,
        "has_co_units": bool(co_units),
        "files_not_uploaded": [f.name for f in request.FILES.getlist("files")],
    }
    return render(request, "attributions/new.html", context, status=status)


# One claim ----------------------------------------------------------------------------------


def _board_state(a: Attribution) -> str:
    """Where an accepted attribution's override stands against the month's board: on it,
    waiting for its publication, or waiting for a correction (勘误) of a published one."""
    if a.state != State.ACCEPTED or a.override is None:
        return ""
    board = posted(a.month, jurisdiction=a.task.jurisdiction)
    if board is None:
        return "pending"
    row = next((t for t in board["tasks"] if t["task"] == a.task.code), None)
    if row and row["override"] and row["override"]["reason"] == a.override.reason:
        return "published"
    return "correction"


def _detail(request, a: Attribution, answer_form=None, decide_form=None, status=200):
    user = request.user
    can_decide = user.can_decide_attribution(a)
    if decide_form is None and can_decide:
        rated = next(iter(rate_month(a.month, Task.objects.filter(pk=a.task_id))), None)
        computed = rated.computed if rated else None
        decide_form = DecideForm(initial={"rating": computed or ""})
    files = list(a.files.select_related("uploaded_by"))
    context = {
        "a": a,
        "claim_files": [f for f in files if f.side == AttributionFile.Side.CLAIM],
        "answer_files": [f for f in files if f.side == AttributionFile.Side.ANSWER],
        "can_answer": user.can_answer_attribution(a),
        "can_decide": can_decide,
        "answer_form": answer_form or AnswerForm(),
        "decide_form": decide_form,
        "rating_mark": shown(a.rating) if a.rating else None,
        "board_state": _board_state(a),
        "month_text": format_month(a.month),
        "files_not_uploaded": (
            [f.name for f in request.FILES.getlist("files")] if status != 200 else []
        ),
    }
    return render(request, "attributions/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk: int):
    return _detail(request, get_attribution_for_user(request.user, pk))


@login_required
@require_POST
def answer(request, pk: int):
    """The cooperating unit's answer: agreeing or disputing, with its reasons and files."""
    a = get_attribution_for_user(request.user, pk)
    scope.require(request.user.can_answer_attribution(a))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            workflow.answer(
                a,
                request.user,
                stance=form.cleaned_data["stance"],
                text=form.cleaned_data["text"],
                uploads=request.FILES.getlist("files"),
                request=request,
            )
        except (workflow.AttributionError, EvidenceRefused) as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("回复已报送，等待改革办认定"))
            return _back(a)
    return _detail(request, a, answer_form=form, status=400)


@login_required
@require_POST
def decide(request, pk: int):
    """The office accepts (setting the month's rating) or rejects, with its reasons."""
    a = get_attribution_for_user(request.user, pk)
    scope.require(request.user.can_decide_attribution(a))
    form = DecideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == DecideForm.ACCEPT:
                done = workflow.accept(
                    a,
                    request.user,
                    rating=data["rating"],
                    decision=data["decision"],
                    request=request,
                )
            else:
                done = workflow.reject(a, request.user, decision=data["decision"], request=request)
        except workflow.AttributionError as e:
            form.add_error(None, str(e))
        else:
            if done.attribution.state == State.REJECTED:
                messages.success(request, _("已不予认定，评价不变"))
            elif done.needs_correction:
                messages.warning(
                    request,
                    _(
                        "已认定并调整评价。该月公示已经发布：调整需由改革办发布勘误后才在公示中体现。"
                    ),
                )
            else:
                messages.success(request, _("已认定并调整评价，将随该月公示发布"))
            return _back(a)
    return _detail(request, a, decide_form=form, status=400)


@login_required
@require_GET
def attribution_file(request, pk: int):
    """A file of a claim or of its answer, for whoever may read the attribution."""
    item = (
        AttributionFile.objects.filter(attribution__in=Attribution.objects.visible_to(request.user))
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("没有这个文件，或您无权下载")
    return evidence.download(item)
