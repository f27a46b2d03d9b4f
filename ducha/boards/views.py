"""The public side: published boards (any month, any version), their downloads, task pages.

Every jurisdiction has them: `/`, `/board/…` and `/tasks/…` are the home jurisdiction's,
`/j/<slug>/`, `/j/<slug>/board/…` and `/j/<slug>/tasks/…` any jurisdiction's (`/j/` lists
them). Each reads only its own publication chain and ledger.

Nothing here needs a login. A published board never changes, so its rendered parts are
cached. Every cache key starts with the head of the jurisdiction's publication chain, which
moves with each publication or correction of any of its months: one indexed query per
request is enough to know that a cached part is still the truth (a new month for `/`, a
new version, or a corrected previous month that changes the "against last month" column
all move the head).
The rest of the key is the month, the version asked for, the filters, the language and
whether htmx asked for the results only. The frame around the cached parts (navigation,
the signed-in user, CSRF tokens) is rendered on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ducha.boards import exports, league
from ducha.boards.cascade_views import grid_for_page
from ducha.boards.models import Publication
from ducha.boards.poster import PosterError, board_pdf
from ducha.boards.publication import chain_filter, header, snapshot_with_hash
from ducha.boards.units import units_by_kind
from ducha.ledger.models import Cascade, Task
from ducha.lib import clock, params
from ducha.lib.dates import day_label, month_label, short_month_label
from ducha.lib.months import add_months, format_month, parse_month
from ducha.lib.xlsx import CONTENT_TYPE
from ducha.org.models import Jurisdiction, of_jurisdiction
from ducha.ratings import marks
from ducha.ratings.display import MARKS, NOT_RATED
from ducha.ratings.reasons import reason_texts

# Keys carry the chain head, so entries never go stale; the timeout only bounds memory.
CACHE_SECONDS = 7 * 24 * 3600
FILTERS = ("area", "unit", "leader", "source", "rating")
ROW_FIELD = {"area": "area", "unit": "lead_unit", "leader": "leader", "source": "source"}


SOURCES = {
    "省定": pgettext_lazy("task source", "省定"),
    "市定": pgettext_lazy("task source", "市定"),
}
KINDS = {
    Publication.Kind.SCHEDULED: _("定时发布"),
    Publication.Kind.MANUAL: _("手动发布"),
    Publication.Kind.CORRECTION: _("勘误"),
}
NODE_STATUS = {"not_started": _("未启动"), "in_progress": _("推进中"), "done": _("已完成")}
TASK_STATUS = {
    Task.Status.ACTIVE: _("正常"),
    Task.Status.SUSPENDED: _("暂停"),
    Task.Status.CANCELLED: _("取消"),
}


def _month_of(text: str) -> dt.date | None:
    try:
        return parse_month(text)
    except ValueError:
        return None


def _url_month(text: str) -> dt.date:
    """The month in a board's address: one that cannot exist (2021-13, 0001-01) is a page
    that cannot exist."""
    when = _month_of(text)
    if when is None:
        raise Http404(f"月份 {text} 不存在")
    return when


# Jurisdictions --------------------------------------------------------------------------


def _jurisdiction(slug: str | None) -> Jurisdiction | None:
    """The jurisdiction of a `/j/<slug>/` page; None on the home routes (no query needed)."""
    if slug is None:
        return None
    found = Jurisdiction.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(f"没有标识为 {slug} 的辖区")
    return found


def _base(jurisdiction: Jurisdiction | None) -> str:
    """What the page's own links start with: nothing for the home routes, /j/<slug> else."""
    return "" if jurisdiction is None else f"/j/{jurisdiction.slug}"


def _reverse(jurisdiction: Jurisdiction | None, name: str, *args) -> str:
    if jurisdiction is None:
        return reverse(f"boards:{name}", args=args)
    return reverse(f"boards:j_{name}", args=[jurisdiction.slug, *args])


