"""/api/v1/ attacked from outside and from each kind of token holder: every test asserts the
secure answer. Another jurisdiction's or unit's report is a 404 whatever is tried, a read
token writes nothing, a changed or revoked account acts for nobody, a browser's session
writes nothing, the public endpoints show only what was published, validators never answer
304 for another board, hostile parameters and bodies are problems (never a 500, on SQLite
and PostgreSQL), reads write nothing but the token's last use, and a webhook goes to the
allowed host alone, signed, never following a redirect."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.api import webhooks
from ducha.api.models import ApiToken, Webhook, WebhookDelivery, token_digest
from ducha.assessment.models import ScorePolicy
from ducha.boards.publication import hold, publish
from ducha.lib import clock
from ducha.opendoor.models import Suggestion
from ducha.org.models import User
from ducha.reports import workflow
from ducha.reports.models import Report
from tests.test_api_permissions import bearer, make_world
from tests.test_reports import PDF
from tests.test_webhooks import JULY_10, JUNE, Receiver

PROBLEM = "application/problem+json"
URL = "/api/v1/reports/T-1/2021-07"
JULY = dt.date(2021, 7, 1)
# The public reads, with the parameters every one of them takes.
PUBLIC = [
    "/api/v1/jurisdictions",
    "/api/v1/publications",
    "/api/v1/boards/2021-06",
    "/api/v1/tasks",
    "/api/v1/tasks/T-1",
    "/api/v1/scores?year=2021",
]


@pytest.fixture
def world(cycle, tmp_path):
    return make_world(cycle, tmp_path)


def put(client, body, url=URL, **headers):
    return client.put(url, json.dumps(body), content_type="application/json", **headers)


def as_token(world, kind: str) -> Client:
    return Client(raise_request_exception=False, **bearer(world["tokens"][kind]))


def is_problem(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == status


def untouched(world) -> None:
    report = Report.objects.get(task=world["t1"], month=JULY)
    assert (report.version, report.narrative, report.status) == (1, "", Report.Status.DRAFT)
    assert report.evidence.count() == 1


# Jurisdictions and units ------------------------------------------------------------------


def test_a_county_token_reaches_nothing_of_the_city_whatever_it_names(world):
    county = as_token(world, "county")
    item = world["evidence"].pk
    for url in (URL, f"{URL}?j=city", f"{URL}?jurisdiction=city", f"/api/v1/evidence/{item}"):
        is_problem(county.get(url), 404)
    is_problem(put(county, {"version": 1, "narrative": "县里改的"}, f"{URL}?j=city"), 404)
    upload = {"file": SimpleUploadedFile("b.pdf", PDF)}
    is_problem(county.post(f"{URL}/evidence?j=city", upload), 404)
    listed = county.get("/api/v1/reports?j=city&jurisdiction=city").json()
    assert listed["count"] == 0
    # Nor the city's tokens a county's.
    is_problem(as_token(world, "report").get("/api/v1/reports/DC-1/2021-07"), 404)
    untouched(world)


def test_another_units_token_cannot_read_the_file_by_guessing_its_number(world):
    other = as_token(world, "other_unit")
    pk = world["evidence"].pk
    for number in (pk, pk + 1, pk - 1 or 1):
        assert other.get(f"/api/v1/evidence/{number}").status_code == 404


# Scopes and accounts ----------------------------------------------------------------------


def test_a_read_token_writes_nothing_and_its_upload_is_refused_unread(world):
    read = as_token(world, "read")
    is_problem(put(read, {"version": 1, "narrative": "只读令牌", "submit": True}), 403)
    # A body that cannot even be parsed: refused for the scope before it is read.
    broken = read.post(f"{URL}/evidence", b"--x\r\n", content_type="multipart/form-data")
    is_problem(broken, 403)
    is_problem(read.post(f"{URL}/evidence", {"file": SimpleUploadedFile("b.pdf", PDF)}), 403)
    # The API takes no webhook, token or approval from anyone.
    for method, url in (
        ("post", "/api/v1/webhooks"),
        ("post", "/api/v1/tokens"),
        ("post", f"{URL}/approve"),
        ("delete", URL),
        ("patch", URL),
        ("post", URL),
    ):
        assert getattr(as_token(world, "report"), method)(url).status_code in (404, 405)
    assert not Webhook.objects.exists()
    untouched(world)


def test_a_revoked_token_stays_revoked_when_its_account_is_switched_back_on(world):
    revoked = ApiToken.objects.get(revoked_at__isnull=False)
    User.objects.filter(pk=revoked.user_id).update(is_active=True)
    is_problem(as_token(world, "revoked").get("/api/v1/me"), 401)
    is_problem(put(as_token(world, "revoked"), {"version": 1, "narrative": "x"}), 401)
    untouched(world)


@pytest.mark.parametrize(
    "change",
    [
        {"role": User.Role.OFFICE},
        {"role": User.Role.HEAD},
        {"is_superuser": True},
        {"unit": "other"},
        {"is_integration": False},
    ],
    ids=["office", "head", "superuser", "other-unit", "person"],
)
def test_an_account_changed_in_the_admin_acts_for_nobody(world, change):
    """The token is its unit's reporter and nothing more: an account made the office (which
    reads every report), a head (which approves), or moved to another unit, is refused."""
    token = ApiToken.objects.get(digest=token_digest(world["tokens"]["report"]))
    if change.get("unit") == "other":
        change = {"unit": world["other_reporter"].unit}
    User.objects.filter(pk=token.user_id).update(**change)
    client = as_token(world, "report")
    is_problem(client.get("/api/v1/reports"), 401)
    is_problem(client.get("/api/v1/reports/T-2/2021-07"), 401)
    is_problem(put(client, {"version": 1, "narrative": "越权"}), 401)
    untouched(world)


def test_a_signed_in_browser_writes_nothing_even_with_its_csrf_token(world, settings):
    for person in ("reporter", "office"):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(world[person])
        # A valid CSRF pair, as a page of the site would have given the browser.
        browser.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32
        csrf = {"HTTP_X_CSRFTOKEN": "k" * 32}
        is_problem(put(browser, {"version": 1, "narrative": "会话"}, **csrf), 401)
        upload = {"file": SimpleUploadedFile("b.pdf", PDF)}
        is_problem(browser.post(f"{URL}/evidence", upload, **csrf), 401)
        # A session with a wrong token is no token either.
        is_problem(browser.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer dch_nope"), 401)
    untouched(world)


def test_a_body_cannot_set_what_the_workflow_sets(world):
    """Mass assignment: status, unit, submitter, comment, the month or the task are not
    fields of the body, whatever it sends."""
    body = {
        "version": 1,
        "narrative": "正常填报",
        "status": "accepted",
        "unit": world["other_reporter"].unit_id,
        "unit_id": world["other_reporter"].unit_id,
        "submitted_by": world["head"].pk,
        "approved_by": world["head"].pk,
        "comment": "改革办意见",
        "task": world["t2"].pk,
        "month": "2021-01-01",
        "late": True,
        "id": 999,
    }
    answer = put(as_token(world, "report"), body)
    assert answer.status_code == 200
    report = Report.objects.get(task=world["t1"], month=JULY)
    assert (report.status, report.unit_id, report.submitted_by_id) == (
        Report.Status.DRAFT,
        world["reporter"].unit_id,
        None,
    )
    assert (report.comment, report.narrative, report.version) == ("", "正常填报", 2)
    assert Report.objects.filter(task=world["t2"], month=dt.date(2021, 1, 1)).count() == 0


@pytest.mark.parametrize("month", ["2021-06", "2021-09", "2019-01"])
def test_a_month_not_open_is_never_started(world, month):
    """June is published, September has not come, 2019 was never rated: refused, and no
    report is left behind."""
    client = as_token(world, "report")
    url = f"/api/v1/reports/T-1/{month}"
    is_problem(put(client, {"version": 0, "narrative": "x", "submit": True}, url), 403)
    is_problem(client.post(f"{url}/evidence", {"file": SimpleUploadedFile("b.pdf", PDF)}), 404)
    assert client.get(url).json()["can_save"] is False
    assert not Report.objects.filter(month=dt.date.fromisoformat(f"{month}-01")).exists()


# What the public reads -------------------------------------------------------------------


def test_the_public_reads_nothing_in_the_works_nor_anyones_personal_data(world, settings):
    """July reported, submitted and approved (its progress rows written) and held; a named
    person with a phone; a suggester's name and contact; a county with no board."""
    api = as_token(world, "report")
    lines = [
        {"node": "N1", "status": "done", "done_on": "2021-06-28", "note": "印发"},
        {"node": "N2", "status": "in_progress", "percent": 77, "note": "草稿备注甲乙"},
    ]
    saved = put(api, {"version": 1, "narrative": "未公示进展丙丁", "lines": lines, "submit": True})
    assert saved.status_code == 200 and saved.json()["status"] == "submitted"
    report = Report.objects.get(task=world["t1"], month=JULY)
    workflow.approve_report(report, world["head"], report.version)
    hold(JULY, "等待核实")
    User.objects.filter(pk=world["reporter"].pk).update(full_name="王填报", phone="13912345678")
    Suggestion.objects.create(
        code="ABCD2345",
        category="citizen",
        title="建议",
        text="建议正文",
        name="李建议",
        contact="13800001111",
        reply_due=dt.date(2021, 7, 20),
    )
    ScorePolicy.objects.create(jurisdiction=world["t1"].jurisdiction, public=True)
    secrets = ["未公示进展丙丁", "草稿备注甲乙", "王填报", "13912345678", "李建议", "13800001111"]
    anonymous = Client()
    for url in [*PUBLIC, "/api/v1/tasks?jurisdiction=dc", "/api/v1/scores?by=county&year=2021"]:
        body = anonymous.get(url)
        assert body.status_code == 200, url
        text = body.content.decode()
        assert not any(s in text or json.dumps(s)[1:-1] in text for s in secrets), url
        assert "2021-07" not in text.replace("2021-07-", ""), url  # no July board or mark
    task = anonymous.get("/api/v1/tasks/T-1").json()
    assert [h["month"] for h in task["history"]] == ["2021-06"]
    assert {n["code"]: n["state"] and n["state"].get("percent") for n in task["nodes"]}["N2"] != 77
    # Neither the held month nor the county's unpublished June is a board.
    for url in ("/api/v1/boards/2021-07", "/api/v1/boards/2021-06?jurisdiction=dc"):
        is_problem(anonymous.get(url), 404)
    assert anonymous.get("/api/v1/publications?jurisdiction=dc").json()["count"] == 0
    county_tasks = anonymous.get("/api/v1/tasks?jurisdiction=dc").json()["items"]
    assert [t["latest"] for t in county_tasks] == [None]


