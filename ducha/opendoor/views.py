"""开门搞改革 pages. Public: the suggestion form (a successful POST answers with the receipt
code in its own page, no redirect), the status looked up by receipt code, and the
statistics; the last two are cached whole for anonymous visitors (the form carries a CSRF
token and is never cached: it reads nothing but the areas). The office's: the list with its
filters and its workbook, and one suggestion with its triage form.

No public page shows a name, a contact or an address. On the office's pages they are shown
to whoever `user.reads_personal_data(suggestion.jurisdiction_id)` (the office of that
jurisdiction, not the auditor); the triage is for `user.keeps_registers`. A suggestion is
looked up through `get_suggestion_for_user` alone: out of scope is a 404.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import csrf
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ducha.audit import record
from ducha.lib import clock, params
from ducha.lib.access import overseer_required
from ducha.lib.pagecache import cached_page
from ducha.lib.xlsx import A4, CONTENT_TYPE, print_setup, title_row, write_table
from ducha.opendoor import figures, submission, triage
from ducha.opendoor.forms import SuggestionForm, TriageForm
from ducha.opendoor.models import Suggestion, normal_code
from ducha.org.models import Area

PAGE = 50
State, Outcome, Category = Suggestion.State, Suggestion.Outcome, Suggestion.Category


# The public form -------------------------------------------------------------------------------


def _form_page(request, form, *, problem: str = "", status: int = 200):
    return render(
        request,
        "opendoor/form.html",
        {"form": form, "problem": problem, "days": _days()},
        status=status,
    )


def _days() -> dict:
    return {
        "reply": settings.DUCHA_OPEN_DOOR_REPLY_DAYS,
        "retention": settings.DUCHA_OPEN_DOOR_RETENTION_DAYS,
        "limit": settings.DUCHA_OPEN_DOOR_LIMIT,
        "window": settings.DUCHA_OPEN_DOOR_WINDOW_MINUTES,
    }


def _again(request, areas, problem: str, status: int, renew: bool):
    """The form shown again with what was typed, the message, and (when asked) a new stamp."""
    data = request.POST.copy()
    if renew:
        data["stamp"] = submission.stamp()
    form = SuggestionForm(data, areas=areas)
    return _form_page(request, form, problem=problem, status=status)


# The blank form for an anonymous visitor is rendered once (per language, URL and list of
# areas) with two holes, filled per request: its CSRF token and its stamp. A page carrying a
# token may not be cached whole (lib/pagecache), and rendering the form every time costs
# twenty times the trivial view; filling two holes costs about what a cached page does.
TOKEN_HOLE, STAMP_HOLE = "opendoorTOKENhole", "opendoorSTAMPhole"  # nothing escapes them
AREAS = 'SELECT id, name FROM org_area ORDER BY "order", id'


@dataclass(frozen=True)
class _Area:
    pk: int
    name: str


def _for_anyone(request) -> bool:
    """A visitor whose page carries nothing of his own: not signed in, no message waiting
    (the page would show it to the next visitor), not htmx."""
    storage = getattr(request, "_messages", None)
    return not (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or request.headers.get("HX-Request")
        or (storage is not None and len(storage) > 0)
    )


def _blank_form(request):
    with connection.cursor() as cursor:  # raw: this runs on every visit of the form
        cursor.execute(AREAS)
        areas = tuple(cursor.fetchall())
    seen = repr((areas, request.LANGUAGE_CODE, request.get_full_path()))
    key = "opendoor:form:" + hashlib.sha256(seen.encode()).hexdigest()
    page = cache.get(key)
    if page is None:
        form = SuggestionForm(initial={"stamp": STAMP_HOLE}, areas=[_Area(*a) for a in areas])
        context = {"form": form, "problem": "", "days": _days(), "csrf_token": TOKEN_HOLE}
        page = render_to_string("opendoor/form.html", context, request=request)
        cache.set(key, page, 24 * 3600)
    page = page.replace(TOKEN_HOLE, get_token(request), 1)
    return HttpResponse(page.replace(STAMP_HOLE, submission.stamp(), 1))


@require_http_methods(["GET", "POST"])
def suggestion_form(request):
    if request.method == "GET" and _for_anyone(request):
        return _blank_form(request)
    areas = list(Area.objects.all())
    if request.method == "GET":
        form = SuggestionForm(initial={"stamp": submission.stamp()}, areas=areas)
        return _form_page(request, form)
    form = SuggestionForm(request.POST, areas=areas)
    if not form.is_valid():
        return _form_page(
            request, form, problem=_("未能提交：请按下面的提示修改后再提交。"), status=400
        )
    data = form.cleaned_data
    try:
        submission.check_stamp(data["stamp"])
        suggestion, _new = submission.submit(
            category=data["category"],
            area=data["area"],
            title=data["title"],
            text=data["text"],
            name=data["name"],
            contact=data["contact"],
            address_hash=submission.address_key(request),
        )
    except submission.Refused as e:
        return _again(request, areas, e.message, e.status, e.renew)
    return render(request, "opendoor/received.html", {"s": suggestion, "days": _days()})


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a suggestion refused for its missing or stale token is shown again
    with what was typed and a new token (the visitor sends it once more); anything else gets
    the general page (403_csrf.html)."""
    if request.method == "POST" and request.path == reverse("opendoor:form"):
        areas = list(Area.objects.all())
        renew = submission.stamp_age(request.POST.get("stamp", "")) is None
        problem = _(
            "这次提交未被接受：页面的安全校验已失效（页面打开太久，或浏览器未保存本站的 Cookie）。"
            "您填写的内容已保留，请再次点击“提交”。"
        )
        return _again(request, areas, problem, 403, renew)
    return csrf.csrf_failure(request, reason)


