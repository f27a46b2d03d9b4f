"""The dashboards: a month's (and a year's) charts, each with its numbers as a table.

Who reads numbers (`numbers_reader_required`: the office, the auditor, the city leaders)
sees the published months of his own jurisdiction and of those he reads (?j=<slug>); a
month not published yet is the office's preview (`user.sees_everything`), drawn each time.
A published month costs two queries and the cache: its figures and charts are kept with it.
"""

from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ducha.boards.publication import is_published
from ducha.lib import clock, params
from ducha.lib.access import numbers_reader_required
from ducha.lib.months import FIRST_YEAR, LAST_YEAR, add_months, first_of, format_month
from ducha.org.models import Jurisdiction
from ducha.ratings.display import shown
from ducha.reports import scope
from ducha.stats import charts, figures


def _place(request) -> tuple[Jurisdiction, bool]:
    """The jurisdiction the page shows, and whether it is the person's own."""
    asked = scope.jurisdiction_asked(request.user, request.GET)
    if asked is None or asked.pk == request.user.jurisdiction_id:
        return request.user.jurisdiction, True
    return asked, False


def _task_url(jurisdiction: Jurisdiction, code: str) -> str:
    if jurisdiction.home:
        return reverse("boards:task", kwargs={"code": code})
    return reverse("boards:j_task", kwargs={"slug": jurisdiction.slug, "code": code})


def _j_query(jurisdiction: Jurisdiction, own: bool) -> str:
    return "" if own else f"{scope.PARAM}={jurisdiction.slug}"


@require_GET
@numbers_reader_required
def dashboard(request):
    jurisdiction, own = _place(request)
    latest = figures.latest_published(jurisdiction)
    working = add_months(first_of(clock.today()), -1)  # the month being reported
    preview = request.user.sees_everything
    m = params.month(request.GET, default=latest or (working if preview else None))
    context = {
        "jurisdiction": jurisdiction,
        "own": own,
        "j_query": _j_query(jurisdiction, own),
        "month": m,
        "latest": latest,
    }
    if m is None:  # nothing published yet, and no preview for this reader
        return render(request, "stats/dashboard.html", context)
    context.update(
        month_text=format_month(m),
        previous=add_months(m, -1),
        next=add_months(m, 1),
    )
    published = m == latest or (
        latest is not None and m < latest and is_published(m, jurisdiction=jurisdiction)
    )
    if not published and not (preview and m <= working):
        context["unpublished"] = True
        return render(request, "stats/dashboard.html", context)
    data = figures.month_figures(m, jurisdiction)
    context.update(f=data, fragment=_fragment("stats/_month.html", data, jurisdiction))
    return render(request, "stats/dashboard.html", context)


@require_GET
@numbers_reader_required
def year(request):
    jurisdiction, own = _place(request)
    latest = figures.latest_published(jurisdiction)
    default = (latest or clock.today()).year
    number = params.number(request.GET, "year", default=default, least=FIRST_YEAR + 1)
    if number >= LAST_YEAR:
        raise params.BadParameter("year", _("%(n)s 不是可用的年份") % {"n": number})
    data = figures.year_figures(number, jurisdiction)
    return render(
        request,
        "stats/year.html",
        {
            "jurisdiction": jurisdiction,
            "own": own,
            "j_query": _j_query(jurisdiction, own),
            "year": number,
            "f": data,
            "fragment": _fragment("stats/_year.html", data, jurisdiction) if data.published else "",
        },
    )


def _fragment(template: str, data, jurisdiction: Jurisdiction) -> str:
    """The charts with their tables, as HTML: a published month's (or year's) is rendered
    once per language and kept with its charts, so a warm page renders nothing of it."""
    if data.key is None:
        return _render(template, data, jurisdiction)
    key = f"stats:html:{charts.DRAWING}:{get_language()}:{template}:{data.key}"
    html = cache.get(key)
    if html is None:
        html = _render(template, data, jurisdiction)
        cache.set(key, html, charts.SECONDS)
    return html


def _render(template: str, data, jurisdiction: Jurisdiction) -> str:
    drawn = {c.key: c for c in charts.charts_for(data, png=False)}
    context = {"f": data, "charts": drawn, "marks": _marks()}
    if isinstance(data, figures.MonthFigures):
        keys = ("trend", "areas", "sources")
        context.update(
            distribution=_distribution(data.distribution),
            movers=[
                {
                    "mover": v,
                    "url": _task_url(jurisdiction, v.task),
                    "before": shown(v.before),
                    "after": shown(v.after),
                }
                for v in data.movers
            ],
            overdue=[{"node": n, "url": _task_url(jurisdiction, n.task)} for n in data.overdue],
        )
    else:
        keys = ("months", "areas", "sources")
    context["stacks"] = {key: _rows(getattr(data, key)) for key in keys}
    return mark_safe(render_to_string(template, context))  # noqa: S308 - our own template


def _marks() -> list:
    """The four marks and "not rated", as the tables' columns (in the reader's language)."""
    return [shown(key) for key in (*charts.marks.KEYS, None)]


def _distribution(stack: figures.Stack) -> list[tuple]:
    return [(shown(key), stack.count(key)) for key in (*charts.marks.KEYS, None)]


def _rows(stacks: list[figures.Stack]) -> list[dict]:
    return [
        {
            "label": s.label,
            "counts": [s.count(key) for key in (*charts.marks.KEYS, None)],
            "total": s.total,
        }
        for s in stacks
    ]
