"""The reform office's desk: the month at a glance, the publication check, and the audit
log read in words. (The override form is the ratings app's, the ledger's import and export
the ledger app's.)

Each view parses the request, calls one domain function (boards.publication for publishing
and holding) and renders; the numbers come from desk.month. Publishing lives here rather
than in boards because its check shows the month's reports (who has not reported, what
waits for review): boards sits below reports, which reads published boards, and a board
page that read reports would make the two apps import each other.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from ducha.assessment.exports import counties_xlsx
from ducha.assessment.scores import counties as county_list
from ducha.assessment.scores import scores
from ducha.audit import record
from ducha.audit.log import verify_log
from ducha.audit.models import AuditEntry
from ducha.boards.publication import PublicationError, hold, publish, release
from ducha.desk import reminders
from ducha.desk.auditlog import describe
from ducha.desk.month import below, summarize
from ducha.lib import clock, params
from ducha.lib.access import office_required, overseer_required
from ducha.lib.dates import month_label
from ducha.lib.months import FIRST_YEAR, add_months, format_month, parse_month
from ducha.lib.xlsx import A4, CONTENT_TYPE, print_setup, title_row, write_table
from ducha.org.models import Jurisdiction, named
from ducha.ratings import inputs
from ducha.ratings.display import MARKS, distribution, shown
from ducha.ratings.marks import is_routine
from ducha.reports import scope, stale, workflow

XLSX = CONTENT_TYPE


class BadMonth(Exception):
    pass


def _month(request, jurisdiction: Jurisdiction) -> dt.date:
    """The month a page shows (the working month when none is asked for). A write names
    its month, and an unreadable one is refused rather than guessed."""
    if request.method == "POST":
        try:
            return parse_month(request.POST.get("month", ""))
        except ValueError:
            raise BadMonth from None
    return params.month(request.GET, default=_default_month(jurisdiction))


def _default_month(jurisdiction: Jurisdiction) -> dt.date:
    """The month the office is working on: the one being reported, or just reported."""
    return workflow.reporting_month(jurisdiction=jurisdiction)


def _links(jurisdiction: Jurisdiction, own: bool) -> dict:
    """Where the desk's links go: a desk of another jurisdiction (?j=<slug>) links its
    reports and its own months, and its boards under /j/<slug>/."""
    query = "" if own else f"{scope.PARAM}={jurisdiction.slug}"
    return {
        "j_query": query,  # for links that already have a query: "&" + this
        "report_query": f"?{query}" if query else "",
        "board_root": "/board/" if jurisdiction.home else f"/j/{jurisdiction.slug}/board/",
    }


@overseer_required
@require_GET
def office(request):
    """The month at a glance in the person's own jurisdiction: who has not reported, what
    waits for review, the preview, and how each jurisdiction right below it is doing.
    The office of a city reads a county's desk at ?j=<slug>, read-only."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    own = jurisdiction.pk == user.jurisdiction_id
    month = _month(request, jurisdiction)
    summary = summarize(month, jurisdiction=jurisdiction)
    show_all = params.choice(request.GET, "all", ("1",)) == "1"
    preview = [r for r in summary.rated if show_all or not is_routine(r.rating) or r.override]
    tasks = {s.task.code: s.task for s in summary.standings}
    rows = [{"rating": r, "task": tasks.get(r.task), "mark": shown(r.rating)} for r in preview]
    flags = stale.flags_for(summary.queue)  # the whole queue in a fixed number of queries
    return render(
        request,
        "desk/office.html",
        {
            "month": month,
            "s": summary,
            "preview": rows,
            "queue": [(r, flags.get(r.pk, [])) for r in summary.queue],
            "show_all": show_all,
            "jurisdiction": jurisdiction,
            "own": own,
            "below": below(month, jurisdiction),
            **_links(jurisdiction, own),
            "can_act": user.runs(jurisdiction.pk),
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "month_text": format_month(month),
            "rating_choices": [(key, m.name) for key, m in MARKS.items()],
        },
    )


