"""The cascade in the browser, for offices only.

`/office/cascade/`: the office pushes its jurisdiction's tasks down to its counties (all or
some) and reads the reconciliation lists. `/office/cascade/inbox/`: a county's office takes
up what was pushed to it, choosing its own lead unit and leader and, if it likes, earlier
deadlines. Every lookup goes through the signed-in office's own jurisdiction: a task of
another jurisdiction, or a cascade pushed to another county, is not found (404) — so a
county never takes up another county's task, and the city never takes up its own.

Who may do what is asked of the user (ducha/org/models.py), each rule in one place below:
reading the pages (`user.reads_in`), pushing a task (`user.runs` its jurisdiction),
taking one up (`user.runs` the county it was pushed to).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.boards import cascades as reading
from ducha.ledger import cascade as rules
from ducha.ledger.models import Cascade, Node, Task
from ducha.lib import clock, params
from ducha.lib.access import office_required
from ducha.lib.dates import month_label
from ducha.lib.months import add_months, parse_month
from ducha.org.models import Jurisdiction, Leader, Unit
from ducha.ratings.display import MARKS, shown


def _default_month() -> dt.date:
    """Last month: the one being reported and rated."""
    return add_months(clock.today().replace(day=1), -1)


# The county grid on a task's public page ------------------------------------------------


def grid_for_page(source_task: Task, months: list[dt.date]) -> dict:
    """What ledger/cascade_grid.html draws: each county the task was pushed to, its mark in
    each of `months` from its published boards (a month it has not published is shown as
    such), and the counties that have not taken the task up. See `county_grid` for the
    queries (constant, whatever the number of counties and months)."""
    rows = reading.county_grid(source_task, months, published_only=True)
    return {
        "months": [{"month": m, "label": month_label(m)} for m in months],
        "rows": [
            {
                "slug": row.county.slug,
                "name": row.county.name,
                "accepted": row.accepted,
                "url": f"/j/{row.county.slug}/tasks/{row.task.code}/" if row.task else None,
                "cells": [
                    {
                        "key": (row.cells[m] or "none") if m in row.listed else "unpublished",
                        "mark": shown(row.cells[m]) if m in row.listed else None,
                        "label": month_label(m),
                    }
                    for m in months
                ],
            }
            for row in rows
        ],
        "not_accepted": [row.county.name for row in rows if not row.accepted],
    }


# Who may do what ----------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _place_read(user) -> Jurisdiction:
    """The jurisdiction whose cascade pages this office reads: its own."""
    _require(user.reads_in(user.jurisdiction_id))
    return user.jurisdiction


def _tasks_to_push(user, codes: list[str]) -> list[Task]:
    """The tasks a push names, looked up in the office's own ledger (a code of another
    jurisdiction's is not found), each of a jurisdiction this person runs."""
    tasks = list(
        Task.objects.filter(jurisdiction_id=user.jurisdiction_id, code__in=codes)
        .select_related("jurisdiction")
        .order_by("code")
    )
    if len(tasks) != len(codes):
        raise Http404(_("没有这项任务"))
    _require(all(user.runs(task.jurisdiction_id) for task in tasks))
    return tasks


def _cascades_for(user):
    """What was pushed down to the office's own jurisdiction; nothing else is found."""
    nodes = Prefetch("source__nodes", queryset=Node.objects.order_by("order", "code"))
    return (
        Cascade.objects.filter(jurisdiction_id=user.jurisdiction_id)
        .select_related(
            "jurisdiction", "source__area", "source__jurisdiction", "source__leader", "task"
        )
        .prefetch_related(nodes)
        .order_by("source__code")
    )


def _cascade_to_accept(user, pk: int) -> Cascade:
    """A cascade pushed to the office's own jurisdiction (another's is not found), which
    this person runs."""
    found = _cascades_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("没有下达给本辖区的这项任务"))
    _require(user.runs(found.jurisdiction_id))
    return found


# The office above ------------------------------------------------------------------------


@office_required
@require_GET
def office(request):
    return _office_page(request)


def _office_page(request, typed: dict | None = None, status: int = 200):
    place = _place_read(request.user)
    month = params.month(request.GET, default=_default_month())
    tasks = (
        Task.objects.in_jurisdiction(place)
        .select_related("area", "lead_unit")
        .annotate(
            pushed=Count("cascades"),
            accepted=Count("cascades", filter=Q(cascades__task__isnull=False)),
        )
        .order_by("area__order", "code")
    )
    behind = reading.behind_city(month, place)
    context = {
        "place": place,
        "month": month,
        "tasks": tasks,
        "counties": rules.children(place),
        "typed": typed or {"tasks": [], "counties": [], "all": False, "errors": {}},
        "not_accepted": reading.pushed_not_accepted(place),
        "without_nodes": reading.accepted_without_nodes(place),
        "named": MARKS,
        "behind": [
            {"row": b, "mark": shown(b.rating), "city_mark": shown(b.city_rating)} for b in behind
        ],
    }
    return render(request, "ledger/cascade.html", context, status=status)


