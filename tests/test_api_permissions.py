"""Every integration endpoint × every kind of caller: who gets what, as tests/test_permissions.py
holds the web to it. A token is its unit's reporter and nothing more: another unit's
report, file or task is a 404, a read token writes nothing (403), and a browser's session
opens nothing under /api/v1/ (the token alone does). The public endpoints need no token."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ducha.api.tokens import issue_token, revoke
from ducha.boards.publication import publish
from ducha.ledger.importing import import_ledger
from ducha.ledger.layout import Options
from ducha.org.models import Jurisdiction, Unit
from ducha.reports import workflow
from ducha.reports.models import Evidence, Report
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv
from tests.test_reports import PDF

JULY = dt.date(2021, 7, 1)
CALLERS = ["none", "bad", "revoked", "read", "report", "other_unit", "county"]
# (method, url, expected status per caller in CALLERS order)
MATRIX = [
    ("get", "/api/v1/me", [401, 401, 401, 200, 200, 200, 200]),
    ("get", "/api/v1/reports", [401, 401, 401, 200, 200, 200, 200]),
    ("get", "/api/v1/reports/T-1/2021-07", [401, 401, 401, 200, 200, 404, 404]),
    ("get", "/api/v1/reports/T-2/2021-07", [401, 401, 401, 404, 404, 200, 404]),
    ("get", "/api/v1/evidence/{evidence}", [401, 401, 401, 200, 200, 404, 404]),
    # A stale version: 409 means every check passed and nothing was written.
    ("put", "/api/v1/reports/T-1/2021-07", [401, 401, 401, 403, 409, 404, 404]),
    ("put", "/api/v1/reports/T-2/2021-07", [401, 401, 401, 403, 404, 409, 404]),
    # A refused file: 400 means every check passed and nothing was stored.
    ("post", "/api/v1/reports/T-1/2021-07/evidence", [401, 401, 401, 403, 400, 404, 404]),
    ("post", "/api/v1/reports/T-2/2021-07/evidence", [401, 401, 401, 403, 404, 400, 404]),
]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def world(cycle, tmp_path):
    return make_world(cycle, tmp_path)


def make_world(cycle, tmp_path) -> dict:
    """The `cycle` city with June published and July reported (T-1 saved with a file, T-2
    opened), a county with a task of its own, and a token of each kind."""
    publish(dt.date(2021, 6, 1), now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    report = workflow.open_report(cycle["t1"], JULY)
    workflow.open_report(cycle["t2"], JULY)
    item = workflow.add_evidence(report, cycle["reporter"], SimpleUploadedFile("a.pdf", PDF))
    county = Jurisdiction.objects.create(
        slug="dc",
        name="德城区",
        level=Jurisdiction.Level.COUNTY,
        parent=Jurisdiction.objects.home(),
    )
    row = ledger_row(code="DC-1", 牵头单位="德城区发展改革局", 分管市领导="张德城", 配合单位="")
    import_ledger(
        write_csv(tmp_path / "dc.csv", LEDGER_HEADER, [row]),
        options=Options(jurisdiction=county, allow_new=True),
    )
    gxj, czj = cycle["reporter"].unit, cycle["other_reporter"].unit
    tokens = {
        "read": issue_token(gxj, "read").secret,
        "report": issue_token(gxj, "report").secret,
        "other_unit": issue_token(czj, "report").secret,
        "county": issue_token(Unit.objects.get(jurisdiction=county), "report").secret,
    }
    revoked = issue_token(gxj, "report")
    revoke(revoked.token)
    tokens |= {"revoked": revoked.secret, "bad": "dch_" + "x" * 32}
    return cycle | {"report": report, "evidence": item, "tokens": tokens, "county": county}


def call(client, method: str, url: str, **headers):
    if method == "get":
        return client.get(url, **headers)
    if method == "put":
        body = {"version": 0, "narrative": "x", "lines": []}
        return client.put(url, body, content_type="application/json", **headers)
    return client.post(url, {"file": SimpleUploadedFile("a.txt", b"not a pdf")}, **headers)


@pytest.mark.parametrize(
    ("method", "url", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX]
)
def test_each_caller_gets_exactly_what_it_may(world, method, url, expected):
    url = url.format(evidence=world["evidence"].pk)
    got = {}
    for caller in CALLERS:
        headers = {} if caller == "none" else bearer(world["tokens"][caller])
        response = call(Client(), method, url, **headers)
        got[caller] = response.status_code
        if response.status_code != 200:
            assert response["Content-Type"] == "application/problem+json", (caller, url)
    assert got == dict(zip(CALLERS, expected, strict=True))


def test_nothing_in_the_matrix_wrote_a_thing(world):
    for method, url, _ in MATRIX:
        for caller in CALLERS:
            headers = {} if caller == "none" else bearer(world["tokens"][caller])
            call(Client(), method, url.format(evidence=world["evidence"].pk), **headers)
    report = Report.objects.get(task=world["t1"], month=JULY)
    assert (report.narrative, report.version, report.evidence.count()) == ("", 1, 1)
    assert Report.objects.get(task=world["t2"], month=JULY).version == 1


def test_a_signed_in_browser_neither_reads_nor_writes_through_the_api(world):
    """The session cookie is no credential here: without a token, 401, and the report is
    untouched (so no CSRF hole: nothing a cross-site form sends can write)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["reporter"])
    report = world["report"]
    body = {"version": report.version, "narrative": "经由会话", "lines": []}
    put = client.put("/api/v1/reports/T-1/2021-07", body, content_type="application/json")
    upload = client.post(
        "/api/v1/reports/T-1/2021-07/evidence", {"file": SimpleUploadedFile("b.pdf", PDF)}
    )
    read = client.get("/api/v1/reports/T-1/2021-07")
    assert (put.status_code, upload.status_code, read.status_code) == (401, 401, 401)
    report.refresh_from_db()
    assert (report.narrative, report.evidence.count()) == ("", 1)


