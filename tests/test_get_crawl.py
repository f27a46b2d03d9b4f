"""Every GET route, as every role, with real and hostile values: never a 5xx, never a write.

The routes come from the URL resolver itself (the admin's and the accounts' included), so a
route added later is crawled without anyone remembering to list it. Path parameters are
filled with real objects of the world below and with hostile values (months at the ends of
the calendar, months that do not exist, digits that are not ASCII, over-long codes). Every
query parameter a page reads (the crawl watches which ones it asks for) is then sent to it
again with each hostile value in turn.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from ducha.boards.publication import publish
from ducha.committee import workflow as committee
from ducha.demo.seeding import office_staff_group
from ducha.ledger.models import Task
from ducha.org.models import User
from ducha.reports import workflow
from tests.conftest import PASSWORD
from tests.test_reports import PDF

ROLES = ["anonymous", "admin", "office", "reporter", "head", "other_reporter", "leader", "auditor"]
JUNE, JULY = dt.date(2021, 6, 1), dt.date(2021, 7, 1)

ODD_DIGITS = ["①", "٣", "１"]  # str.isdigit() says yes to each; int() refuses the first
HOSTILE_MONTHS = ["0001-01", "9999-12", "2021-13", "2021-00", "٢٠٢١-٠٦", "２０２１-０６"]
HOSTILE_NUMBERS = ["0", "-1", "99999999999999999999", *ODD_DIGITS]
LONG = "X" * 300
HOSTILE_TEXT = [LONG, "①", "Q?#x", "SL%2FASH", "%00"]
HOSTILE_PARAMS = [*ODD_DIGITS[:2], "-1", "99999999999999999999", *HOSTILE_MONTHS[:3], LONG]
HOSTILE_PARAMS += ["//evil.example/"]  # where a page sends the visitor next
# Good values together, so that the filtered paths of each page are drawn too.
GOOD_QUERY = "?month=2021-06&version=1&page=1&task=T-1&action=report_saved&rating=horse"
# The admin reads its own parameters: search, ordering, page, filters, the popup's field.
ADMIN_QUERIES = [
    "?q=①&o=①&p=99999999999999999999&month__gte=0001-01&e=1",
    "?_to_field=①&_popup=1&_changelist_filters=%E2%91%A0",
]
ADMIN_IDS = ["abc", "①", "99999999999999999999"]
ADMIN_HOSTILE_PARAMS = ["①", "99999999999999999999"]
# Writing the session is what signing in and staying signed in do (SessionTimeoutMiddleware
# notes the last visit), so django_session is the one table a GET may touch.
MAY_CHANGE = {"django_session"}
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.I)


@pytest.fixture
def world(cycle, settings):
    """June published; July reported: T-1 a draft with a file, T-2 approved by its head. The
    office works in the admin as the demo's does (staff, in the 改革办 group), beside a
    superuser, so that every admin page is drawn for someone. The second factor is off, as
    for every test not marked mfa (tests/conftest.py): with it on, the office's and the
    auditor's crawl would stop at the second step."""
    settings.DUCHA_EVIDENCE_MAX_FILES = 10
    cycle["office"].is_staff = True
    cycle["office"].save()
    cycle["office"].groups.add(office_staff_group())
    admin = User.objects.create_superuser("admin", password=PASSWORD, role=User.Role.OFFICE)
    publish(JUNE, now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    draft = workflow.start_report(cycle["t1"], JULY, 0)
    workflow.add_evidence(draft, cycle["reporter"], SimpleUploadedFile("a.pdf", PDF))
    other = workflow.start_report(cycle["t2"], JULY, 0)
    lines = {
        line.node_id: workflow.LineInput("in_progress", 40, None, "推进中")
        for line in other.lines.all()
    }
    texts = {"narrative": "进展", "problems": "", "next_steps": ""}
    other = workflow.save_report(
        other, cycle["other_reporter"], other.version, **texts, lines=lines
    )
    other = workflow.submit_report(other, cycle["other_reporter"], other.version)
    workflow.approve_report(other, cycle["other_head"], other.version)
    # A committee meeting with an agenda item, a decision and a file (ducha/committee).
    meeting = committee.MeetingData(
        1, JULY, "plenary", agenda=[committee.AgendaRow(1, "plan", "方案")]
    )
    meeting.decisions = [committee.DecisionRow("决定", 1)]
    where = {
        "jurisdiction": cycle["t1"].jurisdiction,
        "uploads": [SimpleUploadedFile("m.pdf", PDF)],
    }
    committee.save_meeting(None, cycle["office"], meeting, **where)
    # A 交办事项 signed for and answered with a file (ducha/assignments).
    from ducha.assignments import workflow as assignments

    item = assignments.assign(
        jurisdiction=cycle["t1"].jurisdiction,
        kind="instruction",
        title="批示",
        instruction="请办理",
        unit=cycle["t1"].lead_unit,
        deadline=JULY,
        by=cycle["office"],
        leader=cycle["t1"].leader,
        task=cycle["t1"],
    )
    item = assignments.sign(item, cycle["reporter"])
    assignments.answer(
        item, cycle["reporter"], text="已办", uploads=[SimpleUploadedFile("b.pdf", PDF)]
    )
    # A suggestion with a name and contact, replied and linked to T-1 (ducha/opendoor).
    from ducha.opendoor import submission, triage

    s, _ = submission.submit(
        category="citizen", title="建议", text="内容", name="某", contact="1", address_hash="a"
    )
    reply = triage.Handling("replied", JULY, "adopted", "采纳", [cycle["t1"]])
    triage.handle(s, cycle["office"], reply, version=s.version)
    # A key project on the war map with a month reported (ducha/warmap).
    from tests.test_warmap import make_project

    make_project(cycle)
    return cycle | {"admin": admin, "evidence": draft.evidence.get()}


def _routes(patterns=None, prefix=()):
    """Each URL pattern with the chain of patterns above it."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, (*prefix, p.pattern))
        elif isinstance(p, URLPattern):
            yield (*prefix, p.pattern)


GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _template(chain) -> tuple[str, dict[str, list[str]]]:
    """The route as text with {name} holes, and the literal choices a regex group allows."""
    text, choices = "", {}
    for pattern in chain:
        if isinstance(pattern, RoutePattern):
            text += PARAM.sub(lambda m: "{" + m[2] + "}", str(pattern))
        elif isinstance(pattern, RegexPattern):
            regex = str(pattern).removeprefix("^").removesuffix("$")

            def hole(m):
                if re.fullmatch(r"[\w|-]+", m[2]):  # (?P<fmt>json|csv|xlsx|pdf)
                    choices[m[1]] = m[2].split("|")
                return "{" + m[1] + "}"

            text += GROUP.sub(hole, regex).replace("\\.", ".").replace("\\", "")
        else:
            raise AssertionError(f"unknown pattern {pattern!r}")
    return text, choices


def _admin_model(text: str):
    found = re.match(r"admin/(\w+)/(\w+)/", text)
    return apps.get_model(found[1], found[2]) if found else None


def _values(world, text: str, name: str, choices) -> tuple[list[str], list[str]]:
    """Real values first (objects of the world), then hostile ones."""
    if name in choices:
        return choices[name], ["nope"]
    model = _admin_model(text) if name in ("object_id", "id") else None
    if model is not None:
        real = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:1]]
        return real or ["1"], ADMIN_IDS
    if name == "content_type_id":
        return [str(ContentType.objects.get_for_model(Task).pk)], HOSTILE_NUMBERS
    if name == "object_id":  # the admin's "view on site" shortcut
        return [str(world["t1"].pk)], [*HOSTILE_NUMBERS, "abc"]
    if name == "month":
        return ["2021-06", "2021-07"], HOSTILE_MONTHS
    if name == "code":
        # "en" is the language switch's: the rest of that role's crawl is in English.
        return ["T-1", "T-2", "en"], HOSTILE_TEXT
    if name == "pk":
        return [str(world["evidence"].pk)], HOSTILE_NUMBERS
    return ["1", "x"], [*HOSTILE_NUMBERS, LONG]


def urls(world, staff: bool = True, sweep: str = "all") -> dict[str, list[str]]:
    """Every route with real values, and with hostile ones; the admin's hostile variants
    only for staff (everyone else is sent to sign in before the admin reads anything).

    Each URL maps to the hostile values its query parameters get: the first URL of each
    route tries them all on every parameter the page asks for; the admin, Django's own and
    asking for a dozen on every page, gets the two that break naive parsing. `sweep` says
    which pages' parameters get them: "all", "site" (not the admin's), "admin" (only the
    admin's) or "none".
    """
    out: dict[str, list[str]] = {}
    for chain in _routes():
        text, choices = _template(chain)
        admin = text.startswith("admin/")
        names = re.findall(r"\{(\w+)\}", text)
        values = {n: _values(world, text, n, choices) for n in names}
        real = [
            text.format(**dict(zip(names, combo, strict=True)))
            for combo in itertools.product(*(values[n][0] for n in names))
        ]
        # Each hostile value in turn, the other parameters real.
        hostile = [
            text.format(**{m: (bad if m == n else values[m][0][0]) for m in names})
            for n in names
            for bad in values[n][1]
        ]
        base = "/" + text.format(**{n: values[n][0][0] for n in names})
        if admin and not staff:
            queries, hostile = [], []
        elif admin:  # a list reads the ordering from all its parameters: not seen asked for
            queries = ADMIN_QUERIES[1:] if text.endswith(("add/", "change/")) else []
            queries += ADMIN_QUERIES[:1] if not names else []
        else:
            queries = [GOOD_QUERY]
        for url in [f"/{u}" for u in real + hostile] + [base + q for q in queries]:
            out.setdefault(url, [])
        if sweep == "none":
            continue
        if not admin and sweep in ("all", "site"):
            out[base] = HOSTILE_PARAMS
        elif admin and staff and sweep in ("all", "admin"):
            out[base] = ADMIN_HOSTILE_PARAMS
    return out


# Whose crawl sweeps the query parameters with hostile values. A page parses its parameters
# the same way for everyone who reaches it, so each kind of visitor sweeps once: the
# superuser the admin's pages (all of them; the office's are a subset of the same code; the
# site's pages he sees as the office does), the office, the auditor, the leader and a unit's
# reporter the site's. The head and the other unit's reporter are crawled with every route's
# real and hostile path values, not swept.
SWEEPS = {"anonymous": "all", "admin": "admin", "office": "site", "auditor": "site"}
SWEEPS |= {"leader": "site", "reporter": "site", "head": "none", "other_reporter": "none"}


def dump() -> dict[str, list[tuple]]:
    """Every row of every table but the sessions', in a stable order."""
    tables = sorted(set(connection.introspection.table_names()) - MAY_CHANGE)
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            # The names come from the database's own catalogue, quoted.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if WRITES.match(q["sql"]) and "django_session" not in q["sql"].split("WHERE")[0]
    ]


