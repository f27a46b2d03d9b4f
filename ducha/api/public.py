"""/api/v1/ without a token: what the public pages show, and nothing they do not.

Boards come from their snapshots (what the hash covers), tasks from the ledger as the public
task page shows them (every task is public; node states only as a board published them,
never a report still in the works), scores only where the jurisdiction's office made its
table public, from published boards alone (`assessment.views.public`'s rule, asked of the
same functions). Every read names its jurisdiction with `?jurisdiction=<slug>`, the home
one without; an unknown one is a 404, as `/j/<slug>/` is.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from django.db.models import Q
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from ducha.api import etags
from ducha.api.pagination import Paging, page
from ducha.api.problems import ApiProblem, Problem
from ducha.api.schemas import (
    Board,
    JurisdictionPage,
    PublicationPage,
    ScoreTable,
    Task,
    TaskPage,
)
from ducha.assessment.forms import PUBLIC_GROUPINGS, FilterForm
from ducha.assessment.policy import policy_of
from ducha.assessment.scores import scores
from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, header, lead_units, leaders, posted
from ducha.boards.views import cached_parts
from ducha.ledger.codes import TASK_CODE_PATTERN
from ducha.ledger.models import Task as TaskModel
from ducha.lib import clock, params
from ducha.lib.months import format_month, parse_month
from ducha.org.models import Jurisdiction, Leader, Unit
from ducha.ratings.marks import MARKS, NOT_RATED

router = Router(tags=["public"])

SLUG = r"^[-a-zA-Z0-9_]+$"
MONTH = r"^[0-9]{4}-[0-9]{1,2}$"
# Names and words typed into a filter: no control characters (PostgreSQL refuses NUL).
TEXT = r"^[^\x00-\x1f\x7f]*$"
NOT_FOUND = {404: Problem}


class Place(Schema):
    jurisdiction: str | None = Field(
        None,
        pattern=SLUG,
        max_length=40,
        description="a jurisdiction's slug; the home one if left out",
    )


def _jurisdiction(slug: str | None) -> Jurisdiction:
    if not slug:
        return Jurisdiction.objects.home()
    found = Jurisdiction.objects.filter(slug=slug).first()
    if found is None:
        raise ApiProblem(404, _("没有标识为 %(slug)s 的辖区") % {"slug": slug})
    return found


def _month(text: str | None, name: str = "month") -> dt.date | None:
    """A month in a query, read as the pages read it (422 naming the parameter)."""
    return params.month({name: text or ""}, name)


def _slugs() -> dict[int | None, str]:
    """{jurisdiction id: slug}, the home one's also under None (its publications' column)."""
    slugs: dict[int | None, str] = {}
    for pk, slug, home in Jurisdiction.objects.values_list("pk", "slug", "home"):
        slugs[pk] = slug
        if home:
            slugs[None] = slug
    return slugs


# Jurisdictions ------------------------------------------------------------------------------


class Below(Schema):
    parent: str | None = Field(
        None, pattern=SLUG, max_length=40, description="only those right below this one"
    )


@router.get("/jurisdictions", response={200: JurisdictionPage, **NOT_FOUND})
def jurisdictions(request, paging: Query[Paging], below: Query[Below]):
    """The province, cities and counties this server holds, in their order."""
    rows = Jurisdiction.objects.select_related("parent").order_by("order", "slug", "pk")
    if below.parent:
        rows = rows.filter(parent=_jurisdiction(below.parent))
    return page(
        request,
        rows,
        paging,
        lambda j: {
            "slug": j.slug,
            "name": j.name,
            "level": j.level,
            "parent": j.parent.slug if j.parent else None,
            "home": j.home,
        },
    )


# Publications and boards ------------------------------------------------------------------


class Chain(Place):
    jurisdiction: str | None = Field(
        None,
        pattern=SLUG,
        max_length=40,
        description="one jurisdiction's chain; every chain if left out",
    )
    month: str | None = Field(None, pattern=MONTH, description="YYYY-MM: that month's versions")


@router.get("/publications", response={200: PublicationPage, **NOT_FOUND})
def publications(request, paging: Query[Paging], chain: Query[Chain]):
    """The publication chain, oldest first (a page, once full, never changes): each
    version of each month's board with its hash and the hash it links to. The board
    itself says what it holds (`board`, inside the hash); `ducha verify` checks both."""
    rows = Publication.objects.order_by("seq")
    if chain.jurisdiction:
        rows = rows.filter(chain_filter(_jurisdiction(chain.jurisdiction)))
    if chain.month:
        rows = rows.filter(month=_month(chain.month))
    slugs = _slugs()

    def item(p: dict) -> dict:
        slug = slugs[p["jurisdiction_id"]]
        month = format_month(p["month"])
        return {
            "seq": p["seq"],
            "jurisdiction": slug,
            "month": month,
            "version": p["version"],
            "kind": p["kind"],
            "correction": p["reason"] or None,
            "published_at": clock.local(p["published_at"]),
            "sha256": p["sha256"],
            "previous": p["previous"] or None,
            "board": f"/api/v1/boards/{month}?jurisdiction={slug}&version={p['version']}",
        }

    fields = ("seq", "jurisdiction_id", "month", "version", "kind", "reason")
    return page(request, rows.values(*fields, "published_at", "sha256", "previous"), paging, item)


class BoardQuery(Place):
    version: int | None = Field(
        None, ge=1, le=32767, description="a version; the latest if left out"
    )
    area: str | None = Field(
        None, max_length=100, pattern=TEXT, description="only this area's tasks"
    )
    unit: str | None = Field(
        None, max_length=100, pattern=TEXT, description="only the tasks this unit leads"
    )
    leader: str | None = Field(
        None, max_length=100, pattern=TEXT, description="only this leader's tasks"
    )
    rating: Literal["horse", "ox", "ostrich", "snail", "none"] | None = Field(
        None,
        description="only this mark (none: not rated)",
    )


@router.get("/boards/{month}", response={200: Board, 304: None, **NOT_FOUND})
def board(
    request,
    response: HttpResponse,
    asked: Query[BoardQuery],
    month: str = Path(..., pattern=MONTH, description="YYYY-MM", examples=["2021-06"]),
):
    """A month's posted board (its latest version unless `version` is asked), as its
    snapshot holds it. Its ETag is the publication's SHA-256: `If-None-Match` with it
    answers 304 while the month has no newer version. Filters narrow `tasks` (a name not
    on the board matches nothing); `units` is the whole month's ranking."""
    jurisdiction = _jurisdiction(asked.jurisdiction)
    try:
        when = parse_month(month)
    except ValueError:
        raise ApiProblem(404, _("月份 %(month)s 不存在") % {"month": month}) from None
    versions = Publication.objects.filter(chain_filter(jurisdiction), month=when)
    if asked.version is not None:
        versions = versions.filter(version=asked.version)
    meta = versions.order_by("-version").values("pk", "sha256").first()
    if meta is None:
        raise ApiProblem(404, _("%(month)s的公示尚未发布") % {"month": format_month(when)})
    # A version asked by number never changes; the latest may be corrected.
    caching = etags.FOREVER if asked.version is not None else etags.REVALIDATE
    etag = etags.strong(meta["sha256"])
    unchanged = etags.not_modified(request, etag, **caching)
    if unchanged is not None:
        return unchanged
    publication = Publication.objects.get(pk=meta["pk"])
    snapshot = json.loads(publication.snapshot)
    shown = header(snapshot, _columns(publication))
    rows = [_row(t) for t in sorted(snapshot["tasks"], key=lambda t: (t["area_order"], t["task"]))]
    response["ETag"] = etag
    patch_cache_control(response, **caching)
    return {
        "jurisdiction": snapshot.get("jurisdiction") or jurisdiction.slug,
        "month": snapshot["month"],
        "version": publication.version,
        "kind": shown["kind"],
        "correction": shown["reason"] or None,
        "published_at": shown["published_at"],
        "sha256": publication.sha256,
        "previous": shown["previous"] or None,
        "count": len(rows),
        "tasks": [r for r in rows if _matches(r, asked)],
        "units": snapshot.get("units", []),
    }


