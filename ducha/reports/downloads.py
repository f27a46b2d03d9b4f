"""The blank templates as downloads: the office's ledger and progress templates, and a unit's
progress template filled with its own nodes. Reading only: nothing is written or recorded."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ducha.ledger.blanks import ledger_template, progress_template
from ducha.lib import params
from ducha.lib.access import office_required, unit_member_required
from ducha.lib.months import format_month
from ducha.lib.xlsx import CONTENT_TYPE
from ducha.org.models import Unit
from ducha.reports.workflow import reporting_month

XLSX = CONTENT_TYPE


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition for a Chinese file name (RFC 6266/5987), with an ASCII name for
    clients that read only `filename`."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _xlsx(write: Callable[[io.BytesIO], object], filename: str, fallback: str) -> HttpResponse:
    body = io.BytesIO()
    write(body)
    response = HttpResponse(body.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = attachment(filename, fallback)
    response["Cache-Control"] = "private, no-store"  # the lists change with the database
    return response


def _progress(request, unit: Unit | None) -> HttpResponse:
    jurisdiction = request.user.jurisdiction
    month = params.month(request.GET, default=reporting_month(jurisdiction=jurisdiction))
    text = format_month(month)
    who = f"{unit.name}-" if unit is not None else ""
    return _xlsx(
        lambda out: progress_template(out, month=month, unit=unit),
        f"{who}月度进展-{text}.xlsx".replace("/", "-"),
        f"progress-{text}.xlsx",
    )


@require_safe
@office_required
def ledger(request):
    return _xlsx(
        lambda out: ledger_template(out, request.user.jurisdiction),
        "改革任务台账模板.xlsx",
        "ledger-template.xlsx",
    )


@require_safe
@office_required
def progress(request):
    """Blank, or filled for the unit ?unit=<id> (the office sends it to the unit)."""
    unit_id = params.number(request.GET, "unit")
    # The office sends its own units theirs: a unit of another jurisdiction is not found.
    units = Unit.objects.filter(jurisdiction=request.user.jurisdiction_id)
    unit = get_object_or_404(units, pk=unit_id) if unit_id is not None else None
    return _progress(request, unit)


@require_safe
@unit_member_required
def mine(request):
    """The progress template of the person's own unit, its nodes listed."""
    return _progress(request, request.user.unit)
