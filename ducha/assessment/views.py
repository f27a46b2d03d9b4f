"""Scores and league tables on the web: the table for the office, the auditor and the city
leaders (`user.reads_numbers`), its workbook, a unit's year, and — where the office of a
jurisdiction chooses — the public table, read from published boards only.

Each view parses the request, calls assessment.scores and renders; the minimum-count rule
is the jurisdiction's policy (assessment.policy), applied by scoring.ranked for the page, the
workbook and `ducha scores --min-rated` alike.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ducha.assessment.exports import counties_xlsx, scores_xlsx
from ducha.assessment.forms import (
    GROUPINGS,
    PUBLIC_GROUPINGS,
    FilterForm,
    PolicyForm,
    default_year,
)
from ducha.assessment.policy import policy_of, save_policy
from ducha.assessment.scores import LABELS, scores, unit_year, unranked_reason
from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter
from ducha.lib import clock, params
from ducha.lib.access import numbers_reader_required
from ducha.lib.months import FIRST_YEAR
from ducha.lib.xlsx import CONTENT_TYPE
from ducha.org.models import Jurisdiction, Unit
from ducha.ratings.display import MARKS, shown
from ducha.reports import scope

# What a table is called, and what its name column is, for each grouping.
HEADINGS = {
    "unit": gettext_lazy("牵头单位排名"),
    "area": gettext_lazy("各领域得分"),
    "leader": gettext_lazy("分管市领导所分管任务得分"),
    "county": gettext_lazy("县市区排名"),
}
XLSX = CONTENT_TYPE


def _place(request) -> Jurisdiction:
    """The person's own jurisdiction, or one he reads named by ?j=<slug> (404 otherwise)."""
    user = request.user
    return scope.jurisdiction_asked(user, request.GET) or user.jurisdiction


def _rows(result, minimum: int, units: dict[str, int] | None = None) -> list[dict]:
    reason = unranked_reason(minimum)
    return [
        {
            "s": s,
            "unit": (units or {}).get(s.name),
            "remark": "" if s.rank is not None else reason,
        }
        for s in result
    ]


