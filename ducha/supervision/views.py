"""The 督办 pages: notices (list, draft, issue, answer, accept, return, Word and PDF), the
ladder's proposals, its rules and the interview list.

Each view parses the request, asks the user whether he may (`user.runs(...)` for the office
of the notice's own jurisdiction, `user.can_answer(notice)` for its lead units), calls one
function of supervision.notices or supervision.ladder, and renders. A notice is looked up
through `get_notice_for_user` alone: out of scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.boards.poster import PosterError
from ducha.ledger.models import Task
from ducha.lib import clock, params
from ducha.lib.access import office_required, overseer_required
from ducha.lib.months import format_month
from ducha.reports import evidence, scope
from ducha.reports.evidence import EvidenceRefused
from ducha.supervision import documents, ladder, notices, wording
from ducha.supervision.forms import (
    AcceptForm,
    AnswerForm,
    DismissForm,
    DraftForm,
    NewNoticeForm,
    NewRuleForm,
    ReturnForm,
    RuleForm,
)
from ducha.supervision.models import AnswerFile, Interview, Notice, Proposal

PAGE = 50


def get_notice_for_user(user, pk: int) -> Notice:
    try:
        return (
            Notice.objects.visible_to(user)
            .select_related("task__jurisdiction", "task__leader", "unit", "jurisdiction")
            .get(pk=pk)
        )
    except Notice.DoesNotExist:
        raise Http404("没有这份督办通知，或您无权查看") from None


def _back(notice: Notice):
    return redirect(reverse("supervision:notice", args=[notice.pk]))


def _place(request):
    """The jurisdiction a list shows: the person's own, or one below it he reads (?j=)."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    return jurisdiction, jurisdiction.pk == user.jurisdiction_id


def _query(jurisdiction, own: bool) -> str:
    return "" if own else f"{scope.PARAM}={jurisdiction.slug}"


# Notices -----------------------------------------------------------------------------------