@require_safe
def jurisdictions(request):
    """Every jurisdiction with a public board, as the tree they form, each linked to its board
    (one above them without a board of its own is named, unlinked, to hold them)."""
    # A blank jurisdiction is the home one's (publications written before there were several).
    published = set(Publication.objects.values_list("jurisdiction", flat=True).distinct())
    children: dict[int | None, list[Jurisdiction]] = {}
    for j in Jurisdiction.objects.order_by("order", "slug"):
        children.setdefault(j.parent_id, []).append(j)

    def entries(parent_id: int | None) -> list[dict]:
        out = []
        for j in children.get(parent_id, []):
            below = entries(j.pk)
            has_board = j.pk in published or (j.home and None in published)
            if has_board or below:
                url = f"{_base(j)}/" if has_board else None
                out.append({"jurisdiction": j, "url": url, "children": below})
        return out

    return render(request, "boards/jurisdictions.html", {"places": entries(None)})


# Board pages ----------------------------------------------------------------------------


@require_safe
def latest_board(request, slug: str | None = None):
    """The newest month that has a publication, in its latest version."""
    return _board_response(request, _jurisdiction(slug), None, None)


@require_safe
def board(request, month: str, slug: str | None = None):
    jurisdiction = _jurisdiction(slug)
    return _board_response(request, jurisdiction, _url_month(month), _version_of(request))


def _version_of(request) -> int | None:
    """The version asked for (?version=2), None for the latest; an unreadable one is a 400."""
    return params.number(request.GET, "version", least=1)


def _filters(query) -> dict[str, str]:
    """The filters asked for, normalised so that equal requests share one cache entry."""
    chosen = {}
    for name in FILTERS:
        if name == "rating":
            value = params.choice(query, name, (*MARKS, NOT_RATED.key))
        elif name == "source":
            value = params.choice(query, name, SOURCES)
        else:  # names of areas, units and leaders: a name not on the board matches nothing
            value = query.get(name, "").strip()[:100]
        if value:
            chosen[name] = value
    return chosen


def _wants_results_only(request) -> bool:
    # A history restore after a cache miss in the browser needs the whole page.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _chain_head(request, jurisdiction: Jurisdiction | None) -> str | None:
    # An anonymous visitor's page cache has just read it (pagecache.public_page), for the
    # jurisdiction of the same address.
    head = getattr(request, "chain_head", None)
    if head is None:
        head = (
            Publication.objects.filter(chain_filter(jurisdiction))
            .order_by("-seq")
            .values_list("sha256", flat=True)
            .first()
        )
    return None if head == "-" else head


def _board_response(
    request, jurisdiction: Jurisdiction | None, month: dt.date | None, version: int | None
):
    head = _chain_head(request, jurisdiction)
    if head is None:
        return _missing_board(request, jurisdiction, month)
    filters = _filters(request.GET)
    partial = _wants_results_only(request)
    parts = [
        "board",
        head,
        format_month(month) if month else "latest",
        version,
        sorted(filters.items()),
        get_language(),
        partial,
    ]
    if jurisdiction is not None:  # its links differ from the home routes' (/j/<home>/ too)
        parts.append(jurisdiction.slug)
    key = _cache_key(*parts)
    part = cache.get(key)
    if part is None:
        context = _board_context(request, jurisdiction, month, version, filters)
        if context is None:
            return _missing_board(request, jurisdiction, month)
        if partial:
            part = {
                "sha": context["publication"]["sha256"],
                "results": render_to_string("boards/board.html#results", context, request),
            }
        else:
            part = {
                "sha": context["publication"]["sha256"],
                "title": context["page_title"],
                "board": render_to_string("boards/board.html#board", context, request),
                "colophon": render_to_string("boards/board.html#colophon", context, request),
            }
        cache.set(key, part, CACHE_SECONDS)

    not_modified = _not_modified(request, _etag(request, part["sha"], key, partial))
    if not_modified is not None:
        return not_modified
    if partial:
        response = HttpResponse(part["results"])
    else:
        response = render(request, "boards/board.html", {"part": part})
    # After rendering: the page may just have created this visitor's CSRF secret.
    _set_validators(response, _etag(request, part["sha"], key, partial))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _cache_key(*parts) -> str:
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode())
    return f"ducha:{parts[0]}:{digest.hexdigest()}"