def test_a_county_with_no_public_table_keeps_it_private(world):
    ScorePolicy.objects.create(jurisdiction=world["t1"].jurisdiction, public=True)
    assert Client().get("/api/v1/scores?year=2021").status_code == 200
    is_problem(Client().get("/api/v1/scores?jurisdiction=dc&year=2021"), 404)


# Validators -------------------------------------------------------------------------------


def test_a_304_is_never_another_jurisdictions_board_nor_an_older_version(world):
    anonymous = Client()
    city = anonymous.get("/api/v1/boards/2021-06")
    city_tag = city["ETag"]
    publish(JUNE, jurisdiction=world["county"], now=JULY_10)
    county = anonymous.get("/api/v1/boards/2021-06?jurisdiction=dc", HTTP_IF_NONE_MATCH=city_tag)
    assert county.status_code == 200 and county.json()["jurisdiction"] == "dc"
    assert county["ETag"] != city_tag
    publish(JUNE, correction="更正", now=JULY_10 + dt.timedelta(days=1))
    newer = anonymous.get("/api/v1/boards/2021-06", HTTP_IF_NONE_MATCH=city_tag)
    assert newer.status_code == 200 and newer.json()["version"] == 2
    # The first version asked by number is still its own, and still 304 to its own tag.
    first = anonymous.get("/api/v1/boards/2021-06?version=1", HTTP_IF_NONE_MATCH=city_tag)
    assert first.status_code == 304
    # `*` matches no board that does not exist.
    is_problem(anonymous.get("/api/v1/boards/2021-08", HTTP_IF_NONE_MATCH="*"), 404)
    # A list's weak tag is its body's: another jurisdiction's list is answered in full.
    tasks = anonymous.get("/api/v1/tasks")["ETag"]
    other = anonymous.get("/api/v1/tasks?jurisdiction=dc", HTTP_IF_NONE_MATCH=tasks)
    assert other.status_code == 200


