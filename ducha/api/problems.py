"""Every refusal of /api/v1/ in one shape: RFC 9457 problem details.

    HTTP/1.1 404 Not Found
    Content-Type: application/problem+json

    {"type": "https://ducha.invalid/problems/not-found", "title": "Not found",
     "status": 404, "detail": "没有这项任务，或您无权查看", "instance": "/api/v1/tasks/X/"}

`type` names the kind of problem (stable, documented in the README; the address is a name,
not a page to fetch), `title` says it in English, `detail` says this occurrence in the
reader's language, `errors` (only on 400 and 422) lists each field refused and why.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import AuthorizationError as NinjaAuthorizationError

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
BASE = "https://ducha.invalid/problems/"

# status: (type's last part, title)
KINDS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "No valid token"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("too-large", "Request too large"),
    422: ("invalid", "Invalid request"),
    429: ("too-many-requests", "Too many requests"),
    500: ("server-error", "Server error"),
}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raised anywhere under /api/v1/: answered as a problem of this status."""

    def __init__(
        self, status: int, detail: str = "", *, errors: dict[str, list[str]] | None = None
    ):
        self.status = status
        self.detail = detail
        self.errors = errors
        super().__init__(detail)


def response(
    request: HttpRequest,
    status: int,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    slug, title = KINDS.get(status, KINDS[500] if status >= 500 else KINDS[400])
    body: dict = {
        "type": BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [
            {"field": field, "message": message}
            for field, messages in errors.items()
            for message in messages
        ]
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def install(api) -> None:
    """Answer every exception the API raises as a problem (replacing ninja's own shapes)."""

    @api.exception_handler(ApiProblem)
    def _problem(request, exc: ApiProblem):
        return response(request, exc.status, exc.detail, exc.errors)

    @api.exception_handler(ValidationError)
    def _invalid(request, exc: ValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            field = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
            errors.setdefault(field or "__all__", []).append(str(error.get("msg", "")))
        return response(request, 422, "请求参数有误", errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        r = response(request, 401, "缺少有效的接口令牌（Authorization: Bearer …）")
        r["WWW-Authenticate"] = 'Bearer realm="ducha"'
        return r

    @api.exception_handler(NinjaAuthorizationError)
    def _unauthorized(request, exc):
        return response(request, 403, str(exc) or "无权执行此操作")

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return response(request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return response(request, 404, str(exc) or "没有找到")

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return response(request, 403, str(exc) or "无权执行此操作")

    @api.exception_handler(Exception)
    def _server_error(request, exc):
        log.exception("API error on %s", request.path)
        return response(request, 500, "服务器内部错误")