def _etag(request, sha: str, key: str, partial: bool) -> str:
    """The publication's hash, then a digest of the key and of who the frame was drawn for.

    A full page holds the visitor's name and CSRF token, so a browser may reuse it only
    while those stay the same.
    """
    who = "" if partial else f"{request.user.pk or ''}:{request.META.get('CSRF_COOKIE', '')}"
    digest = hashlib.sha256(f"{key}|{who}".encode()).hexdigest()[:20]
    return f'"{sha[:20]}-{digest}"'


def _set_validators(response, etag: str) -> None:
    response["ETag"] = etag
    # Revalidate every time: `/` must show a new month at once, and a 304 is cheap.
    patch_cache_control(response, private=True, no_cache=True)


def _not_modified(request, etag: str):
    probe = HttpResponse()
    _set_validators(probe, etag)
    patch_vary_headers(probe, ["HX-Request"])
    answer = get_conditional_response(request, etag=etag, response=probe)
    return answer if answer.status_code == 304 else None


def _board_context(
    request,
    jurisdiction: Jurisdiction | None,
    month: dt.date | None,
    version: int | None,
    filters: dict,
):
    """Everything the board page shows; None when that month or version is not published."""
    metas = list(
        Publication.objects.filter(chain_filter(jurisdiction))
        .order_by("month", "version")
        .values("pk", "month", "version", "kind", "reason", "sha256", "previous", "published_at")
    )
    if not metas:
        return None
    month = month or metas[-1]["month"]
    versions = [m for m in metas if m["month"] == month]
    before = [m for m in metas if m["month"] == add_months(month, -1)]
    wanted = [m["pk"] for m in (*versions, *before[-1:])]
    snapshots = Publication.objects.filter(pk__in=wanted).values_list("pk", "snapshot")
    boards = {pk: json.loads(text) for pk, text in snapshots}
    for m in versions:
        # What the page says of each version comes from its snapshot, inside its hash;
        # the columns only find the rows (`ducha verify` compares the two).
        m.update(header(boards[m["pk"]], m))
    if version is not None:
        chosen = [m for m in versions if m["version"] == version]
    else:
        chosen = versions[-1:]
    if not chosen:
        return None
    publication = chosen[0]
    board = boards[publication["pk"]]
    previous = boards[before[-1]["pk"]] if before else None

    rows = _rows(board, previous)
    shown = [r for r in rows if _matches(r, filters)]
    counts = Counter(r["rating"] for r in rows)
    changes = Counter(r["change"].direction for r in shown if r["change"])
    month_text = format_month(month)
    published_at = clock.local(publication["published_at"])
    latest_version = versions[-1]
    version_query = f"?version={version}" if version is not None else ""
    place = exports.place_name(jurisdiction)
    title = gettext("%(city)s改革任务“四色”督查公示") % {"city": place}
    if jurisdiction is None or jurisdiction.home:
        page_title = gettext("%(month)s“四色”督查公示") % {"month": month_label(month)}
    else:  # a county's board names the county: its tab stands beside the city's
        page_title = gettext("%(place)s%(month)s“四色”督查公示") % {
            "place": place,
            "month": month_label(month),
        }
    base = _base(jurisdiction)
    return {
        "publication": publication,
        "month_text": month_text,
        "month_label": month_label(month),
        "title": title,
        "page_title": page_title,
        "base": base,
        "published_on": day_label(published_at.date()),
        "published_at": published_at,
        "kind": KINDS.get(publication["kind"], publication["kind"]),
        "is_correction": publication["kind"] == Publication.Kind.CORRECTION,
        "is_superseded": publication["version"] != latest_version["version"],
        "latest_version": latest_version,
        "versions": [
            {
                **v,
                "kind_label": KINDS.get(v["kind"], v["kind"]),
                "published_on": day_label(clock.local(v["published_at"]).date()),
                "current": v["pk"] == publication["pk"],
            }
            for v in versions
        ],
        "version_query": version_query,
        "asked_version": version,
        "previous_month": month_label(add_months(month, -1)),
        "previous_published": previous is not None,
        "calendar": _calendar(month, sorted({m["month"] for m in metas})),
        "legend": [{"mark": mark, "count": counts[key]} for key, mark in MARKS.items()],
        "not_rated": counts[None],
        "not_rated_mark": NOT_RATED,
        "total": len(rows),
        "shown_total": len(shown),
        "changes": changes,
        "groups": [
            {"area": area, "rows": list(group)}
            for area, group in groupby(shown, key=lambda r: r["area"])
        ],
        "filters": filters,
        "options": {
            "area": list(dict.fromkeys(r["area"] for r in rows)),
            "unit": sorted({r["lead_unit"] for r in rows}),
            "leader": sorted({r["leader"] for r in rows}),
            "source": [{"value": k, "label": v} for k, v in SOURCES.items()],
            "rating": [*MARKS.values(), NOT_RATED],
        },
        # Only the `board` partial reads it: an htmx filter request never asks for units.
        "unit_groups": SimpleLazyObject(lambda: _unit_tables(board["tasks"], jurisdiction)),
        "marks": list(MARKS.values()),
        "points": [(MARKS[k], settings.DUCHA_POINTS[k]) for k in MARKS],
        "path": request.path,
        "downloads": [
            (fmt, label, _reverse(jurisdiction, "download", month_text, fmt) + version_query)
            for fmt, label in (
                ("pdf", _("PDF 海报")),
                ("xlsx", "Excel"),
                ("csv", "CSV"),
                ("json", "JSON"),
            )
        ],
    }