@overseer_required
@require_GET
def counties(request):
    """The counties' league table for a year (SPEC §2 scores of each county's own tasks),
    a table of its own: the departments are ranked apart, on the boards and in the scores."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    this_year = clock.today().year
    year = params.number(request.GET, "year", default=this_year, least=FIRST_YEAR)
    if year > this_year:
        raise params.BadParameter("year", _("年度不能晚于今年"))
    table = scores(year, by="county", jurisdiction=jurisdiction)
    if params.choice(request.GET, "format", ("xlsx",)) == "xlsx":  # a workbook of its own
        buffer = io.BytesIO()
        counties_xlsx(table, buffer, year=year, jurisdiction=jurisdiction)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        filename = f"ducha-counties-{jurisdiction.slug}-{year}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    below = {j.name: j for j in county_list(jurisdiction)}
    rows = [
        {
            "score": s,
            "county": below.get(s.name),
            "counts": " / ".join(str(getattr(s, key)) for key in MARKS),
        }
        for s in table
    ]
    unrated = [j for name, j in below.items() if name not in {s.name for s in table}]
    return render(
        request,
        "desk/counties.html",
        {
            "year": year,
            "jurisdiction": jurisdiction,
            "rows": rows,
            "unrated": unrated,
            "years": list(range(this_year, this_year - 6, -1)),
            "mark_names": " / ".join(str(m.name) for m in MARKS.values()),
        },
    )


def _refusing_bad_months(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadMonth:
            return HttpResponse(_("月份无效：应写作 YYYY-MM"), status=400)

    return wrapped


@office_required
@_refusing_bad_months
def publication(request):
    """GET: the check before publishing or correcting; POST: publish, correct, hold, release.
    Always of the office's own jurisdiction's chain: no office publishes another's.

    Publishing and correcting cannot be undone, so both go through the check page and the
    office confirms by typing the month; a correction also needs its reason."""
    jurisdiction = request.user.jurisdiction
    scope.require(request.user.runs(jurisdiction.pk))
    month = _month(request, jurisdiction)
    if request.method == "GET":
        action = params.choice(request.GET, "action", ("publish", "correct"), "publish")
        return _check_page(request, month, action, jurisdiction)
    action = request.POST.get("action") or "publish"
    who = {"by": request.user, "request": request, "jurisdiction": jurisdiction}
    back = f"{reverse('desk:office')}?month={format_month(month)}"
    words = month_label(month)
    try:
        if action in ("publish", "correct"):
            if request.POST.get("confirm", "").strip() != format_month(month):
                error = _("请在确认框中输入 %(month)s 以确认发布") % {"month": format_month(month)}
                return _check_page(request, month, action, jurisdiction, error=error, status=400)
            seen, now = request.POST.get("seen", ""), inputs.version()
            if seen and now is not None and seen != str(now):
                # Reports came in or ratings changed since the office looked: look again.
                error = _("核对之后又有报送或评价发生变化，请看过下面的最新情况后再确认。")
                return _check_page(request, month, action, jurisdiction, error=error, status=409)
            if action == "publish":
                result = publish(month, now=clock.now(), **who)
                if not result.created:
                    messages.info(request, _("%(month)s已经发布过，未做改动") % {"month": words})
                else:
                    messages.success(
                        request,
                        _("%(month)s已发布，链头 %(hash)s")
                        % {"month": words, "hash": result.publication.sha256},
                    )
            else:
                reason = request.POST.get("reason", "")
                if not reason.strip():
                    error = _("请写明勘误理由")
                    return _check_page(
                        request, month, action, jurisdiction, error=error, status=400
                    )
                result = publish(month, correction=reason, now=clock.now(), **who)
                messages.success(
                    request,
                    _("%(month)s勘误第%(n)s版已发布")
                    % {"month": words, "n": result.publication.version},
                )
        elif action == "hold":
            hold(month, request.POST.get("reason", ""), **who)
            messages.success(request, _("%(month)s已暂缓自动发布") % {"month": words})
        elif action == "release":
            release(month, **who)
            messages.success(request, _("%(month)s已解除暂缓") % {"month": words})
        else:
            return HttpResponse(_("未知操作"), status=400)
    except PublicationError as e:
        if action in ("publish", "correct"):
            return _check_page(request, month, action, jurisdiction, error=str(e), status=400)
        messages.error(request, str(e))
    return redirect(back)


def _check_page(
    request,
    month: dt.date,
    action: str,
    jurisdiction: Jurisdiction,
    error: str = "",
    status: int = 200,
):
    if action not in ("publish", "correct"):
        action = "publish"
    summary = summarize(month, jurisdiction=jurisdiction)
    tasks = {s.task.code: s.task for s in summary.standings}
    moved = [m | {"task": tasks.get(m["code"])} for m in summary.movers]
    # A correction publishes the month as it stands now: show what that changes.
    changed, fresh = [], []
    if action == "correct" and summary.published:
        was = {r.task: r.rating for r in summary.rated}
        fresh = [s.rating for s in summary.standings]
        changed = [
            {"task": tasks.get(r.task), "before": shown(was.get(r.task)), "after": shown(r.rating)}
            for r in fresh
            if was.get(r.task) != r.rating
        ]
    return render(
        request,
        "desk/publish.html",
        {
            "month": month,
            "month_text": format_month(month),
            "s": summary,
            "action": action,
            "error": error,
            "typed": request.POST.get("confirm", ""),
            "reason": request.POST.get("reason", ""),
            "moved": moved,
            "changed": changed,
            "seen": inputs.version(),
            "fresh_distribution": distribution(r.rating for r in fresh) if fresh else [],
            "jurisdiction": jurisdiction,
            **_links(jurisdiction, own=True),
        },
        status=status,
    )


# The audit log -----------------------------------------------------------------------


def _entries_read(user):
    """The entries of the jurisdictions this person reads: what their people did, and what
    the system did there (a command or `ducha tick` names a jurisdiction other than the
    home one in its detail). What names none (the home jurisdiction's, and the server's
    own: sign-ins from nowhere, backups) is read by those who read the home jurisdiction."""
    read = list(
        Jurisdiction.objects.filter(pk__in=user.jurisdictions_read).values_list("slug", "home")
    )
    system = Q(pk__in=[])  # nothing, unless a jurisdiction below says otherwise
    for slug, home in read:
        if home:
            system |= ~Q(detail__contains='"jurisdiction":')
        else:
            system |= Q(detail__contains=f'"jurisdiction":"{slug}"')
    people = Q(actor__jurisdiction__in=user.jurisdictions_read)
    return AuditEntry.objects.filter(people | (Q(actor__isnull=True) & system))


AUDIT_PER_PAGE = 50


@overseer_required
@require_GET
def audit_log(request):
    """The audit log in words, newest first, filtered by person, action, task and month,
    with the chain's status (the office and the auditor, of what they read)."""
    read = _entries_read(request.user)
    entries = read.order_by("-seq")
    action = params.choice(request.GET, "action", AuditEntry.Action.values)
    if action:
        entries = entries.filter(action=action)
    actor = params.number(request.GET, "actor")
    if actor is not None:
        entries = entries.filter(actor_id=actor)
    task = request.GET.get("task", "").strip()
    if task:
        # Entries written before the task and month columns existed name them only in
        # their label and detail, which their hashes cover and no backfill may touch.
        older = Q(task_code="", target_label__startswith=f"{task} ")
        entries = entries.filter(Q(task_code=task) | older)
    month = params.month(request.GET)
    if month:
        text = format_month(month)
        older = Q(month=None) & (
            Q(detail__contains=f'"month":"{text}"') | Q(target_label__endswith=f" {text}")
        )
        entries = entries.filter(Q(month=month) | older)
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(params.number(request.GET, "page", 1, 1))
    actors = get_user_model().objects.filter(
        pk__in=read.filter(actor__isnull=False).values("actor_id")
    )
    logged = read.order_by()
    context = {
        "page": page,
        "shown": [(entry, describe(entry)) for entry in page],
        "problems": verify_log(),
        "actions": AuditEntry.Action.choices,
        "actors": actors.order_by("username").only("username", "full_name"),
        "months": [
            (format_month(m), month_label(m))
            for m in logged.exclude(month=None).dates("month", "month", order="DESC")
        ],
        "task_codes": logged.exclude(task_code="")
        .values_list("task_code", flat=True)
        .distinct()
        .order_by("task_code"),
        "action": action,
        "actor": "" if actor is None else str(actor),
        "task": task,
        "month": format_month(month) if month else "",
    }
    return render(request, "desk/audit_log.html", context)