# The status and the statistics (cached) -------------------------------------------------------

STATUS_VERSION = "SELECT version FROM opendoor_suggestion WHERE code = %s"
STATS_VERSION = """
SELECT COUNT(*), MAX(s.updated_at) FROM opendoor_suggestion s
JOIN org_jurisdiction j ON j.id = s.jurisdiction_id WHERE j.home"""


def status_version(request, kwargs) -> str:
    """The looked-up suggestion's version (it moves at every triage), "-" for none."""
    code = normal_code(request.GET.get("code", ""))
    if code is None:
        return "-"
    with connection.cursor() as cursor:  # raw: this runs on every public request
        cursor.execute(STATUS_VERSION, [code])
        row = cursor.fetchone()
    return str(row[0]) if row else "-"


def stats_version(request, kwargs) -> str:
    """The count and the newest change stamp of the suggestions the page counts."""
    with connection.cursor() as cursor:
        cursor.execute(STATS_VERSION)
        return ":".join(str(v) for v in cursor.fetchone()).replace(" ", "T")


@require_GET
@cached_page(status_version)
def status(request):
    """A suggestion's state, outcome, reply, dates and linked tasks, by its receipt code;
    an unknown code is a 404 saying so. Nothing personal, ever."""
    typed = request.GET.get("code", "").strip()[:40]
    context = {"typed": typed, "s": None, "tasks": []}
    if not typed:
        return render(request, "opendoor/status.html", context)
    code = normal_code(typed)
    found = (
        Suggestion.objects.public()
        .filter(code=code)
        .select_related("area")
        .only(
            "code",
            "category",
            "area__name",
            "title",
            "created_at",
            "state",
            "outcome",
            "reply",
            "reply_due",
            "replied_at",
        )
        .first()
        if code
        else None
    )
    if found is None:
        return render(request, "opendoor/status.html", context | {"unknown": True}, status=404)
    tasks = list(found.tasks.only("code", "title").order_by("code"))
    return render(request, "opendoor/status.html", context | {"s": found, "tasks": tasks})


@require_GET
@cached_page(stats_version)
def stats(request):
    found = Suggestion.objects.public()
    return render(
        request,
        "opendoor/stats.html",
        {"tally": figures.tally(found), "taken_up": figures.taken_up(found)},
    )


# The office ------------------------------------------------------------------------------------


