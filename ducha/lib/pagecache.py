"""Whole-page caching of public pages for anonymous visitors.

A published board never changes, so an anonymous visitor's page depends only on the URL,
the language and the head of the publication chain (a new publication or correction moves
it). Signed-in users, htmx requests and anything but GET go through the view as usual.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified

KEPT_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Vary", "Content-Language")
SECONDS = 24 * 3600


def chain_head() -> str:
    with connection.cursor() as cursor:  # raw: this runs on every public request
        cursor.execute("SELECT sha256 FROM boards_publication ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else "-"


def public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if (
            request.method != "GET"
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.headers.get("HX-Request")
        ):
            return view(request, *args, **kwargs)
        head = chain_head()
        request.chain_head = head  # the view keys its own cache by it too: one query, not two
        key = f"page:{head}:{request.LANGUAGE_CODE}:{request.get_full_path()}"
        hit = cache.get(key)
        if hit is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.cookies or response.streaming:
                return response
            if hasattr(response, "render"):
                response.render()
            hit = (response.content, {h: response[h] for h in KEPT_HEADERS if h in response})
            cache.set(key, hit, SECONDS)
        content, headers = hit
        etag = headers.get("ETag")
        if etag and etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response

    return wrapped