def _unit_tables(tasks: list[dict], jurisdiction: Jurisdiction | None) -> list[dict]:
    """The per-unit summary: city departments, counties and others, each ranked within itself."""
    return [
        {
            "kind": group.kind,
            "label": group.label,
            "units": [
                {
                    "rank": s.rank,
                    "unit": s.name,
                    "score": s.score,
                    "counts": [(mark, getattr(s, key)) for key, mark in MARKS.items()],
                }
                for s in group.units
            ],
        }
        for group in units_by_kind(tasks, jurisdiction=jurisdiction)
    ]


@dataclass(frozen=True)
class Change:
    direction: str  # up, down, same, new (new on the board), rated, unrated, none
    symbol: str
    text: str


def _change(before: dict | None, code: str, rating: str | None) -> Change | None:
    """How a task's mark moved against last month's latest publication, in words."""
    if before is None:
        return None
    old = before.get(code)
    direction = marks.movement(old, rating, code in before)
    if direction in ("up", "down"):
        names = {"old": MARKS[old].name, "new": MARKS[rating].name}
        if direction == "up":
            return Change("up", "↑", gettext("由%(old)s升为%(new)s") % names)
        return Change("down", "↓", gettext("由%(old)s降为%(new)s") % names)
    words = {
        "new": ("＋", gettext("新列入")),
        "none": ("", "—"),
        "same": ("＝", gettext("持平")),
        "rated": ("•", gettext("开始评价")),
        "unrated": ("•", NOT_RATED.meaning),
    }
    return Change(direction, *words[direction])


def _rows(board: dict, previous: dict | None) -> list[dict]:
    before = {t["task"]: t["rating"] for t in previous["tasks"]} if previous else None
    rows = []
    for t in sorted(board["tasks"], key=lambda t: (t["area_order"], t["task"])):
        override = t["override"]
        rows.append(
            t
            | {
                "mark": MARKS.get(t["rating"], NOT_RATED),
                "source_label": SOURCES.get(t["source"], t["source"]),
                "change": _change(before, t["task"], t["rating"]),
                "reason_texts": reason_texts(t["reasons"]),
                "computed_mark": (MARKS.get(override["computed"], NOT_RATED) if override else None),
            }
        )
    return rows


def _matches(row: dict, filters: dict) -> bool:
    for name, value in filters.items():
        if name == "rating":
            if (row["rating"] or NOT_RATED.key) != value:
                return False
        elif row[ROW_FIELD[name]] != value:
            return False
    return True


