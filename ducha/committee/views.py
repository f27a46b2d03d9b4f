"""深改委 pages: the year's meetings and figures, one meeting, the office's meeting form, the
track form of a decision, and a meeting's files.

Who reads is `user.reads_committee(jurisdiction_id)` (the office, the auditor, the leaders);
who writes is `user.keeps_registers(jurisdiction_id)` (the office of the meeting's own
jurisdiction). Anyone else is refused (403) before any meeting is looked up; a meeting out of
the reader's scope is a 404 (`get_meeting_for_user`). A refused form is shown again, status
400, with everything typed in it (files excepted: a browser never sends them again).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ducha.committee import workflow
from ducha.committee.forms import (
    AssignForm,
    FollowUpForm,
    MeetingForms,
    NewTaskForm,
    NodeRows,
)
from ducha.committee.models import (
    AgendaItem,
    Decision,
    Meeting,
    MeetingDocument,
    committee_name,
)
from ducha.committee.yearly import figures
from ducha.ledger.models import Task
from ducha.lib import clock, params
from ducha.org.models import Area, Leader, Unit
from ducha.reports import evidence, scope
from ducha.reports.evidence import EvidenceRefused

Kind = AgendaItem.Kind


def _readers_only(user) -> None:
    """The committee's pages are for those who read their own jurisdiction's (403 else)."""
    scope.require(user.reads_committee(user.jurisdiction_id))


def get_meeting_for_user(user, pk: int) -> Meeting:
    try:
        return (
            Meeting.objects.visible_to(user)
            .select_related("jurisdiction", "presided_by")
            .get(pk=pk)
        )
    except Meeting.DoesNotExist:
        raise Http404("没有这次会议，或您无权查看") from None


def get_decision_for_user(user, pk: int) -> Decision:
    meetings = Meeting.objects.visible_to(user)
    try:
        return (
            Decision.objects.filter(meeting__in=meetings)
            .select_related("meeting__jurisdiction", "agenda_item__unit")
            .get(pk=pk)
        )
    except Decision.DoesNotExist:
        raise Http404("没有这项决定，或您无权查看") from None


def _task_url(task: Task) -> str:
    j = task.jurisdiction
    return f"/tasks/{task.code}/" if j.home else f"/j/{j.slug}/tasks/{task.code}/"


# The year -----------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """The year's meetings with their counts, and the year's figures (?year=, ?j=)."""
    user = request.user
    _readers_only(user)
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    own = jurisdiction.pk == user.jurisdiction_id
    year = params.number(request.GET, "year", least=1)
    if year is not None and year > 9998:
        raise params.BadParameter("year", _("%(year)s 不是可用的年份") % {"year": year})
    this_year = clock.today().year
    held = set(Meeting.objects.filter(jurisdiction=jurisdiction).values_list("year", flat=True))
    if year is None:
        year = this_year if this_year in held or not held else max(held)
    meetings = (
        Meeting.objects.of_year(jurisdiction, year)
        .select_related("presided_by")
        .annotate(
            plans=Count("agenda", filter=Q(agenda__kind=Kind.PLAN), distinct=True),
            reports=Count("agenda", filter=Q(agenda__kind=Kind.REPORT), distinct=True),
            studies=Count("agenda", filter=Q(agenda__kind=Kind.STUDY), distinct=True),
            decided=Count("decisions", distinct=True),
        )
        .order_by("number")
    )
    return render(
        request,
        "committee/index.html",
        {
            "jurisdiction": jurisdiction,
            "committee": committee_name(jurisdiction),
            "year": year,
            "years": sorted(held | {this_year, year}, reverse=True),
            "meetings": meetings,
            "figures": figures(year, jurisdiction),
            "can_write": user.keeps_registers(jurisdiction.pk),
            "j_query": "" if own else f"{scope.PARAM}={jurisdiction.slug}",
        },
    )


# One meeting --------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_detail(request, pk: int):
    user = request.user
    _readers_only(user)
    meeting = get_meeting_for_user(user, pk)
    decisions = list(
        meeting.decisions.select_related(
            "agenda_item", "task__jurisdiction", "assignment", "tracked_by"
        )
    )
    for d in decisions:
        d.task_url = _task_url(d.task) if d.task_id else ""
    return render(
        request,
        "committee/meeting.html",
        {
            "meeting": meeting,
            "committee": committee_name(meeting.jurisdiction),
            "agenda": list(meeting.agenda.select_related("unit")),
            "attendance": list(meeting.attendance.all()),
            "documents": list(meeting.documents.select_related("agenda_item")),
            "decisions": decisions,
            "can_write": user.keeps_registers(meeting.jurisdiction_id),
        },
    )


def _people(jurisdiction_id: int):
    leaders = list(Leader.objects.filter(jurisdiction_id=jurisdiction_id))
    units = list(Unit.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True))
    return leaders, units


def _meeting_form(request, meeting: Meeting | None):
    """New (meeting None) or correcting one: the form, and on POST the save."""
    user = request.user
    jurisdiction = meeting.jurisdiction if meeting is not None else user.jurisdiction
    scope.require(user.keeps_registers(jurisdiction.pk))
    leaders, units = _people(jurisdiction.pk)
    initial = None
    if meeting is None:
        today = clock.today()
        initial = {"number": workflow.next_number(jurisdiction, today.year), "held_on": today}
    post = request.POST if request.method == "POST" else None
    forms = MeetingForms(post, meeting=meeting, leaders=leaders, units=units, initial=initial)
    uploads = request.FILES.getlist("files")
    status = 200
    if request.method == "POST":
        upload_agenda = drop = None
        try:
            upload_agenda = params.number(request.POST, "upload_agenda", least=1)
            drop = [
                int(v) for v in request.POST.getlist("drop_file") if v.isascii() and v.isdigit()
            ]
        except params.BadParameter as e:
            forms.add_error("", e.message)
        if drop is not None and forms.is_valid():
            try:
                saved = workflow.save_meeting(
                    meeting,
                    user,
                    forms.data(upload_agenda=upload_agenda, drop_files=drop),
                    jurisdiction=jurisdiction,
                    uploads=uploads,
                    request=request,
                )
            except workflow.CommitteeError as e:
                forms.add_error(e.field, e.message)
            except EvidenceRefused as e:
                forms.add_error("", str(e))
            else:
                messages.success(request, _("会议已保存：%(title)s") % {"title": saved.title})
                return redirect(reverse("committee:meeting", args=[saved.pk]))
        status = 400
    context = {
        "meeting": meeting,
        "committee": committee_name(jurisdiction),
        "forms": forms,
        "documents": list(meeting.documents.all()) if meeting is not None else [],
        "tracked": [d for d in meeting.decisions.all() if d.is_tracked] if meeting else [],
        "files_not_uploaded": [f.name for f in uploads] if status != 200 else [],
        "upload_agenda": request.POST.get("upload_agenda", "") if post else "",
    }
    return render(request, "committee/meeting_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    _readers_only(request.user)
    return _meeting_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    _readers_only(request.user)
    return _meeting_form(request, get_meeting_for_user(request.user, pk))


@login_required
@require_GET
def document(request, pk: int):
    """A meeting's file, for whoever reads the meeting."""
    _readers_only(request.user)
    found = MeetingDocument.objects.filter(meeting__in=Meeting.objects.visible_to(request.user))
    item = found.filter(pk=pk).first()
    if item is None:
        raise Http404("没有这个文件，或您无权下载")
    return evidence.download(item)


