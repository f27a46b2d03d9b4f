"""Whole-page caching of public pages for anonymous visitors.

A published board never changes, so an anonymous visitor's page depends only on the URL,
the language and the head of its jurisdiction's publication chain (a new publication or
correction there moves it; a county's publication leaves the city's pages cached, and the
other way round). A page under /j/<slug>/ is that jurisdiction's, any other the home one's.
Signed-in users, htmx requests and anything but GET go through the view as usual, and a
view marks a page `live` when it shows what other chains decide (a city task's county
grid: a county's publication or taking up does not move the city's head).

A shared page must carry nothing of one visitor: a visitor with flash messages waiting is
served by the view and never stored (a message planted through a logout or an upload name
would otherwise greet everyone), and neither is a page that set a cookie, varies on it, or
rendered a CSRF token.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import cc_delim_re

KEPT_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Vary", "Content-Language")
SECONDS = 24 * 3600


# The home chain's rows are those with a blank jurisdiction or the home one's
# (boards.publication.chain_filter says the same to the ORM).
HOME_HEAD = """
SELECT p.sha256 FROM boards_publication p
LEFT JOIN org_jurisdiction j ON j.id = p.jurisdiction_id
WHERE p.jurisdiction_id IS NULL OR j.home
ORDER BY p.seq DESC LIMIT 1"""
HEAD_OF = """
SELECT p.sha256 FROM boards_publication p
JOIN org_jurisdiction j ON j.slug = %s
WHERE p.jurisdiction_id = j.id OR (j.home AND p.jurisdiction_id IS NULL)
ORDER BY p.seq DESC LIMIT 1"""


def chain_head(slug: str | None = None) -> str:
    """The newest publication's hash in the chain of the jurisdiction `slug` (the home one
    without), "-" when it has none (or there is no such jurisdiction)."""
    with connection.cursor() as cursor:  # raw: this runs on every public request
        if slug is None:
            cursor.execute(HOME_HEAD)
        else:
            cursor.execute(HEAD_OF, [slug])
        row = cursor.fetchone()
    return row[0] if row else "-"


def _messages_pending(request) -> bool:
    # len() looks at the stored messages without marking them read.
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _per_visitor(request, response) -> bool:
    """Whether the response holds something that belongs to this visitor alone."""
    storage = getattr(request, "_messages", None)
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    return bool(
        response.cookies
        or response.has_header("Set-Cookie")
        or "cookie" in vary
        # The page showed (consumed) messages, or the view queued one for the next page.
        or (storage is not None and (storage.used or len(storage) > 0))
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a token from get_token()
    )


# What a public task page shows besides its boards, from apps the boards know nothing of (a
# committee decision that a task follows up): each an SQL query giving one row that moves
# when that changes. An app appends its own in its AppConfig.ready().
TASK_PAGE_STAMPS: list[str] = []


def public_page(view, stamps: list[str] | None = None):
    """A public board page, cached under its jurisdiction's chain head (and, for a task's
    page, the `stamps` of what else it shows)."""

    def head(request, kwargs) -> str:
        found = chain_head(kwargs.get("slug"))
        request.chain_head = found  # the view keys its own cache by it too: one query, not two
        if not stamps:
            return found
        with connection.cursor() as cursor:
            for sql in stamps:
                cursor.execute(sql)
                found += f":{cursor.fetchone()}"
        return found

    return cached_page(head)(view)


def cached_page(version):
    """Cache an anonymous visitor's page under `version(request, kwargs)`: one cheap query
    whose answer moves whenever anything the page shows changes (a publication's hash, the
    newest change stamp of the rows it lists). Every worker asks the database, so a change
    made through one app server is seen by the others at once."""

    def decorate(view):
        return _cached(view, version)

    return decorate


def _cached(view, version):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if (
            request.method != "GET"
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.headers.get("HX-Request")
            or _messages_pending(request)
        ):
            return view(request, *args, **kwargs)
        # Hashed too: a stamp may hold spaces and more than a cache key may.
        stamp = hashlib.sha256(version(request, kwargs).encode()).hexdigest()[:32]
        # Hashed: a visitor's query string is his to make as long as he likes.
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{view.__module__}.{view.__name__}:{stamp}:{request.LANGUAGE_CODE}:{path}"
        hit = cache.get(key)
        if hit is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            if hasattr(response, "render"):
                response.render()
            if _per_visitor(request, response) or getattr(response, "live", False):
                return response
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
