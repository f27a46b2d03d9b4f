"""Validators on what /api/v1/ reads, so a client polling for the next board pays a 304.

A board's ETag is its publication's SHA-256 (strong: the body is a function of that one
publication, and the view answers 304 before reading the snapshot). Every other successful
GET gets a weak ETag, a digest of the body it rendered: the same bytes, the same tag; it
saves the transfer, not the work. Both are revalidated on every use (`no-cache`): a new
publication or correction must show at once, and a 304 is cheap.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

REVALIDATE = {"public": True, "no_cache": True}
# What a token reads is its unit's alone: no shared cache may keep it (`public` would let one).
PRIVATE = {"private": True, "no_cache": True}
# A named version of a month never changes: kept as long as a cache likes.
FOREVER = {"public": True, "max_age": 365 * 24 * 3600, "immutable": True}


def strong(sha256: str) -> str:
    return f'"{sha256}"'


def weak(content: bytes) -> str:
    return f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'


def not_modified(request: HttpRequest, etag: str, **cache_control) -> HttpResponse | None:
    """A 304 when the client holds `etag` already (before any work is done), else None."""
    probe = HttpResponse()
    probe["ETag"] = etag
    patch_cache_control(probe, **(cache_control or REVALIDATE))
    answer = get_conditional_response(request, etag=etag, response=probe)
    return answer if answer.status_code == 304 else None


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A successful read with its validators (a weak tag unless the view set one), or the
    304 that replaces it."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if not response.has_header("ETag"):
        response["ETag"] = weak(response.content)
    if not response.has_header("Cache-Control"):
        private = "HTTP_AUTHORIZATION" in request.META
        patch_cache_control(response, **(PRIVATE if private else REVALIDATE))
    answer = get_conditional_response(request, etag=response["ETag"], response=response)
    return answer if answer.status_code == 304 else response
