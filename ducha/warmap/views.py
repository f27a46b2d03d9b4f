"""挂图作战 pages: the public war map (the command posts with their marks, investment and
ranking; a post's chart; a project's months), the responsible unit's monthly report, and
the office's register with its forms and workbook.

The public pages are cached whole for anonymous visitors under `version`: one query over
the counts and newest stamps of everything they show, and today's date (the chart's line
and the default month move with it). Each asks the database a fixed number of times,
whatever the number of projects. A project's month is rated by warmap/rating.py, which is
the ledger's rules (ratings/rules.py) fed with phases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from ducha.lib import clock, months, params
from ducha.lib.access import office_required, overseer_required
from ducha.lib.cells import parse_date, parse_percent
from ducha.lib.dates import month_label
from ducha.lib.months import add_months, first_of, format_month
from ducha.lib.pagecache import cached_page
from ducha.lib.xlsx import A4, CONTENT_TYPE, print_setup, title_row, write_table
from ducha.ratings import rules, scoring
from ducha.ratings.display import MARKS, distribution, shown
from ducha.reports import scope
from ducha.warmap import gantt, rating, workflow
from ducha.warmap.forms import PhaseForm, ProjectForm
from ducha.warmap.models import (
    CommandPost,
    Phase,
    PhaseProgress,
    Project,
    ProjectMonth,
    ServiceTeam,
)

Status = PhaseProgress.Status
ZERO = Decimal(0)
MAX_MONEY = Decimal("999999999999.99")
NOTE_CHARS = 2000
HISTORY_MONTHS = 36  # a project page's months of marks, at most


# What the public pages show, and when it changed --------------------------------------------

_TABLES = [m._meta.db_table for m in (CommandPost, ServiceTeam, Project, Phase)]
_TABLES += [m._meta.db_table for m in (PhaseProgress, ProjectMonth)]
# The table names are our own models': nothing of a request goes into this text.
VERSION = "SELECT " + ", ".join(  # noqa: S608
    f"(SELECT COUNT(*) FROM {t}), (SELECT MAX(updated_at) FROM {t})"  # noqa: S608
    for t in _TABLES
)


def version(request, kwargs) -> str:
    """The counts and newest change stamps of posts, teams, projects, phases and the
    months' reports (one query), and today (the chart's line, the default month). A
    renamed unit or leader shows with the next change, or the next day."""
    with connection.cursor() as cursor:  # raw: this runs on every public request
        cursor.execute(VERSION)
        stamps = ":".join(str(v) for v in cursor.fetchone())
    # Hashed: the page cache's key stays short and plain.
    return hashlib.sha256(f"{clock.today().isoformat()}:{stamps}".encode()).hexdigest()[:32]


def last_ended_month() -> dt.date:
    return add_months(first_of(clock.today()), -1)


def month_asked(request) -> dt.date:
    """?month=YYYY-MM, the last ended month by default; none after the current one."""
    month = params.month(request.GET, default=last_ended_month())
    if month > first_of(clock.today()):
        raise params.BadParameter("month", _("%(month)s 还没有到") % {"month": format_month(month)})
    return month


def _month_nav(month: dt.date) -> dict:
    following = add_months(month, 1)
    return {
        "month": month,
        "month_text": format_month(month),
        "previous": format_month(add_months(month, -1)),
        "next": format_month(following) if following <= first_of(clock.today()) else "",
    }


def _money_by_project(projects_q, month: dt.date) -> dict[int, dict]:
    """{project id: {"year": done from January to `month`, "total": done up to `month`}}."""
    january = month.replace(month=1)
    found = (
        ProjectMonth.objects.filter(project__in=projects_q, month__lte=month)
        .values("project_id")
        .annotate(
            year=Sum("invested", filter=Q(month__gte=january)),
            total=Sum("invested"),
        )
        .order_by()
    )
    return {row["project_id"]: row for row in found}


def _share(done: Decimal, planned: Decimal | None) -> int | None:
    """Done as a whole percentage of planned (None when nothing was planned)."""
    if not planned:
        return None
    return int((done * 100 / planned).to_integral_value())


# The war map -------------------------------------------------------------------------------


@require_GET
@cached_page(version)
def index(request):
    """The home jurisdiction's command posts: their projects' marks for the month, their
    investment planned and done, and their ranking from January to the month."""
    month = month_asked(request)
    home = Q(jurisdiction__home=True)
    posts = list(CommandPost.objects.filter(home).select_related("commander"))
    teams = ServiceTeam.objects.filter(home).count()
    projects_q = Project.objects.filter(home)
    projects = list(projects_q.order_by("code"))
    facts = rating.load(projects, month)
    money = _money_by_project(projects_q, month)
    counted = rating.year_to_date(month)
    names = {p.pk: p.name for p in posts}
    pairs, now = [], {}
    for project in projects:
        f = facts[project.pk]
        for m in counted:
            result = rating.rate(f, m)
            pairs.append((names[project.post_id], result.rating))
            if m == month:
                now[project.pk] = result.rating
    # The unit scores' own rule (SPEC §2): mean points over the rated project-months, ties
    # broken by more horses, then fewer snails, then the name.
    scores = scoring.score(pairs, settings.DUCHA_POINTS)
    ranked = {s.name: s for s in scores}
    rows = []
    for post in posts:
        mine = [p for p in projects if p.post_id == post.pk]
        planned = [p.annual_investment for p in mine if p.plan_year == month.year]
        annual = sum(planned, ZERO) if planned else None  # no plan of that year: none shown
        year_done = sum((money.get(p.pk, {}).get("year") or ZERO for p in mine), ZERO)
        total = sum((p.investment for p in mine), ZERO)
        rows.append(
            {
                "post": post,
                "projects": len(mine),
                "marks": distribution([now[p.pk] for p in mine]),
                "annual": annual,
                "year_done": year_done,
                "share": _share(year_done, annual),
                "investment": total,
                "score": ranked.get(post.name),
            }
        )
    by_name = {r["post"].name: r for r in rows}
    ranking = [by_name[s.name] for s in scores]
    plans = [r["annual"] for r in rows if r["annual"] is not None]
    annual = sum(plans, ZERO) if plans else None
    year_done = sum((r["year_done"] for r in rows), ZERO)
    return render(
        request,
        "warmap/index.html",
        {
            **_month_nav(month),
            "rows": rows,
            "ranking": ranking,
            "unranked": [r for r in rows if r["score"] is None],
            "teams": teams,
            "project_count": len(projects),
            "marks": distribution(now.values()),
            "annual": annual,
            "year_done": year_done,
            "share": _share(year_done, annual),
            "investment": sum((r["investment"] for r in rows), ZERO),
            "points": [(m, settings.DUCHA_POINTS[k]) for k, m in MARKS.items()],
            "first_month": counted[0],
        },
    )


def _phase_states(facts: rules.TaskFacts, month: dt.date) -> dict[str, rules.NodeState]:
    """Each phase as it stood at the end of `month` (the rules' own reading of the rows)."""
    summary = rules.summarize(facts, months.index(month))
    return {s.code: s for s in rules.node_states(summary)}


@require_GET
@cached_page(version)
def post(request, pk: int):
    """A command post's chart: its projects' phases, planned and actual, today's line, and
    each project's mark for the month; the same in a table beside it."""
    month = month_asked(request)
    found = CommandPost.objects.select_related("commander", "jurisdiction").filter(pk=pk).first()
    if found is None:
        raise Http404(_("没有这个作战指挥部"))
    projects = list(found.projects.select_related("unit", "team").order_by("code"))
    phases = list(Phase.objects.filter(project__post=found).order_by("project_id", "order", "code"))
    facts = rating.load(projects, month, phases)
    today = clock.today()
    by_project: dict[int, list[Phase]] = {}
    for phase in phases:
        by_project.setdefault(phase.project_id, []).append(phase)
    rows, bars = [], []
    for project in projects:
        f = facts[project.pk]
        result = rating.rate(f, month)
        states = _phase_states(f, month)
        mine = by_project.get(project.pk, [])
        rows.append(
            {
                "project": project,
                "rating": result.rating,
                "mark": shown(result.rating),
                "reasons": result.reasons,
                "phases": [(ph, states.get(ph.code)) for ph in mine],
            }
        )
        bars.append(
            gantt.ProjectBars(
                project.pk,
                project.code,
                project.name,
                result.rating,
                tuple(
                    gantt.PhaseBar(
                        ph.code,
                        ph.title,
                        ph.planned_start,
                        ph.planned_end,
                        ph.actual_start,
                        ph.actual_end,
                    )
                    for ph in mine
                ),
            )
        )
    chart = gantt.chart(bars, today, month)
    return render(
        request,
        "warmap/post.html",
        {
            **_month_nav(month),
            "post": found,
            "rows": rows,
            "chart": chart,
            "today": today,
            "marks": distribution(r["rating"] for r in rows),
        },
    )


@require_GET
@cached_page(version)
def project(request, pk: int):
    """A project: its phases as they stood at the month's end, and its months' marks with
    their reasons, newest first."""
    month = month_asked(request)
    found = (
        Project.objects.select_related("post", "team", "unit", "post__commander")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("没有这个重点项目"))
    phases = list(found.phases.all())
    facts = rating.load([found], month, phases)[found.pk]
    money = {m.month: m for m in found.months.filter(month__lte=month)}
    start = rules.start_month(facts.nodes, facts.start)
    history = []
    if start is not None:
        first = max(months.index(month) - HISTORY_MONTHS + 1, start)
        for n in range(months.index(month), first - 1, -1):
            m = months.from_index(n)
            result = rating.rate(facts, m)
            history.append(
                {
                    "month": m,
                    "mark": shown(result.rating),
                    "reasons": result.reasons,
                    "report": money.get(m),
                }
            )
    states = _phase_states(facts, month)
    january = month.replace(month=1)
    return render(
        request,
        "warmap/project.html",
        {
            **_month_nav(month),
            "project": found,
            "phases": [(ph, states.get(ph.code)) for ph in phases],
            "history": history,
            "year_done": sum((m.invested for d, m in money.items() if d >= january), ZERO),
            "total_done": sum((m.invested for m in money.values()), ZERO),
            "can_report": request.user.is_authenticated and request.user.can_report_project(found),
        },
    )


# The responsible unit's report ----------------------------------------------------------------


def _get_project(pk: int) -> Project:
    found = Project.objects.select_related("jurisdiction", "post", "unit").filter(pk=pk).first()
    if found is None:
        raise Http404(_("没有这个重点项目"))
    return found


LINE_FIELDS = ("status", "percent", "done_on", "note")
FIELD_LABELS = {
    "status": gettext_lazy("状态"),
    "percent": gettext_lazy("进度"),
    "done_on": gettext_lazy("完成日期"),
    "note": gettext_lazy("说明"),
}


def _typed(request, phases: list[Phase], month: dt.date):
    """The lines and the month's figures as typed; every unreadable value is an error
    named by its field."""
    post = request.POST
    errors: dict[str, list[str]] = {}
    lines = {}
    for phase in phases:
        name = partial(workflow.field, phase.pk)
        status = post.get(name("status"), "")
        if status not in Status.values:
            errors[name("status")] = [_("请选择状态")]
            continue
        percent = done_on = None
        try:
            # 已完成 is 100% (SPEC §2): a figure left over in the box from last month is moot.
            if status != Status.DONE:
                percent = parse_percent(post.get(name("percent"), ""))
        except ValueError as e:
            errors[name("percent")] = [str(e)]
        raw = post.get(name("done_on"), "").strip()
        if raw:
            try:
                done_on = parse_date(raw)
            except ValueError as e:
                errors[name("done_on")] = [str(e)]
        note = post.get(name("note"), "")
        if len(note) > NOTE_CHARS:
            errors[name("note")] = [_("最多 %(n)s 个字") % {"n": NOTE_CHARS}]
        lines[phase.pk] = workflow.PhaseInput(status, percent, done_on, note)
    invested = ZERO
    raw = post.get("invested", "").strip().replace(",", "")
    if raw:
        try:
            invested = Decimal(raw)
            if not invested.is_finite() or abs(invested) > MAX_MONEY:
                raise InvalidOperation
            invested = invested.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors["invested"] = [_("请填写金额（万元），例如 1200 或 35.5")]
    note = post.get("note", "")
    if len(note) > NOTE_CHARS:
        errors["note"] = [_("最多 %(n)s 个字") % {"n": NOTE_CHARS}]
    if errors:
        # What could be read is checked too: every problem is shown at once.
        checked = workflow.problems({p.pk: p for p in phases}, month, lines, invested)
        for key, messages_ in checked.items():
            errors.setdefault(key, messages_)
        raise workflow.Invalid(errors)
    return lines, invested, note


@login_required
@require_http_methods(["GET", "POST"])
def report(request, pk: int):
    """The responsible unit reports a month of its project (?month=, the last ended month
    by default): each open phase's state, and the month's investment done."""
    found = _get_project(pk)
    scope.require(request.user.can_report_project(found))
    month = params.month(request.GET, default=last_ended_month())
    if not workflow.reportable(month):
        raise params.BadParameter(
            "month", _("%(month)s 还没有到，不能报送") % {"month": format_month(month)}
        )
    phases, done = workflow.open_phases(found, month)
    if request.method == "POST":
        try:
            lines, invested, note = _typed(request, phases, month)
            workflow.report_month(
                found,
                request.user,
                month,
                lines=lines,
                invested=invested,
                note=note,
                request=request,
            )
        except workflow.Invalid as e:
            return _report_page(request, found, month, phases, done, e.errors, status=400)
        messages.success(request, _("%(month)s 的项目进展已保存") % {"month": month_label(month)})
        return redirect(f"{reverse('warmap:report', args=[found.pk])}?month={format_month(month)}")
    return _report_page(request, found, month, phases, done)


def _report_page(request, project, month, phases, done, errors=None, status=200):
    posted = request.POST if errors is not None else None
    errors = errors or {}
    start = workflow.prefill(project, month, phases)
    saved = ProjectMonth.objects.filter(project=project, month=month).first()

    def value(name, stored):
        return posted.get(name, "") if posted is not None else stored

    rows, names = [], {}
    for phase in phases:
        line = start[phase.pk]
        stored = {
            "status": line.status,
            "percent": "" if line.percent is None else str(line.percent),
            "done_on": line.done_on.isoformat() if line.done_on else "",
            "note": line.note,
        }
        fields = {}
        for f in LINE_FIELDS:
            name = workflow.field(phase.pk, f)
            fields[f] = {"name": name, "value": value(name, stored[f]), "errors": errors.get(name)}
            names[name] = f"{phase.code} · {FIELD_LABELS[f]}"
        rows.append({"phase": phase, "fields": fields})
    names |= {"invested": _("本月完成投资"), "note": _("本月情况")}
    figures = {
        "invested": {
            "value": value("invested", str(saved.invested) if saved else ""),
            "errors": errors.get("invested"),
        },
        "note": {"value": value("note", saved.note if saved else ""), "errors": errors.get("note")},
    }
    summary = [
        {"field": names.get(key, ""), "anchor": key if key in names else "", "text": message}
        for key, texts in errors.items()
        for message in texts
    ]
    phases_done = [(ph, done[ph.pk]) for ph in project.phases.all() if ph.pk in done]
    return render(
        request,
        "warmap/report.html",
        {
            **_month_nav(month),
            "project": project,
            "rows": rows,
            "figures": figures,
            "finished": phases_done,
            "saved": saved,
            "error_summary": summary,
            "statuses": Status.choices,
            "next": format_month(add_months(month, 1))
            if workflow.reportable(add_months(month, 1))
            else "",
        },
        status=status,
    )


# The office ---------------------------------------------------------------------------------


def _office_projects(user):
    return Project.objects.filter(jurisdiction_id=user.jurisdiction_id)


@overseer_required
@require_GET
def office(request):
    """The office's register: posts, teams, projects, and the month's unreported projects."""
    user = request.user
    month = month_asked(request)
    j = user.jurisdiction_id
    posts = list(
        CommandPost.objects.filter(jurisdiction_id=j)
        .select_related("commander")
        .annotate(n=Count("projects"))
    )
    teams = list(
        ServiceTeam.objects.filter(jurisdiction_id=j)
        .select_related("lead_unit")
        .annotate(n=Count("projects"))
    )
    projects = list(_office_projects(user).select_related("post", "unit", "team"))
    facts = rating.load(projects, month)
    rows = []
    for p in projects:
        f = facts[p.pk]
        rows.append(
            {
                "project": p,
                "expected": rating.expected(f, month),
                "reported": rating.reported(f, month),
                "mark": shown(rating.rate(f, month).rating),
            }
        )
    return render(
        request,
        "warmap/office.html",
        {
            **_month_nav(month),
            "posts": posts,
            "teams": teams,
            "rows": rows,
            "missing": [r for r in rows if r["expected"] and not r["reported"]],
            "keeps": user.keeps_registers(j),
        },
    )


def _get_office_project(user, pk: int) -> Project:
    found = Project.objects.filter(jurisdiction__in=user.jurisdictions_read, pk=pk).first()
    if found is None:
        raise Http404(_("没有这个重点项目，或您无权查看"))
    return found


def _changed(form) -> list[str]:
    return [name for name in form.changed_data if name in form.fields]


@office_required
@require_http_methods(["GET", "POST"])
def project_new(request):
    return _project_form(request, Project())


@office_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    return _project_form(request, _get_office_project(request.user, pk))


def _project_form(request, instance: Project):
    user = request.user
    j = instance.jurisdiction_id if instance.pk else user.jurisdiction_id
    scope.require(user.keeps_registers(j))
    form = ProjectForm(request.POST or None, instance=instance, jurisdiction_id=j)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = workflow.save_project(
                form.save(commit=False), user, fields=_changed(form), request=request
            )
            messages.success(request, _("重点项目 %(code)s 已保存") % {"code": saved.code})
            return redirect("warmap:project_edit", pk=saved.pk)
        status = 400
    phases = list(instance.phases.all()) if instance.pk else []
    return render(
        request,
        "warmap/project_form.html",
        {"form": form, "project": instance if instance.pk else None, "phases": phases},
        status=status,
    )


@office_required
@require_http_methods(["GET", "POST"])
def phase_new(request, pk: int):
    found = _get_office_project(request.user, pk)
    return _phase_form(request, found, Phase(project=found))


@office_required
@require_http_methods(["GET", "POST"])
def phase_edit(request, pk: int):
    phase = (
        Phase.objects.select_related("project")
        .filter(pk=pk, project__jurisdiction__in=request.user.jurisdictions_read)
        .first()
    )
    if phase is None:
        raise Http404(_("没有这个项目阶段，或您无权查看"))
    return _phase_form(request, phase.project, phase)


def _phase_form(request, found: Project, phase: Phase):
    user = request.user
    scope.require(user.keeps_registers(found.jurisdiction_id))
    form = PhaseForm(request.POST or None, instance=phase, project=found)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            phase = form.save(commit=False)
            workflow.save_phase(phase, user, fields=_changed(form), request=request)
            messages.success(request, _("项目阶段已保存"))
            return redirect("warmap:project_edit", pk=found.pk)
        status = 400
    return render(
        request,
        "warmap/phase_form.html",
        {"form": form, "project": found, "phase": phase if phase.pk else None},
        status=status,
    )


# The workbook -------------------------------------------------------------------------------


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@overseer_required
@require_GET
def export(request):
    """The office's workbook of its jurisdiction's projects and phases, with the month's
    marks and investment (?month=, the last ended month by default)."""
    user = request.user
    month = month_asked(request)
    projects_q = _office_projects(user)
    projects = list(projects_q.select_related("post", "team", "unit"))
    phases = list(Phase.objects.filter(project__in=projects_q).order_by("project_id", "order"))
    facts = rating.load(projects, month, phases)
    money = _money_by_project(projects_q, month)
    label = month_label(month)
    project_columns = [
        ("项目编号", 12),
        ("项目名称", 30),
        ("作战指挥部", 22),
        ("服务专班", 16),
        ("责任单位", 18),
        ("计划总投资（万元）", 14),
        ("年度计划投资（万元）", 14),
        ("年度完成投资（万元）", 14),
        ("累计完成投资（万元）", 14),
        ("状态", 8),
        (f"{label}评价", 10),
        ("评价理由", 40),
    ]
    project_rows, codes = [], {}
    for p in projects:
        codes[p.pk] = p.code
        result = rating.rate(facts[p.pk], month)
        m = money.get(p.pk, {})
        project_rows.append(
            (
                p.code,
                p.name,
                p.post.name,
                p.team.name if p.team else "",
                p.unit.name,
                p.investment,
                p.annual_investment,
                m.get("year") or ZERO,
                m.get("total") or ZERO,
                p.get_status_display(),
                str(shown(result.rating).name),
                "；".join(r.text for r in result.reasons),
            )
        )
    phase_columns = [
        ("项目编号", 12),
        ("阶段编号", 8),
        ("类型", 10),
        ("阶段目标", 36),
        ("计划开始", 12),
        ("计划完成", 12),
        ("实际开始", 12),
        ("实际完成", 12),
        (f"{label}状态", 10),
        ("进度（%）", 8),
    ]
    states = {p.pk: _phase_states(facts[p.pk], month) for p in projects}
    phase_rows = []
    for ph in phases:
        state = states[ph.project_id].get(ph.code)
        phase_rows.append(
            (
                codes[ph.project_id],
                ph.code,
                ph.get_kind_display(),
                ph.title,
                _day(ph.planned_start),
                _day(ph.planned_end),
                _day(ph.actual_start),
                _day(ph.actual_end),
                str(Status(state.status).label) if state else "",
                state.percent if state and state.percent is not None else "",
            )
        )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "重点项目"
    title = f"重点项目挂图作战台账（{label}）"
    title_row(sheet, 1, title, len(project_columns))
    money_format = {c: "#,##0.00" for c in (6, 7, 8, 9)}
    write_table(sheet, 2, project_columns, project_rows, money_format)
    print_setup(sheet, paper=A4, landscape=True, repeat_rows="2:2", heading=title)
    second = workbook.create_sheet("项目阶段")
    title_row(second, 1, f"重点项目阶段（{label}）", len(phase_columns))
    write_table(second, 2, phase_columns, phase_rows)
    print_setup(second, paper=A4, landscape=True, repeat_rows="2:2", heading=title)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="projects-{format_month(month)}.xlsx"'
    return response