def test_a_tag_from_one_token_opens_nothing_for_another_and_goes_stale_on_a_save(world):
    mine = as_token(world, "report")
    tag = mine.get(URL)["ETag"]
    other = as_token(world, "other_unit").get(URL, HTTP_IF_NONE_MATCH=tag)
    is_problem(other, 404)
    assert mine.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert put(mine, {"version": 1, "narrative": "新的"}).status_code == 200
    fresh = mine.get(URL, HTTP_IF_NONE_MATCH=tag)
    assert fresh.status_code == 200 and fresh.json()["narrative"] == "新的"
    assert "private" in fresh["Cache-Control"]
    # The unit's files are no shared cache's either.
    download = mine.get(f"/api/v1/evidence/{world['evidence'].pk}")
    assert download.status_code == 200 and "private" in download["Cache-Control"]


# Hostile input ----------------------------------------------------------------------------

HOSTILE_QUERIES = [
    "/api/v1/tasks?page=0",
    "/api/v1/tasks?page=-1",
    "/api/v1/tasks?page=99999999999999999999999999",
    "/api/v1/tasks?page=1000000&page_size=100",
    "/api/v1/tasks?page=%D9%A1",  # Arabic-Indic 1
    "/api/v1/tasks?page_size=%EF%BC%92",  # full-width 2
    "/api/v1/tasks?page=1%00",
    "/api/v1/tasks?q=%00",
    "/api/v1/tasks?q=" + "长" * 5000,
    "/api/v1/tasks?unit=%E2%80%8B&leader=%F0%9F%98%80&area=%EF%BF%BF",
    "/api/v1/tasks?jurisdiction=%00",
    "/api/v1/tasks?jurisdiction=" + "a" * 5000,
    "/api/v1/tasks/%00",
    "/api/v1/tasks/" + "A" * 500,
    "/api/v1/publications?month=%D9%A2%D9%A0%D9%A2%D9%A1-06",
    "/api/v1/publications?month=0000-00",
    "/api/v1/publications?month=9999-12&page=1000000",
    "/api/v1/boards/0000-01",
    "/api/v1/boards/9999-12",
    "/api/v1/boards/2021-06?version=99999999999",
    "/api/v1/boards/2021-06?version=-1",
    "/api/v1/boards/2021-06?unit=%00",
    "/api/v1/scores?year=%D9%A2%D9%A0%D9%A2%D9%A1",
    "/api/v1/scores?year=99999999999999999999999",
    "/api/v1/scores?year=-2021&quarter=0",
    "/api/v1/jurisdictions?parent=%00",
    "/api/v1/reports?month=%00",
    "/api/v1/reports?month=" + "x" * 5000,
    "/api/v1/reports?month=9999-99&status=%00",
    "/api/v1/reports?page=99999999999999999999",
    "/api/v1/reports/T-1/0000-01",
    "/api/v1/reports/T-1/9999-12",
    "/api/v1/reports/%00/2021-07",
    "/api/v1/reports/" + "T" * 500 + "/2021-07",
    "/api/v1/evidence/0",
    "/api/v1/evidence/99999999999999999999999",
    # More parameters than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS): a 400, not a 500.
    "/api/v1/tasks?" + "&".join(f"p{i}=1" for i in range(1200)),
]