def _columns(p: Publication) -> dict:
    """What the row's columns say, for a key an odd snapshot lacks (boards.publication.header)."""
    return {
        "published_at": p.published_at,
        "kind": p.kind,
        "reason": p.reason,
        "previous": p.previous,
    }


def _row(t: dict) -> dict:
    override = t.get("override")
    return {
        "task": t["task"],
        "title": t["title"],
        "area": t["area"],
        "source": t["source"],
        "leaders": leaders(t),
        "lead_units": lead_units(t),
        "co_units": t.get("co_units", []),
        "status": t.get("status", "active"),
        "rating": t["rating"],
        "mark": MARKS.get(t["rating"] or "", NOT_RATED).name,
        "override": (
            {
                "rating": override["rating"],
                "computed": override["computed"],
                "reason": override["reason"],
            }
            if override
            else None
        ),
        "reasons": [{"code": r["code"], "text": r["text"]} for r in t["reasons"]],
        "nodes": t["nodes"],
    }


def _matches(row: dict, asked: BoardQuery) -> bool:
    return (
        (not asked.area or row["area"] == asked.area)
        and (not asked.unit or asked.unit in row["lead_units"])
        and (not asked.leader or asked.leader in row["leaders"])
        and (not asked.rating or (row["rating"] or "none") == asked.rating)
    )