def get_suggestion_for_user(user, pk: int) -> Suggestion:
    found = (
        Suggestion.objects.readable_by(user)
        .select_related("jurisdiction", "area", "replied_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("没有这条意见建议，或您无权查看")
    return found


def _filters(query) -> dict:
    return {
        "state": params.choice(query, "state", State.values),
        "category": params.choice(query, "category", Category.values),
        "outcome": params.choice(query, "outcome", Outcome.values),
        "overdue": params.choice(query, "overdue", ["1"]),
    }


def _filtered(user, f: dict):
    found = Suggestion.objects.readable_by(user)
    if f["state"]:
        found = found.filter(state=f["state"])
    if f["category"]:
        found = found.filter(category=f["category"])
    if f["outcome"]:
        found = found.filter(outcome=f["outcome"])
    if f["overdue"]:
        found = found.overdue(clock.today())
    return found


@overseer_required
@require_GET
def office_list(request):
    """The suggestions the office (or the auditor) reads, newest first, with filters."""
    user = request.user
    f = _filters(request.GET)
    found = _filtered(user, f).select_related("jurisdiction").order_by("-created_at", "-pk")
    page = Paginator(found, PAGE).get_page(params.number(request.GET, "page", 1, least=1))
    today = clock.today()
    everything = Suggestion.objects.readable_by(user)
    rows = [
        (s, user.reads_personal_data(s.jurisdiction_id), s.is_overdue(today))
        for s in page.object_list
    ]
    return render(
        request,
        "opendoor/office_list.html",
        {
            "page": page,
            "rows": rows,
            "f": f,
            "states": State.choices,
            "categories": Category.choices,
            "outcomes": Outcome.choices,
            "open_count": everything.open().count(),
            "overdue_count": everything.overdue(today).count(),
            "query": urlencode({k: v for k, v in f.items() if v}),
        },
    )


EXPORT_COLUMNS = [
    ("回执码", 16),
    ("收到日期", 12),
    ("提出者类别", 12),
    ("涉及领域", 12),
    ("标题", 28),
    ("意见建议内容", 50),
    ("状态", 10),
    ("办理结果", 10),
    ("答复期限", 12),
    ("答复日期", 12),
    ("答复意见", 40),
    ("关联任务", 16),
]
PERSONAL_COLUMNS = [("姓名或单位", 14), ("联系方式", 18)]


def _export_row(user, s: Suggestion, personal: bool) -> list:
    row = [
        s.receipt,
        f"{clock.local(s.created_at):%Y-%m-%d}",
        str(s.get_category_display()),
        s.area.name if s.area else "",
        s.title,
        s.text,
        str(s.get_state_display()),
        str(s.get_outcome_display()) if s.outcome else "",
        f"{s.reply_due:%Y-%m-%d}",
        f"{clock.local(s.replied_at):%Y-%m-%d}" if s.replied_at else "",
        s.reply,
        " ".join(sorted(t.code for t in s.tasks.all())),
    ]
    if personal:
        mine = user.reads_personal_data(s.jurisdiction_id)
        row += [s.name, s.contact] if mine else ["", ""]
    return row


@overseer_required
@require_POST  # audited: the workbook may carry personal data
def office_export(request):
    """The filtered list as a workbook; the names and contacts only for the office that
    reads them."""
    user = request.user
    f = _filters(request.POST)
    found = list(
        _filtered(user, f)
        .select_related("area")
        .prefetch_related("tasks")
        .order_by("created_at", "pk")
    )
    personal = user.reads_personal_data(user.jurisdiction_id)
    columns = EXPORT_COLUMNS + (PERSONAL_COLUMNS if personal else [])
    with translation.override(settings.LANGUAGE_CODE):  # a workbook is the record: Chinese
        rows = [_export_row(user, s, personal) for s in found]
    title = f"{user.jurisdiction.name}开门搞改革意见建议办理台账"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "意见建议"
    title_row(sheet, 1, title, len(columns))
    write_table(sheet, 2, columns, rows)
    print_setup(sheet, paper=A4, landscape=True, repeat_rows="2:2", heading=title)
    out = io.BytesIO()
    workbook.save(out)
    name = f"suggestions-{clock.today():%Y%m%d}.xlsx"
    record(
        "exported",
        actor=user,
        request=request,
        detail={"what": "suggestions", "rows": len(rows), "file": name, "personal": personal},
    )
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _initial(s: Suggestion) -> dict:
    return {
        "state": s.state,
        "outcome": s.outcome,
        "reply": s.reply,
        "reply_due": s.reply_due,
        "tasks": " ".join(t.code for t in s.tasks.order_by("code")),
        "version": s.version,
    }


def _detail(request, s: Suggestion, form=None, status=200):
    user = request.user
    keeps = user.keeps_registers(s.jurisdiction_id)
    if form is None and keeps:
        form = TriageForm(initial=_initial(s), jurisdiction=s.jurisdiction)
    context = {
        "s": s,
        "personal": user.reads_personal_data(s.jurisdiction_id),
        "keeps": keeps,
        "form": form,
        "tasks": list(s.tasks.order_by("code")),
        "overdue": s.is_overdue(),
    }
    return render(request, "opendoor/office_detail.html", context, status=status)


@overseer_required
@require_http_methods(["GET", "POST"])
def office_detail(request, pk: int):
    """The whole suggestion (with the contact for the office that reads it) and, for the
    office that keeps the register, the triage form."""
    s = get_suggestion_for_user(request.user, pk)
    if request.method == "GET":
        return _detail(request, s)
    if not request.user.keeps_registers(s.jurisdiction_id):
        raise PermissionDenied
    form = TriageForm(request.POST, jurisdiction=s.jurisdiction)
    if form.is_valid():
        data = form.cleaned_data
        handling = triage.Handling(
            state=data["state"],
            outcome=data["outcome"],
            reply=data["reply"],
            reply_due=data["reply_due"],
            tasks=data["tasks"],
        )
        try:
            triage.handle(s, request.user, handling, version=data["version"], request=request)
        except triage.TriageError as e:
            if e.field:
                form.add_error(e.field, e.message)
            else:  # changed meanwhile: the latest, with what was typed
                s = get_suggestion_for_user(request.user, pk)
                latest = request.POST.copy()
                latest["version"] = str(s.version)
                fresh = TriageForm(latest, jurisdiction=s.jurisdiction)
                fresh.is_valid()
                fresh.add_error(None, e.message)
                return _detail(request, s, fresh, status=409)
        else:
            messages.success(request, _("已保存办理情况"))
            return redirect(reverse("opendoor:detail", args=[s.pk]))
    return _detail(request, s, form, status=400)