def test_hostile_parameters_are_problems_never_server_errors(world):
    ScorePolicy.objects.create(jurisdiction=world["t1"].jurisdiction, public=True)
    client = as_token(world, "report")
    for url in HOSTILE_QUERIES:
        answer = client.get(url)
        assert answer.status_code < 500, (url[:80], answer.content[:300])
        if answer.status_code != 200:
            assert answer["Content-Type"] == PROBLEM, url[:80]
    # A page far past the end is empty, not an error.
    far = client.get("/api/v1/tasks?page=1000000").json()
    assert (far["items"], far["next"]) == ([], None)


def test_hostile_bodies_are_problems_and_change_nothing(world, settings):
    client = as_token(world, "report")
    deep = '{"version": 1, "lines": ' + "[" * 50_000 + "]" * 50_000 + "}"
    refused = [
        (
            put(client, {"version": 1, "narrative": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}),
            413,
        ),
        (client.put(URL, deep, content_type="application/json"), 400),
        (client.put(URL, b"\xff\xfe{", content_type="application/json"), 400),
        (client.put(URL, '{"version": 1e400}', content_type="application/json"), 422),
        (client.put(URL, '{"version": ' + "9" * 5000 + "}", content_type="application/json"), 400),
        (put(client, {"version": -1, "narrative": "x"}), 422),
        (put(client, {"version": 1, "narrative": "a\x00b"}), 422),
        (put(client, {"version": 1, "lines": [{"node": "N1\x00", "status": "done"}]}), 422),
        (put(client, {"version": 1, "lines": [{"node": "N" * 500, "status": "done"}]}), 422),
        (
            put(client, {"version": 1, "lines": [{"node": "N2", "status": "x", "percent": 101}]}),
            422,
        ),
        # A lone surrogate, which no answer naming the node could encode.
        (
            client.put(
                URL,
                '{"version": 1, "lines": [{"node": "\\ud800", "status": "done"}]}',
                content_type="application/json",
            ),
            422,
        ),
    ]
    for answer, status in refused:
        is_problem(answer, status)
    evidence = f"{URL}/evidence"
    big = b"a=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    many = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    uploads = [
        (client.post(evidence, big, content_type="application/x-www-form-urlencoded"), 413),
        (client.post(evidence, many, content_type="application/x-www-form-urlencoded"), 400),
        (client.post(evidence, b"--x\r\n", content_type="multipart/form-data"), 400),
        (client.post(evidence, b"a" * 100, content_type="multipart/form-data; boundary=zz"), 422),
        (client.post(evidence, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 not")}), 400),
    ]
    for answer, status in uploads:
        is_problem(answer, status)
    untouched(world)


# Reads write nothing ----------------------------------------------------------------------


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]