def _readable(user, jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    """The jurisdictions this person may pick: his own and those below it he reads."""
    if not user.sees_everything:
        return []
    own = user.jurisdiction
    return [own, *Jurisdiction.objects.below(own)]


@numbers_reader_required
@require_http_methods(["GET", "POST"])
def table(request):
    """GET: the table for a year or a quarter, by unit, area, leader or county. POST: the
    office of this very jurisdiction sets who is ranked and whether the table is public."""
    user = request.user
    jurisdiction = _place(request)
    policy = policy_of(jurisdiction)
    can_set = user.runs(jurisdiction.pk)
    status = 200
    if request.method == "POST":
        scope.require(can_set)
        policy_form = PolicyForm(request.POST)
        if policy_form.is_valid():
            data = policy_form.cleaned_data
            save_policy(
                jurisdiction,
                user,
                min_rated=data["min_rated"],
                public=data["public"],
                request=request,
            )
            messages.success(request, _("考核排名设置已保存"))
            return redirect(request.get_full_path())
        messages.error(request, _("考核排名设置未保存：请按提示修改"))
        status = 400
    else:
        policy_form = PolicyForm(initial={"min_rated": policy.min_rated, "public": policy.public})
    filters = FilterForm(request.GET)
    context = {
        "filters": filters,
        "jurisdiction": jurisdiction,
        "own": jurisdiction.pk == user.jurisdiction_id,
        "choices": _readable(user, jurisdiction),
        "policy": policy,
        "policy_form": policy_form,
        "can_set": can_set,
        "marks": list(MARKS.values()),
    }
    if not filters.is_valid():
        context["problem"] = filters.problems()
        return render(request, "assessment/scores.html", context, status=400)
    year, quarter, by = (filters.cleaned_data[k] for k in ("year", "quarter", "by"))
    result = scores(year, quarter, by, jurisdiction=jurisdiction, minimum=policy.minimum)
    units = None
    if by == "unit":
        names = [s.name for s in result]
        units = dict(
            Unit.objects.filter(jurisdiction=jurisdiction, name__in=names).values_list("name", "pk")
        )
    query = request.GET.copy()
    query.pop("format", None)
    context |= {
        "year": year,
        "quarter": quarter,
        "by": by,
        "heading": HEADINGS[by],
        "name_label": dict(GROUPINGS)[by],
        "rows": _rows(result, policy.minimum, units),
        "deducting": any(getattr(s, "deduction", 0) for s in result),
        "unranked": sum(1 for s in result if s.rank is None),
        "xlsx_query": query.urlencode(),
    }
    return render(request, "assessment/scores.html", context, status=status)


@numbers_reader_required
@require_GET
def workbook(request):
    """The table as the workbook the assessment office files: the same numbers as the page."""
    jurisdiction = _place(request)
    filters = FilterForm(request.GET)
    if not filters.is_valid():
        name = next(iter(filters.errors))
        raise params.BadParameter(name, filters.problems())
    year, quarter, by = (filters.cleaned_data[k] for k in ("year", "quarter", "by"))
    minimum = policy_of(jurisdiction).minimum
    result = scores(year, quarter, by, jurisdiction=jurisdiction, minimum=minimum)
    buffer = io.BytesIO()
    period = {"year": year, "quarter": quarter, "minimum": minimum}
    if by == "county":  # a workbook of its own, never rows among the departments'
        counties_xlsx(result, buffer, jurisdiction=jurisdiction, **period)
    else:
        scores_xlsx(
            result,
            buffer,
            label=LABELS[by][0],
            whose=None if jurisdiction.home else jurisdiction.name,
            office=jurisdiction.reform_office,
            **period,
        )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    part = f"q{quarter}-" if quarter else ""
    filename = f"ducha-scores-{jurisdiction.slug}-{year}-{part}{by}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _get_unit_for_user(user, pk: int) -> Unit:
    """A unit of a jurisdiction this person reads; any other is not found."""
    unit = Unit.objects.select_related("jurisdiction").filter(pk=pk).first()
    if unit is None or not user.reads_in(unit.jurisdiction_id):
        raise Http404("没有这个单位，或您无权查看")
    return unit


@numbers_reader_required
@require_GET
def unit_detail(request, pk: int):
    """A lead unit's year: the task × month grid of its marks, its score in each month, and
    its year-to-date rank at each month's end under its jurisdiction's minimum."""
    unit = _get_unit_for_user(request.user, pk)
    this_year = clock.today().year
    year = params.number(request.GET, "year", default=default_year(), least=FIRST_YEAR)
    if year > this_year:
        raise params.BadParameter("year", _("年度不能晚于今年"))
    jurisdiction = unit.jurisdiction
    minimum = policy_of(jurisdiction).minimum
    year_of = unit_year(unit.name, year, jurisdiction=jurisdiction, minimum=minimum)
    history = [
        {"month": month, "monthly": monthly, "standing": standing}
        for month, monthly, standing in zip(
            year_of.months, year_of.monthly, year_of.standings, strict=True
        )
    ]
    tasks = [
        {"task": t["task"], "title": t["title"], "marks": [shown(r) for r in t["marks"]]}
        for t in year_of.tasks
    ]
    return render(
        request,
        "assessment/unit.html",
        {
            "unit": unit,
            "jurisdiction": jurisdiction,
            "own": jurisdiction.pk == request.user.jurisdiction_id,
            "year": year,
            "years": list(range(this_year, max(FIRST_YEAR, this_year - 6) - 1, -1)),
            "months": year_of.months,
            "tasks": tasks,
            "history": history,
            "current": year_of.current,
            "minimum": minimum,
            "unranked_reason": unranked_reason(minimum),
            "marks": list(MARKS.values()),
        },
    )


def _public_jurisdiction(slug: str | None) -> Jurisdiction:
    if slug is None:
        return Jurisdiction.objects.home()
    found = Jurisdiction.objects.filter(slug=slug).first()
    if found is None:
        raise Http404("没有这个辖区")
    return found


@require_GET
def public(request, slug: str | None = None):
    """The table for anyone, where the jurisdiction's office has made it public: published
    months only (a month not yet published never shows here), and no deductions — an
    accountability step is the office's business with the unit, not the public's."""
    jurisdiction = _public_jurisdiction(slug)
    policy = policy_of(jurisdiction)
    if not policy.public:
        raise Http404("考核得分未公开")
    filters = FilterForm(request.GET, groupings=PUBLIC_GROUPINGS)
    context = {"filters": filters, "jurisdiction": jurisdiction, "marks": list(MARKS.values())}
    if not filters.is_valid():
        context["problem"] = filters.problems()
        return render(request, "assessment/public.html", context, status=400)
    year, quarter, by = (filters.cleaned_data[k] for k in ("year", "quarter", "by"))
    result = scores(
        year,
        quarter,
        by,
        jurisdiction=jurisdiction,
        minimum=policy.minimum,
        published_only=True,
    )
    months = sorted(
        set(
            Publication.objects.filter(chain_filter(jurisdiction), month__year=year).values_list(
                "month", flat=True
            )
        )
    )
    if quarter:
        months = [m for m in months if (m.month - 1) // 3 + 1 == quarter]
    context |= {
        "year": year,
        "quarter": quarter,
        "by": by,
        "heading": HEADINGS[by],
        "name_label": dict(GROUPINGS)[by],
        "rows": _rows(result, policy.minimum),
        "published": months,
        "minimum": policy.minimum,
    }
    return render(request, "assessment/public.html", context)