def _calendar(month: dt.date, published: list[dt.date]) -> dict:
    """The twelve months of the board's year, linked where published; the years around it."""
    done = set(published)
    first = dt.date(month.year, 1, 1)
    days = [add_months(first, k) for k in range(12)]
    earlier = [m for m in published if m.year < month.year]
    later = [m for m in published if m.year > month.year]
    return {
        "year": month.year,
        "months": [
            {
                "text": format_month(d),
                "label": short_month_label(d),
                "published": d in done,
                "current": d == month,
            }
            for d in days
        ],
        "earlier": format_month(earlier[-1]) if earlier else None,
        "earlier_year": earlier[-1].year if earlier else None,
        "later": format_month(later[-1]) if later else None,
        "later_year": later[-1].year if later else None,
    }


def _missing_board(request, jurisdiction: Jurisdiction | None, month: dt.date | None):
    months = list(
        Publication.objects.filter(chain_filter(jurisdiction))
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    context = {
        "heading": (
            gettext("%(month)s的公示尚未发布") % {"month": month_label(month)}
            if month
            else gettext("还没有发布过公示")
        ),
        "message": gettext("每月的“四色”督查结果在次月10日公示。"),
        "months": [{"text": format_month(m), "label": month_label(m)} for m in months],
        "base": _base(jurisdiction),
    }
    # `/` with nothing published yet is not an error, just an empty office.
    status = 200 if month is None and not months else 404
    return render(request, "boards/missing.html", context, status=status)


# Downloads ------------------------------------------------------------------------------

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": CONTENT_TYPE,
    "pdf": "application/pdf",
}


@require_safe
def download(request, month: str, fmt: str, slug: str | None = None):
    """The published board as JSON, CSV, xlsx or the PDF poster (latest version unless asked)."""
    jurisdiction = _jurisdiction(slug)
    when, version = _url_month(month), _version_of(request)
    versions = Publication.objects.filter(chain_filter(jurisdiction), month=when)
    versions = versions.order_by("-version")
    if version is not None:
        versions = versions.filter(version=version)
    meta = versions.values("pk", "version", "sha256").first()
    if meta is None:
        return _missing_board(request, jurisdiction, when)

    # A city's poster and workbook also rank its counties, read from their own chains
    # (boards/league.py): what they were read from is part of the file's identity. None:
    # read from ratings that cannot be versioned now, so made afresh and not kept.
    below = league.state(when, jurisdiction) if fmt in ("xlsx", "pdf") else ""
    state = meta["sha256"] + (f"-{below}" if below else "")
    etag = f'"{state}.{fmt}"'
    not_modified = _not_modified(request, etag) if below is not None else None
    if not_modified is not None:
        return not_modified
    key = f"ducha:file:{state}:{fmt}"
    body = cache.get(key) if below is not None else None
    if body is None:
        board = snapshot_with_hash(Publication.objects.get(pk=meta["pk"]))
        try:
            body = _file(board, fmt)
        except PosterError as e:
            return HttpResponse(str(e), status=503, content_type="text/plain; charset=utf-8")
        if below is not None:
            cache.set(key, body, CACHE_SECONDS)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt in ("json", "pdf") else "attachment"
    place = "" if jurisdiction is None else f"{jurisdiction.slug}-"
    filename = f"ducha-board-{place}{month}-v{meta['version']}.{fmt}"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if below is not None:
        _set_validators(response, etag)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response