def test_every_get_writes_nothing_but_the_tokens_last_use_once_a_minute(world):
    ScorePolicy.objects.create(jurisdiction=world["t1"].jurisdiction, public=True)
    client = as_token(world, "report")
    gets = [
        *PUBLIC,
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/api/v1/reports",
        URL,
        "/api/v1/reports/T-1/2021-08",  # never saved: its lines are shown, nothing stored
        f"/api/v1/evidence/{world['evidence'].pk}",
    ]
    moment = dt.datetime(2021, 7, 3, 10, tzinfo=dt.UTC)
    with clock.frozen(moment), CaptureQueriesContext(connection) as first:
        client.get("/api/v1/me")
    assert len(_writes(first.captured_queries)) == 1
    with clock.frozen(moment + dt.timedelta(seconds=30)):
        for url in gets:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            assert _writes(queries.captured_queries) == [], url
    with (
        clock.frozen(moment + dt.timedelta(seconds=61)),
        CaptureQueriesContext(connection) as later,
    ):
        client.get("/api/v1/reports")
    (stamp,) = _writes(later.captured_queries)
    assert "last_used_at" in stamp and ApiToken._meta.db_table in stamp
    assert Report.objects.filter(month=dt.date(2021, 8, 1)).count() == 0


# Tokens -----------------------------------------------------------------------------------


def test_the_token_itself_never_reaches_the_database(world):
    """Looked up by its SHA-256 alone: nothing is compared character by character with what
    was sent, so the time a wrong token takes says nothing of the right one."""
    secret = world["tokens"]["report"]
    with CaptureQueriesContext(connection) as queries:
        assert as_token(world, "report").get("/api/v1/me").status_code == 200
    sent = " ".join(q["sql"] for q in queries.captured_queries)
    assert secret not in sent and secret[len("dch_") :] not in sent
    assert token_digest(secret) in sent
    assert not ApiToken.objects.filter(prefix=secret).exists()  # the prefix is a part only