@login_required
@require_GET
def notice_list(request):
    """The notices a person may read, of one jurisdiction, filtered by state or overdue."""
    user = request.user
    jurisdiction, own = _place(request)
    state = params.choice(request.GET, "state", Notice.State.values)
    overdue = params.choice(request.GET, "overdue", ("1",)) == "1"
    today = clock.today()
    found = Notice.objects.visible_to(user).filter(jurisdiction=jurisdiction)
    if state:
        found = found.filter(state=state)
    if overdue:
        found = found.overdue(today)
    found = found.select_related("task", "unit").order_by("-created_at", "-pk")
    page = Paginator(found, PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    return render(
        request,
        "supervision/notice_list.html",
        {
            "page": page,
            "rows": [(n, n.is_overdue(today)) for n in page.object_list],
            "states": Notice.State.choices,
            "state": state,
            "overdue": overdue,
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": _query(jurisdiction, own),
            "can_act": user.runs(jurisdiction.pk),
        },
    )


@office_required
@require_http_methods(["GET", "POST"])
def notice_new(request):
    """A notice written by hand, for a task of the office's own ledger: saved as a draft."""
    user = request.user
    scope.require(user.runs(user.jurisdiction_id))
    initial = {
        "requirements": notices.DEFAULT_REQUIREMENTS,
        "due_on": notices.default_due(),
        "task": request.GET.get("task", "")[:32],
    }
    form = NewNoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = Task.objects.filter(
            jurisdiction=user.jurisdiction, code=data["task"].strip()
        ).first()
        if task is None:
            form.add_error("task", _("本辖区没有这项任务"))
        else:
            try:
                notices.check_due(data["due_on"])
            except notices.NoticeError as e:
                form.add_error("due_on", str(e))
            else:
                notice = notices.draft_notice(
                    task,
                    by=user,
                    request=request,
                    reasons=[{"kind": "by_hand", "text": data["reason"].strip()}],
                    requirements=data["requirements"],
                    due_on=data["due_on"],
                )
                messages.success(request, _("督办通知草稿已保存，请核对后签发"))
                return _back(notice)
    return render(request, "supervision/notice_new.html", {"form": form})


@login_required
@require_GET
def notice_detail(request, pk: int):
    user = request.user
    notice = get_notice_for_user(user, pk)
    can_act = user.runs(notice.jurisdiction_id)
    today = clock.today()
    answers = list(notice.answers.prefetch_related("files").select_related("submitted_by"))
    context = {
        "notice": notice,
        "c": documents.content(notice),
        "reasons": wording.reasons(notice.reason_list()),
        "marks": wording.marks(notice.trigger_list()),
        "answers": answers,
        "overdue": notice.is_overdue(today),
        "can_act": can_act,
        "can_answer": user.can_answer(notice),
        "draft_form": DraftForm(
            initial={"requirements": notice.requirements, "due_on": notice.due_on}
        ),
        "return_form": ReturnForm(),
        "accept_form": AcceptForm(),
        "answer_form": AnswerForm(),
    }
    return render(request, "supervision/notice_detail.html", context)


def _office_step(request, pk: int) -> Notice:
    """The notice, for a step only the office of its own jurisdiction takes."""
    notice = get_notice_for_user(request.user, pk)
    scope.require(request.user.runs(notice.jurisdiction_id))
    return notice


def _refused(request, notice: Notice, error: Exception):
    messages.error(request, str(error))
    return _back(notice)


def _form_errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def notice_edit(request, pk: int):
    notice = _office_step(request, pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return _refused(request, notice, Exception(_form_errors(form)))
    try:
        notices.edit_draft(notice, request.user, request=request, **form.cleaned_data)
    except notices.NoticeError as e:
        return _refused(request, notice, e)
    messages.success(request, _("草稿已保存"))
    return _back(notice)


@login_required
@require_POST
def notice_issue(request, pk: int):
    notice = _office_step(request, pk)
    try:
        notice = notices.issue(notice, request.user, request=request)
    except notices.NoticeError as e:
        return _refused(request, notice, e)
    messages.success(request, _("已签发：%(number)s") % {"number": notice.document_number})
    return _back(notice)


@login_required
@require_POST
def notice_accept(request, pk: int):
    notice = _office_step(request, pk)
    form = AcceptForm(request.POST)
    if not form.is_valid():  # refused, never carried out without what was typed
        return _refused(request, notice, Exception(_form_errors(form)))
    try:
        notices.accept(notice, request.user, form.cleaned_data["comment"], request=request)
    except notices.NoticeError as e:
        return _refused(request, notice, e)
    messages.success(request, _("整改反馈已通过，督办事项办结"))
    return _back(notice)


@login_required
@require_POST
def notice_return(request, pk: int):
    notice = _office_step(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _refused(request, notice, Exception(_form_errors(form)))
    try:
        notices.send_back(
            notice,
            request.user,
            form.cleaned_data["comment"],
            form.cleaned_data["due_on"],
            request=request,
        )
    except notices.NoticeError as e:
        return _refused(request, notice, e)
    messages.success(request, _("整改反馈已退回单位"))
    return _back(notice)


@login_required
@require_POST
def notice_answer(request, pk: int):
    """The lead unit's 整改反馈, with its evidence files."""
    notice = get_notice_for_user(request.user, pk)
    scope.require(request.user.can_answer(notice))
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, notice, Exception(_form_errors(form)))
    try:
        notices.answer(
            notice,
            request.user,
            form.cleaned_data["text"],
            request.FILES.getlist("files"),
            request=request,
        )
    except (notices.NoticeError, EvidenceRefused) as e:
        return _refused(request, notice, e)
    messages.success(request, _("整改反馈已报送，等待改革办审核"))
    return _back(notice)


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def notice_docx(request, pk: int):
    notice = get_notice_for_user(request.user, pk)
    return _download(
        documents.docx_bytes(notice), documents.DOCX, documents.filename(notice, "docx")
    )


@login_required
@require_GET
def notice_pdf(request, pk: int):
    notice = get_notice_for_user(request.user, pk)
    try:
        data = documents.pdf_bytes(notice)
    except PosterError as e:
        return HttpResponse(str(e), status=503, content_type="text/plain; charset=utf-8")
    return _download(data, "application/pdf", documents.filename(notice, "pdf"))


@login_required
@require_GET
def answer_file(request, pk: int):
    """A file of an answer, for whoever may read its notice."""
    item = (
        AnswerFile.objects.filter(answer__notice__in=Notice.objects.visible_to(request.user))
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("没有这个文件，或您无权下载")
    return evidence.download(item)


# The ladder --------------------------------------------------------------------------------


@overseer_required
@require_GET
def proposals(request):
    """The ladder's proposals of one jurisdiction: the pending ones first, with their rules'
    reasons and the marks behind them; the office confirms or dismisses each."""
    user = request.user
    jurisdiction, own = _place(request)
    state = params.choice(request.GET, "state", Proposal.State.values, Proposal.State.PENDING)
    month = params.month(request.GET)
    found = Proposal.objects.filter(jurisdiction=jurisdiction, state=state)
    if month:
        found = found.filter(month=month)
    found = found.select_related("task", "unit", "notice").order_by("-month", "task__code", "step")
    page = Paginator(found, PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    rows = [
        {
            "p": p,
            "reasons": wording.reasons(p.reason_list()),
            "marks": wording.marks(p.trigger_list()),
            "notice": getattr(p, "notice", None),
        }
        for p in page.object_list
    ]
    return render(
        request,
        "supervision/proposals.html",
        {
            "page": page,
            "rows": rows,
            "states": Proposal.State.choices,
            "state": state,
            "month": month,
            "month_text": format_month(month) if month else "",
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": _query(jurisdiction, own),
            "can_act": user.runs(jurisdiction.pk),
            "dismiss_form": DismissForm(),
        },
    )


def _proposal_for_office(request, pk: int) -> Proposal:
    proposal = Proposal.objects.filter(pk=pk).select_related("task").first()
    if proposal is None or not request.user.reads_in(proposal.jurisdiction_id):
        raise Http404("没有这条问责建议")
    scope.require(request.user.runs(proposal.jurisdiction_id))
    return proposal


def _to_proposals(proposal: Proposal):
    return redirect(f"{reverse('supervision:proposals')}?month={format_month(proposal.month)}")


@office_required
@require_POST
def proposal_confirm(request, pk: int):
    proposal = _proposal_for_office(request, pk)
    try:
        proposal = ladder.confirm(proposal, request.user, request=request)
    except ladder.LadderError as e:
        messages.error(request, str(e))
        return _to_proposals(proposal)
    if hasattr(proposal, "notice"):
        messages.success(request, _("已确认，督办通知草稿已生成，请核对后签发"))
        return _back(proposal.notice)
    messages.success(request, _("已确认：%(step)s") % {"step": proposal.get_step_display()})
    return _to_proposals(proposal)


@office_required
@require_POST
def proposal_dismiss(request, pk: int):
    proposal = _proposal_for_office(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():  # refused, never carried out without what was typed
        messages.error(request, _form_errors(form))
        return _to_proposals(proposal)
    try:
        ladder.dismiss(proposal, request.user, form.cleaned_data["note"], request=request)
    except ladder.LadderError as e:
        messages.error(request, str(e))
        return _to_proposals(proposal)
    messages.success(request, _("已不予采纳"))
    return _to_proposals(proposal)


@overseer_required
@require_http_methods(["GET", "POST"])
def rules(request):
    """The jurisdiction's ladder: each rung's condition, step, deduction and switch. The
    office of the jurisdiction changes them; the defaults show until it does."""
    user = request.user
    jurisdiction, own = _place(request)
    can_act = user.runs(jurisdiction.pk)
    new_form = NewRuleForm(initial={"active": True, "deduction": 0})
    if request.method == "POST":
        scope.require(can_act)
        key = request.POST.get("key", "")
        if key:
            # A rung is named by what it is (the defaults shown have no row until saved).
            rule = next(
                (r for r in ladder.ensure_rules(jurisdiction) if ladder.key(r) == key), None
            )
            if rule is None:
                raise Http404("没有这条规则")
            form = RuleForm(request.POST, instance=rule)
        else:
            form = new_form = NewRuleForm(request.POST)
        if form.is_valid():
            try:
                instance = form.save(commit=False)
                instance.jurisdiction = jurisdiction
                changes = {f: getattr(instance, f) for f in form.Meta.fields}
                ladder.save_rule(instance, user, request=request, **changes)
            except ladder.LadderError as e:
                messages.error(request, str(e))
            else:
                messages.success(request, _("问责规则已保存"))
                return redirect(reverse("supervision:rules"))
        else:
            messages.error(request, _form_errors(form))
    shown = ladder.rules_of(jurisdiction)
    return render(
        request,
        "supervision/rules.html",
        {
            "rules": [(r, ladder.key(r), ladder.describe(r), RuleForm(instance=r)) for r in shown],
            "stored": any(r.pk for r in shown),
            "new_form": new_form,
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": _query(jurisdiction, own),
            "can_act": can_act,
        },
    )


@overseer_required
@require_GET
def interviews(request):
    """The 约谈 list: the leaders and tasks the office confirmed for an interview."""
    jurisdiction, own = _place(request)
    found = (
        Interview.objects.filter(jurisdiction=jurisdiction)
        .select_related("leader", "task", "unit", "proposal")
        .order_by("-month", "leader__order", "leader__name", "task__code")
    )
    page = Paginator(found, PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    rows = [(i, wording.reasons(i.proposal.reason_list())) for i in page.object_list]
    return render(
        request,
        "supervision/interviews.html",
        {
            "page": page,
            "rows": rows,
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": _query(jurisdiction, own),
        },
    )