# Tasks -----------------------------------------------------------------------------------


class TaskQuery(Place):
    area: str | None = Field(
        None, max_length=100, pattern=TEXT, description="an area's key or name"
    )
    unit: str | None = Field(
        None, max_length=100, pattern=TEXT, description="tasks this unit leads (alone or jointly)"
    )
    leader: str | None = Field(
        None, max_length=100, pattern=TEXT, description="tasks in this leader's charge"
    )
    q: str | None = Field(
        None, max_length=100, pattern=TEXT, description="a part of the code or the title"
    )


@router.get("/tasks", response={200: TaskPage, **NOT_FOUND})
def tasks(request, paging: Query[Paging], asked: Query[TaskQuery]):
    """The jurisdiction's ledger, by code, each task with its mark on the latest board. A
    unit or leader not in the ledger matches nothing."""
    jurisdiction = _jurisdiction(asked.jurisdiction)
    rows = _public_tasks(jurisdiction).order_by("code")
    if asked.area:
        rows = rows.filter(
            Q(area__key=asked.area) | Q(area__name=asked.area) | Q(area__short_name=asked.area)
        )
    if asked.unit:
        unit = Unit.objects.filter(jurisdiction=jurisdiction, name=asked.unit).first()
        rows = rows.led_by(unit) if unit else rows.none()
    if asked.leader:
        leader = Leader.objects.filter(jurisdiction=jurisdiction, name=asked.leader).first()
        rows = rows.of_leader(leader) if leader else rows.none()
    if asked.q:
        rows = rows.filter(Q(code__icontains=asked.q) | Q(title__icontains=asked.q))
    latest = _latest_marks(jurisdiction)
    return page(request, rows, paging, lambda task: _summary(task, latest))


def _public_tasks(jurisdiction: Jurisdiction):
    # Every task is public, every field of it (boards.views._get_public_task).
    return (
        TaskModel.objects.in_jurisdiction(jurisdiction)
        .select_related("area", "leader", "lead_unit")
        .with_co_units()
    )


def _latest_marks(jurisdiction: Jurisdiction) -> dict:
    """{task code: its row's (month, version, rating)} on the chain's latest board."""
    newest = (
        Publication.objects.filter(chain_filter(jurisdiction))
        .order_by("-month", "-version")
        .values("month", "version")
        .first()
    )
    if newest is None:
        return {}
    snapshot = posted(newest["month"], jurisdiction=jurisdiction) or {"tasks": []}
    month, version = format_month(newest["month"]), newest["version"]
    return {
        t["task"]: {"month": month, "version": version, "rating": t["rating"]}
        for t in snapshot["tasks"]
    }


def _summary(task: TaskModel, latest: dict) -> dict:
    return {
        "code": task.code,
        "title": task.title,
        "area": task.area.name,
        "source": task.source,
        "status": task.status,
        "plan_year": task.plan_year,
        "leaders": task.leader_names(),
        "lead_units": task.lead_unit_names(),
        "latest": latest.get(task.code),
    }