def test_the_crawl_covers_every_kind_of_route(world):
    crawled = urls(world)
    for expected in (
        "/reports/T-1/2021-07/",
        "/reports/T-1/0001-01/",
        "/reports/T-1/9999-12/",
        f"/evidence/{world['evidence'].pk}/",
        "/board/2021-06.pdf",
        "/board/٢٠٢١-٠٦/",
        f"/admin/ledger/task/{world['t1'].pk}/change/",
        "/admin/ledger/",
        "/accounts/login/",
        "/office/" + GOOD_QUERY,
    ):
        assert expected in crawled
    assert len(crawled) > 200
    assert set(SWEEPS) == set(ROLES)


def test_no_get_answers_5xx_or_writes_anything_whoever_asks(world):
    """One world for every role (a board's PDF is drawn once, then cached). A role's crawl
    is checked twice: each request's statements (to name the URL that wrote), and every
    table's rows before and after (to catch any write at all).

    On PostgreSQL the query parameters are not swept: how a page reads its parameters is
    Python, the same on either database, and what a hostile value could do to a query there
    (a number past 64 bits, Django answers with no rows) the hostile path values still try."""
    problems = []
    for role in ROLES:
        staff = role != "anonymous" and world[role].is_staff
        sweep = SWEEPS[role] if connection.vendor != "postgresql" else "none"
        crawled = urls(world, staff, sweep)
        problems += [f"{role}: {p}" for p in _crawl(world, role, crawled)]
    assert not problems, "\n".join(problems)


