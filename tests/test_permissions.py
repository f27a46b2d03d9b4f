"""Every URL × every role (and anonymous): who gets what. Another unit's report, file or
task edit is always refused.

Run with the second factor required, as in production: the office and the auditor sign in
with both factors, the others with their password alone, and the office and the auditor
with a password alone get nothing but the second step.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.boards.publication import publish
from ducha.reports import workflow
from ducha.reports.models import Report
from tests.helpers import sign_in_fully
from tests.test_reports import PDF

pytestmark = pytest.mark.mfa

ROLES = ["anonymous", "office", "reporter", "head", "other_reporter", "leader", "auditor"]
LOGIN = 302  # anonymous users are sent to the login page
# (method, url, expected status per role in ROLES order)
MATRIX = [
    ("get", "/", [200] * 7),
    ("get", "/board/2021-06/", [200] * 7),
    ("get", "/tasks/T-1/", [200] * 7),
    ("get", "/healthz", [200] * 7),
    ("get", "/accounts/login/", [200] * 7),
    # The office's and the auditor's work is the desk.
    ("get", "/me/", [LOGIN, 302, 200, 200, 200, 200, 302]),
    ("get", "/reports/T-1/2021-07/", [LOGIN, 200, 200, 200, 404, 200, 200]),
    ("get", "/reports/T-2/2021-07/", [LOGIN, 200, 404, 404, 200, 404, 200]),
    ("get", "/office/", [LOGIN, 200, 403, 403, 403, 403, 200]),
    ("get", "/office/publication/?month=2021-06", [LOGIN, 200, 403, 403, 403, 403, 403]),
    ("get", "/office/override/?task=T-1&month=2021-06", [LOGIN, 200, 403, 403, 403, 403, 403]),
    ("get", "/office/ledger/", [LOGIN, 200, 403, 403, 403, 403, 403]),
    ("get", "/office/ledger/export/", [LOGIN, 405, 403, 403, 403, 403, 405]),
    ("post", "/office/ledger/export/", [LOGIN, 200, 403, 403, 403, 403, 200]),
    ("get", "/audit/", [LOGIN, 200, 403, 403, 403, 403, 200]),
    ("get", "/evidence/{evidence}/", [LOGIN, 200, 200, 200, 404, 200, 200]),
    # A refused override (no reason) comes back to the office with what it chose: 400.
    ("post", "/office/override/", [LOGIN, 400, 403, 403, 403, 403, 403]),
    ("post", "/office/publication/", [LOGIN, 302, 403, 403, 403, 403, 403]),
    ("post", "/office/ledger/", [LOGIN, 400, 403, 403, 403, 403, 403]),
    # A stale version: 409 means the permission check passed and nothing was written.
    ("post", "/reports/T-1/2021-07/", [LOGIN, 403, 409, 409, 404, 403, 403]),
    ("post", "/reports/T-2/2021-07/", [LOGIN, 403, 404, 404, 409, 404, 403]),
]
# Asked for a second factor (tests/test_mfa.py covers the admin and every route).
SECOND_FACTOR = {"office", "auditor"}
POSTS = {
    "/office/override/": {"month": "2021-06", "task": "T-1", "rating": "horse", "reason": ""},
    "/office/publication/": {"month": "2021-06", "action": "hold"},
    "/office/ledger/": {"kind": "ledger"},
}


@pytest.fixture
def world(cycle, settings):
    publish(dt.date(2021, 6, 1), now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    # June is published (its board is on the matrix); July is the month units report.
    report = workflow.open_report(cycle["t1"], dt.date(2021, 7, 1))
    workflow.open_report(cycle["t2"], dt.date(2021, 7, 1))
    client = Client()
    client.force_login(cycle["reporter"])
    data = {"action": "save", "version": report.version, "files": SimpleUploadedFile("a.pdf", PDF)}
    client.post("/reports/T-1/2021-07/", data)
    return cycle | {"report": report, "evidence": report.evidence.get()}


@pytest.mark.parametrize(
    ("method", "url", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX]
)
def test_each_role_gets_exactly_what_it_may(world, method, url, expected):
    url = url.format(report=world["report"].pk, evidence=world["evidence"].pk)
    got = []
    for role in ROLES:
        client = Client()
        if role in SECOND_FACTOR:
            sign_in_fully(client, world[role])
        elif role != "anonymous":
            client.force_login(world[role])
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, POSTS.get(url, {"action": "save", "version": "0"}))
        got.append(response.status_code)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True))


def test_another_unit_never_changes_a_report(world):
    report = Report.objects.get(task=world["t1"])
    version = report.version
    client = Client()
    client.force_login(world["other_reporter"])
    response = client.post(
        "/reports/T-1/2021-07/", {"action": "save", "version": report.version, "narrative": "x"}
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.narrative == "" and report.version == version


@pytest.mark.parametrize("role", sorted(SECOND_FACTOR))
def test_the_office_and_the_auditor_get_nothing_with_their_password_alone(world, role):
    open_to_all = {"/accounts/login/", "/healthz"}
    before = AuditEntry.objects.count()
    for method, url, _ in MATRIX:
        url = url.format(report=world["report"].pk, evidence=world["evidence"].pk)
        client = Client()
        client.force_login(world[role])
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, POSTS.get(url, {"action": "save", "version": "0"}))
        if url in open_to_all:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith("/accounts/second-factor/setup/?next="), url
    assert AuditEntry.objects.count() == before
