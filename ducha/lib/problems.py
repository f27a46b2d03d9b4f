"""RFC 9457 problem details: the one shape in which Ducha's API refuses a request.

The body is built here, below the apps, so that what answers before a route is reached (the
site's error handlers in `ducha.lib.errors`, the request-size middleware) speaks it too for
paths under /api/; `ducha.api.problems` declares it in the OpenAPI document and answers the
API's own exceptions with it.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

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
    411: ("length-required", "Length required"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("too-large", "Request too large"),
    422: ("invalid", "Invalid request"),
    429: ("too-many-requests", "Too many requests"),
    500: ("server-error", "Server error"),
}


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
        "detail": str(detail),
        "instance": request.path,
    }
    if errors:
        body["errors"] = [
            {"field": field, "message": str(message)}
            for field, messages in errors.items()
            for message in messages
        ]
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def is_api(request: HttpRequest) -> bool:
    """Whether a request is the API's, to be answered with problems rather than pages."""
    return request.path_info.startswith("/api/")
