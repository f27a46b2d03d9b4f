"""One way to page every list of /api/v1/: `?page=1&page_size=20` in, and

    {"count": 130, "page": 2, "page_size": 20, "next": "/api/v1/tasks?page=3&page_size=20",
     "previous": "/api/v1/tasks?page=1&page_size=20", "items": [...]}

out. `next` and `previous` are relative references (the path and query as asked, with the
page changed), so they hold behind any proxy; null at either end. A page past the last is
empty (count still says how many there are), so a client looping on `next` never errs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema

MAX_PAGE_SIZE = 100
PAGE_SIZE = 20
# Beyond any list Ducha holds: keeps OFFSET inside every database's integers.
MAX_PAGE = 1_000_000


class Paging(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="1 is the first page")
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="items on a page")


class Page(Schema):
    count: int = Field(description="items in the whole list")
    page: int
    page_size: int
    next: str | None = Field(description="the next page's address, null on the last")
    previous: str | None = Field(description="the previous page's address, null on the first")


def page(
    request,
    rows: QuerySet | Sequence,
    paging: Paging,
    item: Callable[[Any], Any] = lambda row: row,
) -> dict:
    """The asked page of `rows` (ordered), each turned into an answer's item by `item`."""
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    start = (paging.page - 1) * paging.page_size
    shown = list(rows[start : start + paging.page_size]) if start < count else []
    last = max(1, -(-count // paging.page_size))
    return {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "next": _address(request, paging.page + 1) if paging.page < last else None,
        "previous": _address(request, min(paging.page - 1, last)) if paging.page > 1 else None,
        "items": [item(row) for row in shown],
    }


def _address(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return f"{request.path}?{query.urlencode()}"