@contextmanager
def reading(asked: set[str]):
    """Note each query parameter a view asks for, however it asks."""
    originals = {name: getattr(QueryDict, name) for name in ("get", "__getitem__", "getlist")}

    def noting(original):
        def asking(self, key, *args, **kwargs):
            asked.add(key)
            return original(self, key, *args, **kwargs)

        return asking

    with mock.patch.multiple(QueryDict, **{n: noting(f) for n, f in originals.items()}):
        yield


def _crawl(world, role: str, crawled: dict[str, list[str]]) -> list[str]:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world[role])  # the sign-in writes last_login: before the dump
    before, problems = dump(), []

    def get(url) -> set[str]:
        asked: set[str] = set()
        with reading(asked), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code >= 500:
            exc = response.exc_info[1] if response.exc_info else None
            problems.append(f"{response.status_code} {url}: {exc!r}")
        if written := _writes(queries.captured_queries):
            problems.append(f"GET {url} wrote: {written[:3]}")
        return asked

    for url, hostile in crawled.items():
        asked = get(url)
        for name in sorted(asked) if hostile else ():
            for bad in hostile:
                get(f"{url}?{urlencode({name: bad})}")
    after = dump()
    problems += [f"table {t} changed" for t in before if before[t] != after.get(t)]
    return problems


@pytest.mark.mfa
def test_a_session_signed_in_with_its_password_alone_gets_no_5xx_and_writes_nothing(world):
    """The second factor asked and not yet given: the office's crawl meets the enrolment
    and code pages (and the redirects to them) and writes nothing either."""
    crawled = urls(world, staff=True)
    assert "/accounts/second-factor/setup/" in crawled
    problems = _crawl(world, "office", crawled)
    assert not problems, "\n".join(problems)
