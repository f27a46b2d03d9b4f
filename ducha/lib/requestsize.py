"""Refuse a request body larger than its route allows, before a byte of it is read.

Django reads a multipart body in full (spooling files to disk) as soon as anything touches
request.POST, and the CSRF check does that for every POST, signed in or not. So the size is
judged here from Content-Length: a signed-in person's report page may carry its evidence
files, the office's ledger page its spreadsheet, an integration's evidence upload (with a
bearer token, ducha.api) as much as the report page, and everything else (any anonymous
request included) a small form. A body without a length (chunked) is refused too: Django under
WSGI would not read it anyway, and the page could only misread it as an empty form.
"""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from ducha.lib import problems

MB = 1024 * 1024
# Room for the form's own fields and the multipart boundaries around the files.
MARGIN = MB


def _evidence_limit() -> int:
    return settings.DUCHA_EVIDENCE_MAX_MB * settings.DUCHA_EVIDENCE_MAX_FILES * MB + MARGIN


def _import_limit() -> int:
    return settings.DUCHA_IMPORT_MAX_MB * MB + MARGIN


# Routes (by URL name) that take files, for signed-in people only.
UPLOAD_ROUTES = {
    "reports:report": _evidence_limit,
    "ledger:import": _import_limit,
    "supervision:answer": _evidence_limit,  # a 整改反馈 with its evidence
    "bulletins:issue": _import_limit,  # the 通报 the office issued (.docx)
}
# The API's uploads (ducha.api), for a bearer token: no session signs those in, and the
# route checks the token (and its scope) before it reads a byte of the body, so a wrong one
# is refused without spooling the file.
API_UPLOAD_ROUTES = {
    "api-v1:report_evidence": _evidence_limit,  # as the report page's
}


def _bearer(request) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def body_limit(request) -> int:
    """How many bytes this request's body may have."""
    small = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        return small
    if name in API_UPLOAD_ROUTES:
        return API_UPLOAD_ROUTES[name]() if _bearer(request) else small
    # Uploads are for people fully signed in: a password alone (the second factor still
    # owed) gets the small limit, like anyone anonymous.
    if not request.user.is_authenticated or request.user.owes_second_factor:
        return small
    limit = UPLOAD_ROUTES.get(name)
    return limit() if limit else small


def _refuse(request, status: int, limit: int) -> HttpResponse:
    limit_mb = max(1, round(limit / MB))
    if problems.is_api(request):
        if status == 411:
            return problems.response(request, 411, _("请求须注明长度（Content-Length）"))
        return problems.response(request, 413, _("请求超过 %(mb)s MB") % {"mb": limit_mb})
    context = {"status": status, "limit_mb": limit_mb}
    return HttpResponse(
        loader.render_to_string("413.html", context, request=request), status=status
    )


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or ""
        if not raw.strip():
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return _refuse(request, 411, body_limit(request))
            return self.get_response(request)
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            raise BadRequest(f"Content-Length {raw!r}")
        # Most requests carry no body or a small form: no need to look up the route.
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = body_limit(request)
            if length > limit:
                return _refuse(request, 413, limit)
        return self.get_response(request)