def _file(board: dict, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(board, ensure_ascii=False, indent=1).encode()
    if fmt == "csv":
        # Excel on Chinese Windows needs the BOM to read UTF-8 CSV.
        return exports.board_csv(board).encode("utf-8-sig")
    buffer = io.BytesIO()
    if fmt == "xlsx":
        exports.board_xlsx(board, buffer)
    else:
        board_pdf(board, buffer)
    return buffer.getvalue()


# Task pages -----------------------------------------------------------------------------


def _get_public_task(code: str, jurisdiction: Jurisdiction | None) -> Task | None:
    """Tasks are public, every field of them; this is the one place that looks them up.
    A code is unique only within its jurisdiction (the home one on the home routes)."""
    return (
        Task.objects.filter(of_jurisdiction(jurisdiction), code=code)
        # Whether it was pushed down to counties, in the same query: the grid costs its own
        # queries only on the pages of the tasks that have one.
        .annotate(has_cascades=Exists(Cascade.objects.filter(source=OuterRef("pk"))))
        .select_related("area", "leader", "lead_unit")
        .with_co_units()
        .prefetch_related("nodes")
        .first()
    )


@require_safe
def task_detail(request, code: str, slug: str | None = None):
    jurisdiction = _jurisdiction(slug)
    task = _get_public_task(code, jurisdiction)
    if task is None:
        context = {
            "heading": gettext("没有编号为 %(code)s 的改革任务") % {"code": code},
            "message": gettext("请从公示表中点击任务编号进入。"),
            "months": [],
            "base": _base(jurisdiction),
        }
        return render(request, "boards/missing.html", context, status=404)

    history, last = _task_history(task.code, jurisdiction)
    published = {n["code"]: n for n in last["nodes"]} if last else {}
    last_month = last["month"] if last else None
    nodes = []
    for node in task.nodes.all():
        state = published.get(node.code)
        done = _month_of(state["done"]) if state and state["done"] else None
        nodes.append(
            {
                "code": node.code,
                "title": node.title,
                "due": month_label(node.due_month),
                "state": state,
                "status": NODE_STATUS.get(state["status"], "") if state else "",
                "status_key": state["status"] if state else "unpublished",
                "done": month_label(done) if done else "",
                "early": bool(done and done < node.due_month),
                "late": bool(done and done > node.due_month),
                "overdue": bool(state and not done and last_month and node.due_month <= last_month),
            }
        )
    context = {
        "task": task,
        "source": SOURCES.get(task.get_source_display(), task.get_source_display()),
        "status": TASK_STATUS.get(task.status, task.status),
        "co_units": task.co_unit_names(),
        "nodes": nodes,
        "history": history,
        "last": last,
        "last_label": month_label(last_month) if last_month else "",
        "base": _base(jurisdiction),
        "place": None if jurisdiction is None or jurisdiction.home else jurisdiction.name,
    }
    if task.has_cascades:  # the counties it was pushed down to, month by month
        context["county_grid"] = grid_for_page(task, [h["month"] for h in history])
    response = render(request, "boards/task.html", context)
    # The grid follows the counties' own chains and their taking up: never kept stale.
    response.live = task.has_cascades
    return response


def _task_history(
    code: str, jurisdiction: Jurisdiction | None = None
) -> tuple[list[dict], dict | None]:
    """The task's mark in every published month (latest versions), and its last published row.

    Per-publication indexes are cached under the publication's hash (which fixes its
    content), so the page costs the same few queries however many tasks a board holds.
    """
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
        text = format_month(meta["month"])
        history.append(
            {
                "month": meta["month"],
                "label": month_label(meta["month"]),
                "mark": MARKS.get(rating, NOT_RATED),
                "adjusted": reason is not None,
                "computed": MARKS.get(computed, NOT_RATED),
                "reason": reason,
                "url": _reverse(jurisdiction, "board", text) + f"#t-{code}",
            }
        )
        last = meta
    if last is None:
        return history, None
    nodes = cached_parts([last], "nodes")[last["sha256"]][code]
    return history, {"month": last["month"], "version": last["version"], "nodes": nodes}


def cached_parts(metas: list[dict], part: str) -> dict[str, dict]:
    """{sha: {task code: ...}} for each publication: "marks" or "nodes", from one query."""
    keys = {m["sha256"]: f"ducha:{part}:{m['sha256']}" for m in metas}
    found = cache.get_many(keys.values())
    out = {sha: found[key] for sha, key in keys.items() if key in found}
    missing = [m["pk"] for m in metas if m["sha256"] not in out]
    if missing:
        fresh = {}
        for sha, text in Publication.objects.filter(pk__in=missing).values_list(
            "sha256", "snapshot"
        ):
            tasks = json.loads(text)["tasks"]
            fresh[f"ducha:marks:{sha}"] = {
                t["task"]: (
                    t["rating"],
                    t["override"]["computed"] if t["override"] else None,
                    t["override"]["reason"] if t["override"] else None,
                )
                for t in tasks
            }
            fresh[f"ducha:nodes:{sha}"] = {t["task"]: t["nodes"] for t in tasks}
            out[sha] = fresh[f"ducha:{part}:{sha}"]
        cache.set_many(fresh, CACHE_SECONDS)
    return out
