"""The office's 通报 and 盘点 page: the published months with their drafted 通报 (Word, PDF),
the years with their 盘点, and the issued 通报 (the office's own .docx, every version).

Drafts are read by the office and the auditor (`overseer_required`); the issued ones by
whoever `reads_numbers` (the city leaders too); only the office of the jurisdiction itself
issues (`user.runs`). Downloads are GETs that write nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.boards.models import Publication
from ducha.boards.poster import PosterError
from ducha.boards.publication import chain_filter
from ducha.bulletins import content, files, issuing
from ducha.bulletins.forms import IssueForm
from ducha.bulletins.models import IssuedBulletin
from ducha.lib import params
from ducha.lib.access import numbers_reader_required, office_required, overseer_required
from ducha.lib.months import format_month
from ducha.reports import scope
from ducha.supervision.documents import DOCX


def _place(request):
    """The jurisdiction the page shows: the person's own, or one below it he reads (?j=)."""
    user = request.user
    jurisdiction = scope.jurisdiction_asked(user, request.GET) or user.jurisdiction
    return jurisdiction, jurisdiction.pk == user.jurisdiction_id


def _chain(jurisdiction):
    return None if jurisdiction.home else jurisdiction


@numbers_reader_required
@require_GET
def index(request):
    return _index(request, IssueForm())


def _index(request, form, status=200, month: str = ""):
    user = request.user
    jurisdiction, own = _place(request)
    months = list(
        Publication.objects.filter(chain_filter(_chain(jurisdiction)))
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )
    issued: dict[dt.date, list[IssuedBulletin]] = {}
    for b in (
        IssuedBulletin.objects.of(jurisdiction)
        .newest_first()
        .defer("content")
        .select_related("issued_by")
    ):
        issued.setdefault(b.month, []).append(b)
    query = "" if own else f"?{scope.PARAM}={jurisdiction.slug}"
    return render(
        request,
        "bulletins/index.html",
        {
            "jurisdiction": jurisdiction,
            "own": own,
            "query": query,
            "drafts": user.sees_everything,
            "can_issue": user.runs(jurisdiction.pk),
            "rows": [(format_month(m), m, issued.get(m, [])) for m in months],
            "years": sorted({m.year for m in months}, reverse=True),
            "form": form,
            "issue_month": month,
            "max_mb": issuing.max_bytes() // issuing.MB,
        },
        status=status,
    )


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _render(document: content.Document, fmt: str) -> HttpResponse:
    try:
        data = files.render(document, fmt)
    except PosterError as e:
        return HttpResponse(str(e), status=503, content_type="text/plain; charset=utf-8")
    return _download(data, files.FORMATS[fmt], f"{document.filename}（草稿）.{fmt}")


@overseer_required
@require_GET
def draft(request, month: str, fmt: str):
    """The 通报 drafted from a published month, as Word or PDF."""
    if fmt not in files.FORMATS:
        raise Http404
    when = params.month({"month": month})
    jurisdiction, _own = _place(request)
    try:
        document = content.bulletin(when, jurisdiction)
    except content.BulletinError as e:
        raise Http404(str(e)) from None
    return _render(document, fmt)


@overseer_required
@require_GET
def review(request, year: int, fmt: str):
    """The year's 盘点, as Word or PDF."""
    if fmt not in files.FORMATS or not 2000 <= year <= 2100:
        raise Http404
    jurisdiction, _own = _place(request)
    try:
        document = content.review(year, jurisdiction)
    except content.BulletinError as e:
        raise Http404(str(e)) from None
    return _render(document, fmt)


@office_required
@require_POST
def issue(request, month: str):
    """The office of the jurisdiction uploads the 通报 it issued for a published month."""
    when = params.month({"month": month})
    jurisdiction = request.user.jurisdiction
    if not request.user.runs(jurisdiction.pk):
        raise Http404
    form = IssueForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            issuing.check_size(upload.name, upload.size)  # before reading it
            issued = issuing.issue(
                when,
                upload.name,
                upload.read(),
                by=request.user,
                jurisdiction=jurisdiction,
                number=form.cleaned_data["number"],
                request=request,
            )
        except issuing.IssueRefused as e:
            form.add_error("file", str(e))
        else:
            messages.success(
                request,
                _("已印发 %(month)s 的通报（第 %(v)s 版）")
                % {"month": format_month(when), "v": issued.version},
            )
            return redirect(reverse("bulletins:index"))
    messages.error(request, _("通报未能印发：%(month)s") % {"month": format_month(when)})
    return _index(request, form, status=400, month=format_month(when))


@numbers_reader_required
@require_GET
def issued(request, pk: int):
    """An issued 通报's file, for the office, the auditor and the leaders who read there."""
    found = IssuedBulletin.objects.filter(pk=pk).first()
    if found is None or not request.user.reads_in(found.jurisdiction_id):
        raise Http404("没有这份通报，或您无权下载")
    response = _download(bytes(found.content), DOCX, found.filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