@office_required
@require_POST
def push(request):
    """Push the chosen tasks to the chosen counties (or all of them), in one transaction."""
    codes = list(dict.fromkeys(c.strip() for c in request.POST.getlist("task") if c.strip()))
    slugs = request.POST.getlist("county")
    every = request.POST.get("all") == "1"
    tasks = _tasks_to_push(request.user, codes)
    place = request.user.jurisdiction  # theirs, which it runs (_tasks_to_push asked)
    counties = rules.children(place)
    chosen = counties if every else [c for c in counties if c.slug in slugs]
    errors = {}
    if not codes:
        errors["task"] = _("请选择要下达的任务")
    if not counties:
        errors["county"] = _("本级没有下级辖区，无法下达")
    elif set(slugs) - {c.slug for c in counties}:
        errors["county"] = _("只能下达到本级直属的下级辖区")
    elif not chosen:
        errors["county"] = _("请选择下达到哪些县市区，或勾选“全部”")
    if not errors:
        pushed = Cascade.objects.filter(source__in=tasks)
        before = pushed.count()
        try:
            with transaction.atomic():
                for task in tasks:
                    rules.push(task, chosen, by=request.user, request=request)
        except rules.CascadeError as e:
            errors["task"] = str(e)
        else:
            new = pushed.count() - before
            messages.success(
                request,
                _("已将 %(tasks)s 项任务下达到 %(counties)s 个县市区（新下达 %(new)s 项次）。")
                % {"tasks": len(tasks), "counties": len(chosen), "new": new},
            )
            return redirect(reverse("cascade:office"))
    typed = {"tasks": codes, "counties": slugs, "all": every, "errors": errors}
    return _office_page(request, typed, status=400)


# The county's office ---------------------------------------------------------------------


@office_required
@require_GET
def inbox(request):
    return _inbox_page(request)


def _inbox_page(request, typed: dict | None = None, status: int = 200):
    place = _place_read(request.user)
    cascades = list(_cascades_for(request.user))
    typed = typed or {}
    forms = []
    for c in cascades:
        mine = typed if typed.get("pk") == c.pk else {}
        dues = mine.get("dues", {})
        errors = mine.get("errors", {})
        forms.append(
            {
                "cascade": c,
                "lead_unit": mine.get("lead_unit", ""),
                "leader": mine.get("leader", ""),
                "errors": errors,
                "message": mine.get("message", ""),
                "nodes": [
                    {"node": n, "typed": dues.get(n.code, ""), "error": errors.get(n.code, "")}
                    for n in c.source.nodes.all()
                ],
            }
        )
    context = {
        "place": place,
        "pending": [f for f in forms if f["cascade"].task_id is None],
        "accepted": [f["cascade"] for f in forms if f["cascade"].task_id is not None],
        "units": Unit.objects.filter(jurisdiction=place, is_active=True),
        "leaders": Leader.objects.filter(jurisdiction=place),
    }
    return render(request, "ledger/cascade_inbox.html", context, status=status)


@office_required
@require_POST
def accept(request, pk: int):
    cascade = _cascade_to_accept(request.user, pk)
    if cascade.task_id is not None:  # a second click, or another clerk was quicker
        messages.info(request, _("任务 %(code)s 已承接。") % {"code": cascade.source.code})
        return redirect(reverse("cascade:inbox"))
    place = cascade.jurisdiction
    unit_id = params.number(request.POST, "lead_unit")
    leader_id = params.number(request.POST, "leader")
    lead_unit = Unit.objects.filter(jurisdiction=place, pk=unit_id).first() if unit_id else None
    leader = Leader.objects.filter(jurisdiction=place, pk=leader_id).first() if leader_id else None
    typed_dues, dues, errors = {}, {}, {}
    for node in cascade.source.nodes.all():
        text = request.POST.get(f"due-{node.pk}", "").strip()[:20]
        if not text:
            continue
        typed_dues[node.code] = text
        try:
            dues[node.code] = parse_month(text)
        except ValueError:
            errors[node.code] = _("节点 %(code)s 的完成时限应写作 YYYY-MM，例如 2021-06") % {
                "code": node.code
            }
    typed = {
        "pk": cascade.pk,
        "lead_unit": str(unit_id or ""),
        "leader": str(leader_id or ""),
        "dues": typed_dues,
    }
    refused = _("未承接，请按提示修改后重新提交。")
    if not errors:
        try:
            task = rules.accept(
                cascade, lead_unit, leader, by=request.user, nodes=dues, request=request
            )
        except rules.CascadeError as e:
            errors = e.fields
            refused = refused if e.fields else str(e)
        else:
            messages.success(
                request,
                _("已承接任务 %(code)s %(title)s，已列入本级台账。")
                % {"code": task.code, "title": task.title},
            )
            return redirect(reverse("cascade:inbox"))
    typed |= {"errors": errors, "message": refused}
    return _inbox_page(request, typed, status=400)
