"""Every refusal of /api/v1/ in one shape: RFC 9457 problem details.

    HTTP/1.1 404 Not Found
    Content-Type: application/problem+json

    {"type": "https://ducha.invalid/problems/not-found", "title": "Not found",
     "status": 404, "detail": "没有这项任务", "instance": "/api/v1/tasks/X"}

`type` names the kind of problem (stable, documented in the README; the address is a name,
not a page to fetch), `title` says it in English, `detail` says this occurrence in the
reader's language, `errors` (only on 400 and 422) lists each field refused and why.

The same shape answers what never reaches a route: an unknown path under /api/ and a server
error outside the API's views (`ducha.lib.errors`), and a method a path does not take
(405, with `Allow`). The OpenAPI document declares it for every operation (`declare`), so a
client, and schemathesis, can hold us to it.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import AuthorizationError as NinjaAuthorizationError

from ducha.lib.params import BadParameter
from ducha.lib.problems import CONTENT_TYPE, KINDS, is_api, response  # noqa: F401 — the API's

log = logging.getLogger(__name__)
security = logging.getLogger("django.security")

# Where a pydantic error's location starts with where the value came from.
SOURCES = {"query", "path", "body", "header", "cookie", "form", "file"}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details: what went wrong, for a program (`type`, `status`) and for a
    person (`title`, `detail`); `errors` names each field refused."""

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


def not_allowed(view):
    """Ninja answers a method a path does not take with a plain-text 405: make it a problem,
    keeping the `Allow` header."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        answer = view(request, *args, **kwargs)
        if answer.status_code != 405:
            return answer
        problem = response(
            request, 405, _("此地址不接受 %(method)s 请求") % {"method": request.method}
        )
        problem["Allow"] = answer["Allow"]
        return problem

    return wrapper


def install(api) -> None:
    """Answer every exception the API raises as a problem (replacing ninja's own shapes)."""

    @api.exception_handler(ApiProblem)
    def _problem(request, exc: ApiProblem):
        return response(request, exc.status, exc.detail, exc.errors)

    @api.exception_handler(ValidationError)
    def _invalid(request, exc: ValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            where = [str(p) for p in error.get("loc", ())]
            if where and where[0] in SOURCES:
                where = where[1:]
            errors.setdefault(".".join(where) or "__all__", []).append(str(error.get("msg", "")))
        return response(
            request, 422, _("请求参数有误：%(fields)s") % {"fields": "、".join(errors)}, errors
        )

    @api.exception_handler(BadParameter)
    def _bad_parameter(request, exc: BadParameter):
        # A query parameter read by ducha.lib.params, as the pages read it.
        return response(request, 422, exc.message, {exc.name: [exc.message]})

    @api.exception_handler(BadRequest)
    def _bad_request(request, exc):
        return response(request, 400, str(exc) or _("请求有误"))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        r = response(request, 401, _("缺少有效的接口令牌（Authorization: Bearer …）"))
        r["WWW-Authenticate"] = 'Bearer realm="ducha"'
        return r

    @api.exception_handler(NinjaAuthorizationError)
    def _unauthorized(request, exc):
        return response(request, 403, str(exc) or _("无权执行此操作"))

    # What Django refuses while reading a request (the site's pages answer these 400 too):
    # never a server error, whoever sends them.
    @api.exception_handler(RequestDataTooBig)
    def _too_large(request, exc):
        mb = max(1, round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)))
        return response(request, 413, _("请求超过 %(mb)s MB") % {"mb": mb})

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request, exc: SuspiciousOperation):
        # Too many fields or files: logged as Django logs it (django.security).
        security.warning("%s on %s: %s", type(exc).__name__, request.path, exc)
        return response(request, 400, _("请求有误"))

    @api.exception_handler(MultiPartParserError)
    def _unreadable_upload(request, exc):
        return response(request, 400, _("上传的内容无法读取（multipart/form-data 格式有误）"))

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return response(request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return response(request, 404, str(exc) or _("没有找到"))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return response(request, 403, str(exc) or _("无权执行此操作"))

    @api.exception_handler(Exception)
    def _server_error(request, exc):
        log.exception("API error on %s", request.path)
        return response(request, 500, _("服务器内部错误"))


# The OpenAPI document ---------------------------------------------------------------------

# What every operation may answer besides its own declared refusals: a request Django will
# not read (400: too many parameters, a broken upload), one it cannot read (422), and a
# failure of ours (500). An operation behind a token may also refuse the token (401), its
# scope (403) or a client guessing tokens (429).
EVERY = {
    "400": "The request cannot be read (too many parameters, a broken upload)",
    "422": "The request's parameters or body cannot be read",
    "500": "Server error",
}
SECURED = {
    "401": "No valid token",
    "403": "The token may not do this",
    "429": "Too many failed token attempts from this address",
}
REF = {"$ref": "#/components/schemas/Problem"}


def declare(document: dict) -> dict:
    """Declare every error answer of every operation as a problem (RFC 9457): ninja names
    a declared `Problem` answer `application/json`, and does not know the ones every
    operation may give."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (FieldError, Problem):
        if model.__name__ not in schemas:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(found.pop("$defs", {}))
            schemas[model.__name__] = found
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            # Ninja keys the answers by number; the document's keys are strings.
            answers = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = answers
            for status, description in EVERY.items():
                answers.setdefault(status, {"description": description})
            if operation.get("security"):
                for status, description in SECURED.items():
                    answers.setdefault(status, {"description": description})
            for status, answer in answers.items():
                if int(status) >= 400:
                    answer["content"] = {CONTENT_TYPE: {"schema": REF}}
    return document
