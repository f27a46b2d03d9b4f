"""`make demo`: each printed login signs in and every page it can reach works."""

import re

import pytest
from django.test import Client

from ducha.demo.seeding import DEMO_PASSWORD
from ducha.ledger.models import Task

PAGES = [
    "/",
    "/board/2021-12/",
    "/board/2021-01/",
    "/me/",
    "/office/",
    "/office/?month=2021-12",
    "/office/ledger/",
    "/audit/",
    "/admin/",
]


@pytest.fixture
def demo(demo_database, db):
    lines = demo_database.split("登录账号")[1].splitlines()[1:]
    return [line.split()[0] for line in lines if line.strip()]


def test_every_demo_login_reaches_its_pages_without_errors(demo):
    task = Task.objects.filter(lead_unit__users__username="reporter").order_by("code").first()
    pages = [*PAGES, f"/tasks/{task.code}/", f"/reports/{task.code}/2022-01/"]
    seen = {}
    for username in demo:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        for url in pages:
            status = client.get(url).status_code
            assert status in (200, 302, 403, 404), (username, url, status)  # never 500
            seen[(username, url)] = status
    assert seen[("reporter", f"/reports/{task.code}/2022-01/")] == 200
    assert seen[("office", "/office/")] == 200 and seen[("office", "/admin/")] == 200
    assert seen[("auditor", "/audit/")] == 200 and seen[("reporter", "/audit/")] == 403
    assert seen[("leader", "/me/")] == 200


def test_the_demo_reporter_sees_january_2022_and_its_deadline(demo):
    client = Client()
    client.post("/accounts/login/", {"username": "reporter", "password": DEMO_PASSWORD})
    page = client.get("/me/").content.decode()
    assert "2022年1月" in page and "2022年2月5日" in page
    assert re.search(r"DZ2021-\d+", page)
