"""The forecast page: next month's likely ostriches and snails with their reasons, and how
the forecast did over a year (the backtest)."""

from __future__ import annotations

from dataclasses import astuple

from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ducha.boards.publication import chain_head
from ducha.forecast import loading
from ducha.forecast.backtest import Backtest, backtest
from ducha.forecast.reasons import slip_reasons
from ducha.forecast.slips import slips
from ducha.lib import params
from ducha.lib.access import numbers_reader_required
from ducha.lib.months import FIRST_YEAR, LAST_YEAR, add_months, format_month
from ducha.org.models import Jurisdiction
from ducha.ratings.display import MARKS, shown
from ducha.reports import scope, workflow


def cached_backtest(year: int, jurisdiction: Jurisdiction) -> Backtest:
    """The year's backtest, kept while its chain's head stands: a month's board changes only
    by a new publication (a correction too), which moves the head."""
    limits = loading.thresholds()
    head = chain_head(jurisdiction=jurisdiction)
    rule = "-".join(str(n) for n in astuple(limits))
    key = f"forecast:backtest:{jurisdiction.pk}:{year}:{head.sha256 if head else '-'}:{rule}"
    found = cache.get(key)
    if found is None:
        found = backtest(year, jurisdiction, limits)
        cache.set(key, found, timeout=None)
    return found


@numbers_reader_required
@require_GET
def forecast(request):
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    # The month the office is closing (or, once posted, the one after): its board is next.
    month = params.month(request.GET, default=workflow.reporting_month(jurisdiction=jurisdiction))
    year = params.number(request.GET, "year", default=add_months(month, -1).year, least=FIRST_YEAR)
    if year > LAST_YEAR:
        raise params.BadParameter("year", _("年度不合理"))
    found = slips(month, loading.Past(jurisdiction))
    units = sorted({s.lead_unit for s in found})
    unit = request.GET.get("unit", "").strip()
    unit = unit if unit in units else ""
    rows = [
        {"slip": s, "mark": shown(s.likely), "reasons": slip_reasons(s)}
        for s in found
        if not unit or s.lead_unit == unit
    ]
    groups: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["slip"].lead_unit):
        groups.setdefault(row["slip"].lead_unit, []).append(row)
    result = cached_backtest(year, jurisdiction)
    j_query = "" if jurisdiction.pk == user.jurisdiction_id else f"j={jurisdiction.slug}"
    return render(
        request,
        "forecast/forecast.html",
        {
            "month": month,
            "month_text": format_month(month),
            "based_on": add_months(month, -1),
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "jurisdiction": jurisdiction,
            "j_query": j_query,
            "task_root": "/tasks/" if jurisdiction.home else f"/j/{jurisdiction.slug}/tasks/",
            "groups": sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])),
            "count": len(rows),
            "units": units,
            "unit": unit,
            "year": year,
            "backtest": result,
            "scores": [*result.months, result.total] if result.months else [],
            "limits": loading.thresholds(),
            "ostrich": MARKS["ostrich"],
            "snail": MARKS["snail"],
        },
    )