@router.get("/tasks/{code}", response={200: Task, **NOT_FOUND})
def task(
    request,
    asked: Query[Place],
    code: str = Path(
        ..., pattern=f"^{TASK_CODE_PATTERN}$", description="the task's code", examples=["HX-001"]
    ),
):
    """A task as its public page shows it: its facts and nodes, each node's state as the
    latest board holding the task published it, and its mark in every published month."""
    jurisdiction = _jurisdiction(asked.jurisdiction)
    found = _public_tasks(jurisdiction).prefetch_related("nodes").filter(code=code).first()
    if found is None:
        raise ApiProblem(404, _("没有编号为 %(code)s 的改革任务") % {"code": code})
    history, nodes = _history(found.code, jurisdiction)
    published = {n["code"]: n for n in nodes}
    return {
        **_summary(found, _latest_marks(jurisdiction)),
        "jurisdiction": jurisdiction.slug,
        "requirements": found.requirements,
        "start_month": format_month(found.start_month) if found.start_month else None,
        "co_units": found.co_unit_names(),
        "nodes": [
            {
                "code": n.code,
                "title": n.title,
                "due": format_month(n.due_month),
                "state": published.get(n.code),
            }
            for n in found.nodes.all()
        ],
        "history": history,
    }


def _history(code: str, jurisdiction: Jurisdiction) -> tuple[list[dict], list[dict]]:
    """The task's mark on every month's latest board, and its nodes on the last of those,
    from the boards' per-publication indexes (boards.views.cached_parts, as the page)."""
    latest: dict[dt.date, dict] = {}
    chain = Publication.objects.filter(chain_filter(jurisdiction)).order_by("month", "version")
    for meta in chain.values("pk", "month", "version", "sha256"):
        latest[meta["month"]] = meta
    metas = list(latest.values())
    marks = cached_parts(metas, "marks")
    history, last = [], None
    for meta in metas:
        entry = marks[meta["sha256"]].get(code)
        if entry is None:
            continue
        rating, computed, reason = entry
        history.append(
            {
                "month": format_month(meta["month"]),
                "version": meta["version"],
                "rating": rating,
                "computed": computed,
                "reason": reason,
            }
        )
        last = meta
    if last is None:
        return history, []
    return history, cached_parts([last], "nodes")[last["sha256"]][code]


# Scores ----------------------------------------------------------------------------------


class ScoreQuery(Place):
    year: int | None = Field(None, description="the year; the last month's year if left out")
    quarter: int | None = Field(None, ge=1, le=4, description="1–4; the whole year if left out")
    by: Literal["unit", "area", "county"] | None = Field(
        None, description="what is ranked; unit if left out"
    )


@router.get("/scores", response={200: ScoreTable, **NOT_FOUND})
def score_table(request, asked: Query[ScoreQuery]):
    """The public league table (`/scores/public/`): only where the jurisdiction's office
    made it public (404 otherwise), from published boards only, without deductions."""
    jurisdiction = _jurisdiction(asked.jurisdiction)
    policy = policy_of(jurisdiction)
    if not policy.public:
        raise ApiProblem(404, _("考核得分未公开"))
    filters = FilterForm(request.GET, groupings=PUBLIC_GROUPINGS)
    if not filters.is_valid():
        errors = {name: [str(e) for e in problems] for name, problems in filters.errors.items()}
        raise ApiProblem(422, filters.problems(), errors=errors)
    year, quarter, by = (filters.cleaned_data[k] for k in ("year", "quarter", "by"))
    result = scores(
        year, quarter, by, jurisdiction=jurisdiction, minimum=policy.minimum, published_only=True
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
    return {
        "jurisdiction": jurisdiction.slug,
        "year": year,
        "quarter": quarter,
        "by": by,
        "minimum": policy.minimum,
        "months": [format_month(m) for m in months],
        "rows": [
            {
                "name": s.name,
                "rank": s.rank,
                "score": float(s.score),
                "rated": s.rated,
                "horse": s.horse,
                "ox": s.ox,
                "ostrich": s.ostrich,
                "snail": s.snail,
            }
            for s in result
        ],
    }
