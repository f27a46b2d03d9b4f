"""Request bodies are refused by size, per route, before they are read (finding F13)."""

import pytest
from django.test import Client

from tests.test_reports import PDF, URL, client_for, upload

MB = 1024 * 1024
BOUNDARY = "multipart/form-data; boundary=x"


class Untouchable:
    """A request body that fails the test if anyone reads a byte of it."""

    read_bytes = 0

    def read(self, size=-1):
        Untouchable.read_bytes += 1
        raise AssertionError("the body was read")

    readline = read


def post(client, url, length, **extra):
    Untouchable.read_bytes = 0
    meta = {"CONTENT_LENGTH": str(length), "CONTENT_TYPE": BOUNDARY, "wsgi.input": Untouchable()}
    return client.generic("POST", url, **(meta | extra))


@pytest.mark.parametrize("url", ["/", "/accounts/login/", URL, "/office/ledger/", "/nowhere/"])
def test_a_100_mb_anonymous_post_is_refused_unread(db, url):
    response = post(Client(), url, 100 * MB)
    assert response.status_code == 413
    assert Untouchable.read_bytes == 0
    page = response.content.decode()
    assert "提交的内容太大" in page and "最多可以提交 1 MB" in page


def test_a_post_just_over_the_small_limit_is_refused(db, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == MB
    assert post(Client(), "/accounts/login/", MB + 1).status_code == 413


def test_the_page_speaks_the_visitors_language(db):
    client = Client()
    client.cookies["django_language"] = "en"
    page = post(client, "/accounts/login/", 100 * MB).content.decode()
    assert "Too much was sent" in page and "up to 1 MB" in page


def test_a_body_without_a_length_is_refused(db):
    client = Client()
    response = client.generic(
        "POST",
        "/accounts/login/",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": Untouchable()},
    )
    assert response.status_code == 411
    assert Untouchable.read_bytes == 0


def test_a_garbled_length_is_a_bad_request(db):
    assert post(Client(), "/accounts/login/", "lots").status_code == 400


def test_the_report_page_takes_its_evidence_files_but_no_more(cycle, settings):
    settings.DUCHA_EVIDENCE_MAX_MB, settings.DUCHA_EVIDENCE_MAX_FILES = 2, 3
    reporter = client_for(cycle["reporter"])
    limit = 2 * 3 * MB + MB
    refused = post(reporter, URL, limit + 1)
    assert refused.status_code == 413 and "最多可以提交 7 MB" in refused.content.decode()
    # A signed-in page other than the report page keeps the small limit.
    assert post(reporter, "/me/", 2 * MB).status_code == 413


def test_a_file_within_the_limits_still_uploads(cycle):
    from tests.test_reports import start

    reporter = client_for(cycle["reporter"])
    report = start(cycle)
    big = PDF + b"0" * (3 * MB) + b"%%EOF"  # more than the small limit, less than the page's
    page = upload(reporter, report, "大会议纪要.pdf", big).content.decode()
    assert "已上传 大会议纪要.pdf" in page


def test_the_ledger_page_takes_an_import_file_but_no_more(cycle, settings):
    settings.DUCHA_IMPORT_MAX_MB = 2
    office = client_for(cycle["office"])
    assert post(office, "/office/ledger/", 3 * MB + 1).status_code == 413
    # The import allowance belongs to the ledger page, not to the report page.
    settings.DUCHA_IMPORT_MAX_MB = 50
    settings.DUCHA_EVIDENCE_MAX_MB, settings.DUCHA_EVIDENCE_MAX_FILES = 1, 1
    assert post(office, URL, 3 * MB).status_code == 413


def test_a_password_alone_does_not_open_the_upload_allowance(cycle, settings):
    """The second factor still owed: the small limit, as for anyone anonymous."""
    settings.DUCHA_MFA_REQUIRED = True
    half = Client()
    half.post("/accounts/login/", {"username": "office", "password": "pw-12345678"})
    assert "_auth_user_id" in half.session
    assert post(half, "/office/ledger/", 2 * MB).status_code == 413
    assert Untouchable.read_bytes == 0


@pytest.mark.parametrize("url", ["/api/v1/tasks", "/api/v1/reports/T-1/2021-06/evidence"])
def test_the_api_refuses_a_body_too_large_as_a_problem_unread(db, url):
    response = post(Client(), url, 200 * MB, HTTP_AUTHORIZATION="Bearer dch_nothing")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert Untouchable.read_bytes == 0
    problem = response.json()
    assert problem["status"] == 413 and problem["type"].endswith("/too-large")
    assert "MB" in problem["detail"] and problem["instance"] == url