# 催报: chase every unit still missing, and the missing list as a workbook ----------------


@office_required
@require_http_methods(["GET", "POST"])
@_refusing_bad_months
def chase(request):
    """GET: who 催报 would reach and what each unit gets; POST: send it. Of the office's own
    jurisdiction only, and of the month being reported (nobody is chased for a month that
    is posted or not over); a second chase on the same day sends nothing again."""
    jurisdiction = request.user.jurisdiction
    scope.require(request.user.runs(jurisdiction.pk))
    month = _month(request, jurisdiction)
    if month != workflow.reporting_month(jurisdiction=jurisdiction):
        return HttpResponse(
            _("只能催报正在报送的月份（%(month)s）")
            % {"month": month_label(workflow.reporting_month(jurisdiction=jurisdiction))},
            status=400,
        )
    if request.method == "POST":
        sent, before = reminders.chase(month, jurisdiction, request.user)
        record(
            "units_chased",
            actor=request.user,
            request=request,
            detail={"month": format_month(month), "sent": sent, **named(jurisdiction)},
        )
        if sent:
            messages.success(request, _("已向 %(n)s 个单位催报") % {"n": sent})
        if before:
            messages.info(request, _("%(n)s 个单位今天已催报过，未重复发送") % {"n": before})
        if not sent and not before:
            messages.info(request, _("没有需要催报的单位"))
        return redirect(f"{reverse('desk:office')}?month={format_month(month)}#completeness")
    outgoing = reminders.chase_preview(month, jurisdiction)
    return render(
        request,
        "desk/chase.html",
        {
            "month": month,
            "month_text": format_month(month),
            "jurisdiction": jurisdiction,
            "outgoing": outgoing,
            "unreachable": [o for o in outgoing if not o.reaches],
        },
    )


MISSING_COLUMNS = [
    ("牵头单位", 24),
    ("任务编号", 14),
    ("任务名称", 44),
    ("报送状态", 18),
    ("逾期天数", 10),
]


@overseer_required
@require_GET
def missing_xlsx(request):
    """The month's tasks expected and not reported, by lead unit, as a workbook (the office
    reads its counties' at ?j=<slug>)."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    month = _month(request, jurisdiction)
    summary = summarize(month, jurisdiction=jurisdiction)
    rows = [
        [u.unit.name, s.task.code, s.task.title, str(s.label), s.days_late or ""]
        for u in summary.units
        for s in u.missing
    ]
    title = f"{jurisdiction.name}{month.year}年{month.month}月改革任务未报送清单"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "未报送清单"
    title_row(sheet, 1, title, len(MISSING_COLUMNS))
    write_table(sheet, 2, MISSING_COLUMNS, rows)
    print_setup(sheet, paper=A4, landscape=True, repeat_rows="2:2", heading=title)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"missing-{jurisdiction.slug}-{format_month(month)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