# Tracking a decision --------------------------------------------------------------------------

NEW_TASK, FOLLOW_UP, ASSIGNMENT = Decision.Tracking.values


def _track_forms(decision: Decision, post=None, how: str = ""):
    """The three forms of the page, the one posted bound to what was typed."""
    meeting = decision.meeting
    jid = meeting.jurisdiction_id
    leaders, units = _people(jid)
    unit = decision.agenda_item.unit_id if decision.agenda_item else None
    text = " ".join(decision.text.split())
    new = NewTaskForm(
        post if how == NEW_TASK else None,
        areas=list(Area.objects.all()),
        leaders=leaders,
        units=units,
        initial={
            "title": text[:300],
            "lead_unit": unit,
            "source": Task.Source.CITY,
            "plan_year": max(meeting.year, clock.today().year),
        },
    )
    nodes = NodeRows(post if how == NEW_TASK else None, prefix="nodes")
    follow = FollowUpForm(post if how == FOLLOW_UP else None)
    assign = AssignForm(
        post if how == ASSIGNMENT else None,
        units=units,
        initial={"title": text[:200], "instruction": decision.text, "unit": unit},
    )
    return {"new": new, "nodes": nodes, "follow": follow, "assign": assign}


def _track(request, decision: Decision, forms: dict, how: str):
    """Track the decision as the posted form says: the task or item made, or None (the
    forms then carry the errors)."""
    user = request.user
    jurisdiction = decision.meeting.jurisdiction
    try:
        if how == NEW_TASK:
            new, nodes = forms["new"], forms["nodes"]
            valid = new.is_valid()
            valid = nodes.is_valid() and valid
            if not valid:
                return None
            rows = [f.row() for f in nodes if f.has_changed()]
            return workflow.track_new_task(
                decision,
                user,
                code=new.cleaned_data["code"],
                title=new.cleaned_data["title"],
                area=new.picked("area"),
                source=new.cleaned_data["source"],
                leader=new.picked("leader"),
                lead_unit=new.picked("lead_unit"),
                plan_year=new.cleaned_data["plan_year"],
                requirements=new.cleaned_data["requirements"],
                nodes=rows,
                request=request,
            )
        if how == FOLLOW_UP:
            follow = forms["follow"]
            if not follow.is_valid():
                return None
            code = follow.cleaned_data["task"].strip()
            task = Task.objects.filter(jurisdiction=jurisdiction, code=code).first()
            if task is None:
                follow.add_error("task", _("台账中没有编号为 %(code)s 的任务") % {"code": code})
                return None
            return workflow.track_follow_up(decision, user, task=task, request=request)
        assign = forms["assign"]
        if not assign.is_valid():
            return None
        data = assign.cleaned_data
        return workflow.track_assignment(
            decision,
            user,
            title=data["title"],
            instruction=data["instruction"],
            unit=assign.units.get(data["unit"]),
            deadline=data["deadline"],
            request=request,
        )
    except workflow.CommitteeError as e:
        _refused(forms, how, e)
        return None


