"""改革试点 pages: the public register (filters, counts, pages, its workbook) and a pilot's
public page, both cached whole for anonymous visitors; the office's register of its
jurisdiction with the evaluation deadlines, its forms and the status steps.

Each office view asks `user.keeps_registers(pilot.jurisdiction_id)` before a write and calls
one function of pilots.workflow; a pilot is looked up through `get_pilot_for_user` alone
(out of the person's scope: 404)."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ducha.lib import clock, params
from ducha.lib.access import office_required, overseer_required
from ducha.lib.pagecache import cached_page
from ducha.lib.xlsx import A4, CONTENT_TYPE, print_setup, title_row, write_table
from ducha.org.models import Area, Jurisdiction, Unit
from ducha.pilots import workflow
from ducha.pilots.forms import PilotForm, PracticeForm, StepForm
from ducha.pilots.models import Pilot, Practice, evaluation_near, evaluation_past
from ducha.reports import scope

PAGE = 30
OFFICE_PAGE = 50
Level, Status = Pilot.Level, Pilot.Status


# The public register -----------------------------------------------------------------------

VERSION = """
SELECT (SELECT COUNT(*) FROM pilots_pilot), (SELECT MAX(updated_at) FROM pilots_pilot),
       (SELECT COUNT(*) FROM pilots_practice), (SELECT MAX(updated_at) FROM pilots_practice)"""


def register_version(request, kwargs) -> str:
    """What the public pages show moves with it: the pilots' and the practices' counts and
    newest change stamps (a pilot's stamp moves when its tasks or practices change)."""
    with connection.cursor() as cursor:  # raw: this runs on every public request
        cursor.execute(VERSION)
        row = ":".join(str(v) for v in cursor.fetchone())
    return hashlib.sha256(row.encode()).hexdigest()[:32]  # a cache key has no spaces


def _filters(query) -> dict:
    """The register's filters, read strictly (a bad value is a 400 naming it)."""
    areas = list(Area.objects.all())
    places = list(Jurisdiction.objects.filter(pk__in=Pilot.objects.values("jurisdiction_id")))
    text = query.get("q", "").strip()[:100]
    return {
        "level": params.choice(query, "level", Level.values),
        "status": params.choice(query, "status", Status.values),
        "area": params.choice(query, "area", [a.key for a in areas]),
        "unit": params.number(query, "unit", least=1),
        "j": params.choice(query, "j", [j.slug for j in places]),
        "q": text,
        "areas": areas,
        "places": places,
    }


def _scoped(f: dict):
    """Every filter but the level and the status: what the counts are taken over."""
    found = Pilot.objects.all()
    if f["j"]:
        found = found.filter(jurisdiction__slug=f["j"])
    if f["area"]:
        found = found.filter(area__key=f["area"])
    if f["unit"]:
        found = found.filter(lead_unit_id=f["unit"])
    if f["q"]:
        found = found.search(f["q"])
    return found


def _filtered(f: dict):
    found = _scoped(f)
    if f["level"]:
        found = found.filter(level=f["level"])
    if f["status"]:
        found = found.filter(status=f["status"])
    return found


def _query(f: dict, **change) -> str:
    """The filters as a query string, with `change` applied (a count's link)."""
    kept = {k: f[k] for k in ("level", "status", "area", "unit", "j", "q") if f[k]} | change
    return urlencode({k: v for k, v in kept.items() if v})


def _tally(found, field: str, choices, f: dict) -> list[dict]:
    counts = dict(found.values_list(field).annotate(n=Count("pk")).order_by())
    return [
        {
            "key": key,
            "label": label,
            "n": counts.get(key, 0),
            "on": f[field] == key,
            "query": _query(f, **{field: "" if f[field] == key else key}),
        }
        for key, label in choices
    ]


@require_GET
@cached_page(register_version)
def register(request):
    f = _filters(request.GET)
    scoped = _scoped(f)
    levels = _tally(
        scoped.filter(status=f["status"]) if f["status"] else scoped, "level", Level.choices, f
    )
    statuses = _tally(
        scoped.filter(level=f["level"]) if f["level"] else scoped, "status", Status.choices, f
    )
    rows = _filtered(f).select_related("lead_unit", "area", "jurisdiction")
    page = Paginator(rows.order_by(*Pilot._meta.ordering), PAGE).get_page(
        params.number(request.GET, "page", 1, least=1)
    )
    units = Unit.objects.filter(pk__in=Pilot.objects.values("lead_unit_id")).order_by(
        "jurisdiction__order", "order", "name"
    )
    query = _query(f)
    return render(
        request,
        "pilots/register.html",
        {
            "f": f,
            "levels": levels,
            "statuses": statuses,
            "page": page,
            "units": units,
            "j_query": query,  # kept by the page links (supervision/_pages.html)
            "query": query,
            "filtered": bool(query),
        },
    )


@require_GET
def export(request):
    """The (filtered) register as a workbook."""
    f = _filters(request.GET)
    found = (
        _filtered(f)
        .select_related("lead_unit", "area", "jurisdiction")
        .prefetch_related("tasks", "practices")
        .order_by(*Pilot._meta.ordering)
    )
    columns = [
        ("序号", 6),
        ("试点名称", 36),
        ("层级", 8),
        ("领域", 9),
        ("批准单位", 16),
        ("批复文号", 18),
        ("批复日期", 12),
        ("牵头单位", 16),
        ("关联改革任务", 16),
        ("状态", 10),
        ("评估期限", 12),
        ("评估日期", 12),
        ("可复制推广经验", 30),
    ]
    rows = [
        (
            i,
            p.title,
            p.get_level_display(),
            p.area.name if p.area else "",
            p.approving_body,
            p.approval_number,
            p.approved_on.isoformat(),
            p.lead_unit.name,
            "、".join(t.code for t in p.tasks.all()),
            p.get_status_display(),
            p.evaluation_due.isoformat() if p.evaluation_due else "",
            p.evaluated_on.isoformat() if p.evaluated_on else "",
            "\n".join(x.title for x in p.practices.all()),
        )
        for i, p in enumerate(found, 1)
    ]
    title = f"改革试点名录（{clock.today().isoformat()}）"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "改革试点"
    title_row(sheet, 1, title, len(columns))
    write_table(sheet, 2, columns, rows)
    print_setup(sheet, paper=A4, landscape=True, repeat_rows="2:2", heading=title)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="pilots.xlsx"'
    return response


def _task_url(task) -> str:
    if task.jurisdiction.home:
        return f"/tasks/{task.code}/"
    return f"/j/{task.jurisdiction.slug}/tasks/{task.code}/"


@require_GET
@cached_page(register_version)
def detail(request, pk: int):
    pilot = Pilot.objects.select_related("lead_unit", "area", "jurisdiction").filter(pk=pk).first()
    if pilot is None:
        raise Http404("没有这个改革试点")
    tasks = [(t, _task_url(t)) for t in pilot.tasks.select_related("jurisdiction")]
    user = request.user
    return render(
        request,
        "pilots/detail.html",
        {
            "pilot": pilot,
            "tasks": tasks,
            "practices": list(pilot.practices.all()),
            "timeline": pilot.timeline(),
            "keeps": user.is_authenticated and user.keeps_registers(pilot.jurisdiction_id),
        },
    )


# The office --------------------------------------------------------------------------------


def get_pilot_for_user(user, pk: int) -> Pilot:
    """A pilot of a jurisdiction this person reads (the office's and the auditor's pages)."""
    pilot = (
        Pilot.objects.filter(jurisdiction__in=user.jurisdictions_read)
        .select_related("lead_unit", "area", "jurisdiction")
        .filter(pk=pk)
        .first()
    )
    if pilot is None:
        raise Http404("没有这个改革试点，或您无权查看")
    return pilot


def _deadline_filter(found, which: str, today):
    days = settings.DUCHA_PILOT_REMIND_DAYS
    if which == "past":
        return found.evaluation_past(today)
    if which == "near":
        return found.evaluation_near(today, days)
    return found


@overseer_required
@require_GET
def office_list(request):
    """The jurisdiction's pilots, those awaiting evaluation first by their deadline, the
    past and near ones marked."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    today, days = clock.today(), settings.DUCHA_PILOT_REMIND_DAYS
    status = params.choice(request.GET, "status", Status.values)
    deadline = params.choice(request.GET, "deadline", ["near", "past"])
    text = request.GET.get("q", "").strip()[:100]
    mine = Pilot.objects.filter(jurisdiction=jurisdiction)
    tally = mine.aggregate(
        total=Count("pk"),
        past=Count("pk", filter=evaluation_past(today)),
        near=Count("pk", filter=evaluation_near(today, days)),
    )
    found = _deadline_filter(mine, deadline, today)
    if status:
        found = found.filter(status=status)
    if text:
        found = found.search(text)
    found = found.select_related("lead_unit").order_by(
        F("evaluated_on").asc(nulls_first=True), F("evaluation_due").asc(nulls_last=True), "pk"
    )
    page = Paginator(found, OFFICE_PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    own = jurisdiction.pk == user.jurisdiction_id
    kept = {"status": status, "deadline": deadline, "q": text}
    if not own:
        kept[scope.PARAM] = jurisdiction.slug

    return render(
        request,
        "pilots/office_list.html",
        {
            "jurisdiction": jurisdiction,
            "own": own,
            "keeps": user.keeps_registers(jurisdiction.pk),
            "tally": tally,
            "page": page,
            "rows": [(p, p.deadline_state(today, days)) for p in page.object_list],
            "statuses": Status.choices,
            "status": status,
            "deadline": deadline,
            "q": text,
            "days": days,
            "j_query": urlencode({k: v for k, v in kept.items() if v}),
        },
    )


def _office_back(pilot: Pilot):
    return redirect(reverse("pilots:office_detail", args=[pilot.pk]))


@office_required
@require_http_methods(["GET", "POST"])
def office_new(request):
    user = request.user
    scope.require(user.keeps_registers(user.jurisdiction_id))
    pilot = Pilot(jurisdiction_id=user.jurisdiction_id)
    form = PilotForm(request.POST or None, instance=pilot, jurisdiction=user.jurisdiction)
    if request.method == "POST":
        if form.is_valid():
            pilot = workflow.save_pilot(
                Pilot(jurisdiction_id=user.jurisdiction_id),
                user,
                form.cleaned_data,
                form.tasks,
                request=request,
            )
            messages.success(request, _("改革试点已登记"))
            return _office_back(pilot)
        return render(request, "pilots/form.html", {"form": form, "pilot": None}, status=400)
    return render(request, "pilots/form.html", {"form": form, "pilot": None})


@office_required
@require_http_methods(["GET", "POST"])
def office_edit(request, pk: int):
    pilot = get_pilot_for_user(request.user, pk)
    scope.require(request.user.keeps_registers(pilot.jurisdiction_id))
    context = {"pilot": pilot, "heading": pilot.title}  # the form writes its values on pilot
    form = PilotForm(request.POST or None, instance=pilot, jurisdiction=pilot.jurisdiction)
    if request.method == "POST":
        if form.is_valid():
            workflow.save_pilot(pilot, request.user, form.cleaned_data, form.tasks, request=request)
            messages.success(request, _("改革试点已保存"))
            return _office_back(pilot)
        return render(request, "pilots/form.html", context | {"form": form}, status=400)
    return render(request, "pilots/form.html", context | {"form": form})


def _office_detail(request, pilot: Pilot, *, step_form=None, practice_form=None, status=200):
    user = request.user
    today, days = clock.today(), settings.DUCHA_PILOT_REMIND_DAYS
    next_status = pilot.next_status
    if step_form is None:
        step_form = StepForm()
    # What the date field shows: what was typed, else today.
    step_on = step_form.data.get("on", "") if step_form.is_bound else today.isoformat()
    return render(
        request,
        "pilots/office_detail.html",
        {
            "pilot": pilot,
            "deadline": pilot.deadline_state(today, days),
            "tasks": [(t, _task_url(t)) for t in pilot.tasks.select_related("jurisdiction")],
            "practices": list(pilot.practices.all()),
            "timeline": pilot.timeline(),
            "keeps": user.keeps_registers(pilot.jurisdiction_id),
            "next_status": next_status,
            "next_label": Status(next_status).label if next_status else "",
            "previous_label": Status(pilot.previous_status).label if pilot.previous_status else "",
            "step_form": step_form,
            "step_on": step_on,
            "practice_form": practice_form or PracticeForm(),
        },
        status=status,
    )


@overseer_required
@require_GET
def office_detail(request, pk: int):
    return _office_detail(request, get_pilot_for_user(request.user, pk))


@office_required
@require_POST
def office_step(request, pk: int):
    """One status step forward, or the last one undone."""
    pilot = get_pilot_for_user(request.user, pk)
    scope.require(request.user.keeps_registers(pilot.jurisdiction_id))
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = workflow.step(
                pilot,
                request.user,
                data["to"],
                on=data["on"],
                summary=data["summary"],
                request=request,
            )
        except workflow.PilotError as e:
            form.add_error(e.field, str(e))
        else:
            messages.success(
                request, _("试点状态已变更为“%(s)s”") % {"s": moved.get_status_display()}
            )
            return _office_back(pilot)
    return _office_detail(request, pilot, step_form=form, status=400)


@office_required
@require_POST
def practice_add(request, pk: int):
    pilot = get_pilot_for_user(request.user, pk)
    scope.require(request.user.keeps_registers(pilot.jurisdiction_id))
    form = PracticeForm(request.POST, instance=Practice(pilot=pilot))
    if form.is_valid():
        workflow.save_practice(
            Practice(pilot=pilot), request.user, form.cleaned_data, request=request
        )
        messages.success(request, _("可复制推广经验已登记"))
        return _office_back(pilot)
    return _office_detail(request, pilot, practice_form=form, status=400)


@office_required
@require_http_methods(["GET", "POST"])
def practice_edit(request, pk: int):
    practice = (
        Practice.objects.filter(pilot__jurisdiction__in=request.user.jurisdictions_read)
        .select_related("pilot__jurisdiction")
        .filter(pk=pk)
        .first()
    )
    if practice is None:
        raise Http404("没有这条经验，或您无权查看")
    pilot = practice.pilot
    scope.require(request.user.keeps_registers(pilot.jurisdiction_id))
    heading = practice.title  # the bound form writes its values on practice
    form = PracticeForm(request.POST or None, instance=practice)
    if request.method == "POST":
        if form.is_valid():
            workflow.save_practice(practice, request.user, form.cleaned_data, request=request)
            messages.success(request, _("可复制推广经验已保存"))
            return _office_back(pilot)
        status = 400
    else:
        status = 200
    return render(
        request,
        "pilots/practice_form.html",
        {"form": form, "pilot": pilot, "heading": heading},
        status=status,
    )