def test_every_shape_of_wrong_token_counts_towards_the_stop(world, settings):
    settings.DUCHA_LOCKOUT_ADDRESS_FAILURES = 5
    good = world["tokens"]["report"]
    # The address is REMOTE_ADDR (no proxy trusted): X-Forwarded-For cannot spread guesses.
    guesses = ["", " ", "x" * 10_000, good[:-1], good + "x", good.upper(), "dch_" + "\u00e9" * 32]
    statuses = []
    for i, guess in enumerate(guesses):
        client = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"10.1.1.{i}")
        statuses.append(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {guess}").status_code)
    assert statuses == [401] * 5 + [429] * 2
    stopped = Client(REMOTE_ADDR="10.9.9.9").get("/api/v1/me", **bearer(good))
    is_problem(stopped, 429)
    # The stop is before any write: the right token, sent from there, is not even touched.
    assert ApiToken.objects.get(digest=token_digest(good)).last_used_at is None


# Webhooks ---------------------------------------------------------------------------------

ODD = [
    "http://127.1/",
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::1]/",
    "http://localhost/",
    "http://kaohe.example.gov.cn.evil.example/",
    "http://kaohe.example.gov.cn@127.0.0.1/",
    "http://kaohe.example.gov.cn:80@127.0.0.1/",
    "http://user@kaohe.example.gov.cn/",
    # Read as kaohe… by urlsplit and as 127.0.0.1… by the sender's urllib.
    "http://127.0.0.1\\@kaohe.example.gov.cn/",
    "http://127.0.0.1:8000\\@kaohe.example.gov.cn/",
    "http://127.0.0.1%2f@kaohe.example.gov.cn/",
    "http://127.0.0.1;@kaohe.example.gov.cn/",
    "http://127.0.0.1 @kaohe.example.gov.cn/",
    "http://[127.0.0.1:80]@kaohe.example.gov.cn/",
    "http://kaohe.example.gov.cn:x/",
    "ftp://kaohe.example.gov.cn/",
    "gopher://kaohe.example.gov.cn/",
]


@pytest.mark.parametrize("url", ODD)
def test_a_webhook_goes_to_a_listed_host_however_the_address_is_written(cycle, settings, url):
    settings.DUCHA_WEBHOOK_HOSTS = ["kaohe.example.gov.cn"]
    assert not webhooks.host_allowed(url)
    with pytest.raises(webhooks.WebhookError):
        webhooks.check_url(url)
    for fine in ("https://KAOHE.example.gov.cn:8443/hook?x=1", "http://kaohe.example.gov.cn/"):
        assert webhooks.check_url(fine) == fine


def _published(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return publish(JUNE, now=JULY_10).publication


def test_an_address_written_past_the_checks_is_never_posted_to(
    cycle, settings, django_capture_on_commit_callbacks
):
    """A row changed in the database (or a host dropped from the list since) is checked again
    before every attempt, as the sender reads it."""
    target = Receiver()
    try:
        port = target.server.server_port
        settings.DUCHA_WEBHOOK_HOSTS = ["kaohe.example.gov.cn"]
        for url in (
            f"http://kaohe.example.gov.cn@127.0.0.1:{port}/",
            f"http://127.0.0.1:{port}\\@kaohe.example.gov.cn/",
            target.url,
        ):
            Webhook.objects.create(jurisdiction=cycle["t1"].jurisdiction, url=url, secret="s")
        _published(django_capture_on_commit_callbacks)
        assert webhooks.send_due() == {"sent": 0, "retry": 0, "failed": 3}
        assert target.posts == []
    finally:
        target.close()


class Redirecting:
    """Keeps each POST (headers and raw body) and answers 307 to `target`."""

    def __init__(self, target: str):
        self.posts: list[tuple[dict, bytes]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                posts.append((dict(self.headers), body))
                self.send_response(307)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_redirect_is_not_followed_and_the_signature_binds_time_and_body(
    cycle, django_capture_on_commit_callbacks
):
    elsewhere = Receiver()
    redirecting = Redirecting(elsewhere.url)
    try:
        hook = webhooks.add(redirecting.url, cycle["t1"].jurisdiction)
        _published(django_capture_on_commit_callbacks)
        assert webhooks.send_due() == {"sent": 0, "retry": 1, "failed": 0}
        assert elsewhere.posts == [] and len(redirecting.posts) == 1
        assert WebhookDelivery.objects.get().last_error.startswith("HTTP 307")
        headers, body = redirecting.posts[0]
        stamp = headers["X-Ducha-Timestamp"]
        assert abs(int(stamp) - time.time()) < 60  # the real clock's: a replay is dated
        assert hook.secret.encode() not in json.dumps(headers).encode() + body

        def signed(at, content: bytes) -> bool:
            mac = hmac.new(hook.secret.encode(), f"{at}.".encode() + content, hashlib.sha256)
            return hmac.compare_digest("sha256=" + mac.hexdigest(), headers["X-Ducha-Signature"])

        # Over the timestamp and the raw body together: change either, and it fails.
        assert signed(stamp, body)
        assert not signed(int(stamp) + 300, body) and not signed(stamp, body + b" ")
    finally:
        redirecting.close()
        elsewhere.close()