def _refused(forms: dict, how: str, e: workflow.CommitteeError) -> None:
    form = {NEW_TASK: forms["new"], FOLLOW_UP: forms["follow"]}.get(how, forms["assign"])
    if e.field == "nodes":
        forms["nodes"]._non_form_errors.append(e.message)
    elif e.field in form.fields:
        form.add_error(e.field, e.message)
    else:
        form.add_error(None, e.message)


@login_required
@require_http_methods(["GET", "POST"])
def track(request, pk: int):
    """A decision becomes a new ledger task, a follow-up on a task, or a 交办事项."""
    user = request.user
    _readers_only(user)
    decision = get_decision_for_user(user, pk)
    scope.require(user.keeps_registers(decision.meeting.jurisdiction_id))
    if decision.is_tracked:
        messages.info(request, _("这项决定已转办，不能重复转办"))
        return redirect(reverse("committee:meeting", args=[decision.meeting_id]))
    how = ""
    if request.method == "POST":
        how = params.choice(request.POST, "how", Decision.Tracking.values)
    forms = _track_forms(decision, request.POST if how else None, how)
    status = 200
    if request.method == "POST":
        if how and _track(request, decision, forms, how) is not None:
            decision.refresh_from_db(fields=["tracking"])
            messages.success(
                request,
                _("决定已转办：%(how)s") % {"how": decision.get_tracking_display()},
            )
            return redirect(reverse("committee:meeting", args=[decision.meeting_id]))
        status = 400
    return render(
        request,
        "committee/track.html",
        {
            "decision": decision,
            "meeting": decision.meeting,
            "committee": committee_name(decision.meeting.jurisdiction),
            "how": how,
            **forms,
        },
        status=status,
    )