def test_another_unit_never_changes_a_report(world):
    report = world["report"]
    other = bearer(world["tokens"]["other_unit"])
    client = Client()
    body = {"version": report.version, "narrative": "不是我的", "lines": []}
    assert (
        client.put("/api/v1/reports/T-1/2021-07", body, "application/json", **other).status_code
        == 404
    )
    upload = {"file": SimpleUploadedFile("b.pdf", PDF)}
    assert client.post("/api/v1/reports/T-1/2021-07/evidence", upload, **other).status_code == 404
    report.refresh_from_db()
    assert (report.narrative, report.version) == ("", 1)
    assert Evidence.objects.filter(report=report).count() == 1


def test_a_county_token_reads_nothing_of_the_city(world):
    county = bearer(world["tokens"]["county"])
    listed = Client().get("/api/v1/reports", **county).json()
    assert listed["count"] == 0
    me = Client().get("/api/v1/me", **county).json()
    assert me["jurisdiction"] == {"slug": "dc", "name": "德城区"}
    own = Client().get("/api/v1/reports/DC-1/2021-07", **county)
    assert own.status_code == 200 and own.json()["task"] == "DC-1"


def _public_gets(schema: dict) -> list[str]:
    """The GET operations the OpenAPI document gives no security, path parameters filled."""
    values = {"month": "2021-06", "code": "T-1", "slug": "city"}
    urls = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or get.get("security"):
            continue
        names = re.findall(r"{(\w+)}", path)
        if all(n in values for n in names):
            urls.append(re.sub(r"{(\w+)}", lambda m: values[m[1]], path))
    return urls


def test_the_public_endpoints_answer_without_a_token(world):
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    urls = _public_gets(schema.json())
    for url in urls:
        # What a public endpoint answers is part A's to test (a month not posted is a 404,
        # scores the office keeps private too); here: never a token asked for.
        response = client.get(url)
        assert response.status_code not in (401, 403) and response.status_code < 500, url
    # And the integration endpoints are declared as the token's.
    for path in ("/api/v1/me", "/api/v1/reports", "/api/v1/reports/{code}/{month}"):
        assert schema.json()["paths"][path]["get"]["security"] == [{"TokenAuth": []}]
