"""The dashboards: who reads them, what they show, and what they cost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.org.models import Jurisdiction, User
from ducha.ratings import marks
from ducha.stats import figures
from tests.test_stats_charts import build

URL, YEAR_URL = "/dashboard/", "/dashboard/year/"
CHARTS = ["distribution", "trend", "areas", "sources", "punctuality", "nodes", "movers", "overdue"]


@pytest.fixture
def city(cycle, tmp_path, settings):
    """The `cycle` people; eight more city tasks, November and December 2021 published."""
    settings.DUCHA_TODAY = "2022-01-11"
    build(tmp_path, 8)
    return cycle


def client_of(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def county(slug: str, name: str) -> Jurisdiction:
    return Jurisdiction.objects.create(
        slug=slug, name=name, level="county", parent=Jurisdiction.objects.home()
    )


def test_anonymous_visitors_are_sent_to_sign_in(city):
    response = client_of().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["reporter", "head"])
def test_units_do_not_read_the_dashboards(city, role):
    assert client_of(city[role]).get(URL).status_code == 403
    assert client_of(city[role]).get(YEAR_URL).status_code == 403


@pytest.mark.parametrize("role", ["office", "auditor", "leader"])
def test_the_office_the_auditor_and_city_leaders_read_the_latest_published_month(city, role):
    response = client_of(city[role]).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2021年12月" in html
    for key in CHARTS:
        assert f'id="{key}"' in html and f'id="month-{key}-figure_1"' in html, key
    assert html.count("<svg") >= len(CHARTS)
    for m in marks.MARKS.values():
        assert m.hue.lower() in html  # the charts' bars, inline
    assert 'href="/tasks/S-4/"' in html  # a mover (down to a snail), linked to its task


def test_the_tables_beside_the_charts_carry_the_same_numbers(city):
    html = client_of(city["office"]).get(URL).content.decode()
    table = html[html.index('id="distribution"') : html.index('id="trend"')]
    cells = re.findall(r'data-mark="(\w+)"><th scope="row">[^<]*</th><td>(\d+)</td>', table)
    posted = figures.month_figures(dt.date(2021, 12, 1)).distribution
    assert {key: int(n) for key, n in cells} == {
        key or "none": posted.count(key) for key in (*marks.KEYS, None)
    }
    assert "S-3" in html and "S-7" in html  # the ostriches' overdue nodes


def test_an_unpublished_month_is_the_offices_preview_only(city, settings):
    settings.DUCHA_TODAY = "2022-02-11"
    office = client_of(city["office"]).get(URL, {"month": "2022-01"}).content.decode()
    assert "预览" in office and 'id="month-distribution-figure_1"' in office
    leader = client_of(city["leader"]).get(URL, {"month": "2022-01"})
    assert leader.status_code == 200
    assert "<figure" not in leader.content.decode() and "尚未发布" in leader.content.decode()


def test_a_month_not_over_yet_is_not_drawn(city):
    html = client_of(city["office"]).get(URL, {"month": "2022-06"}).content.decode()
    assert "<figure" not in html


@pytest.mark.parametrize("value", ["2021-13", "abc", "2021-6-1", "9999-01"])
def test_a_month_that_cannot_be_read_is_refused_by_name(city, value):
    response = client_of(city["office"]).get(URL, {"month": value})
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["abc", "1900", "99999", "-1"])
def test_a_year_that_cannot_be_read_is_refused(city, value):
    assert client_of(city["office"]).get(YEAR_URL, {"year": value}).status_code == 400


def test_a_county_is_read_by_the_city_office_with_its_slug(city, tmp_path):
    dc = county("dc", "德城区")
    build(tmp_path, 4, jurisdiction=dc, prefix="德城区")
    html = client_of(city["office"]).get(URL, {"j": "dc"}).content.decode()
    assert "德城区财政局" in html and "市财政局" not in html
    assert "j=dc" in html  # the month links stay in the county
    assert 'href="/j/dc/tasks/' in html
    city_page = client_of(city["office"]).get(URL).content.decode()
    assert "德城区财政局" not in city_page


def test_a_county_office_reads_its_own_and_not_the_citys(city, tmp_path):
    dc = county("dc", "德城区")
    build(tmp_path, 4, jurisdiction=dc, prefix="德城区")
    theirs = User.objects.create_user("o-dc", role=User.Role.OFFICE, jurisdiction=dc)
    own = client_of(theirs).get(URL).content.decode()
    assert "德城区财政局" in own and "市财政局" not in own
    home = Jurisdiction.objects.home()
    assert client_of(theirs).get(URL, {"j": home.slug}).status_code == 404


def test_a_leader_reads_no_other_jurisdiction(city, tmp_path):
    county("dc", "德城区")
    assert client_of(city["leader"]).get(URL, {"j": "dc"}).status_code == 404
    assert client_of(city["office"]).get(URL, {"j": "nowhere"}).status_code == 404


def test_nothing_published_yet_says_so(cycle):
    response = client_of(cycle["leader"]).get(URL)
    assert response.status_code == 200 and "<figure" not in response.content.decode()


def test_the_year_page_draws_the_years_charts(city):
    html = client_of(city["leader"]).get(YEAR_URL, {"year": "2021"}).content.decode()
    for key in ("months", "areas", "sources", "nodes"):
        assert f'id="year-{key}-figure_1"' in html, key
    empty = client_of(city["leader"]).get(YEAR_URL, {"year": "2019"}).content.decode()
    assert "<figure" not in empty


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_a_small_and_a_big_county(city, tmp_path):
    small, big = county("small", "小县"), county("big", "大县")
    build(tmp_path, 3, jurisdiction=small, prefix="小县")
    build(tmp_path, 30, jurisdiction=big, prefix="大县")
    client = client_of(city["office"])
    client.get(URL)  # the session and the user's first reads, out of the way
    cold = [_queries(client, {"j": j.slug, "month": "2021-12"}) for j in (small, big)]
    assert cold[0] == cold[1]
    warm = [_queries(client, {"j": j.slug, "month": "2021-12"}) for j in (small, big)]
    assert warm[0] == warm[1] and warm[0] <= 8  # the session, the user, the jurisdiction, …


def test_a_warm_dashboard_draws_nothing(city, monkeypatch):
    from ducha.stats import charts

    client = client_of(city["auditor"])
    client.get(URL)
    monkeypatch.setattr(charts, "_draw_month", lambda *a: pytest.fail("drawn again"))
    assert client.get(URL).status_code == 200


def test_the_dashboard_reads_in_english(city):
    client = client_of(city["office"])
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    assert "Monthly dashboard" in html and "Rating distribution this month" in html


def test_the_months_around_are_linked(city):
    html = client_of(city["office"]).get(URL, {"month": "2021-11"}).content.decode()
    assert "?month=2021-10" in html and "?month=2021-12" in html
    assert "/dashboard/year/?year=2021" in html


@pytest.mark.parametrize(
    "params",
    [
        {"month": "1900-01"},
        {"month": "2200-12"},
        {"month": "1901-01", "j": "dc"},
        {"j": "x" * 300},
        {"j": "①"},
        {"month": "٢٠٢١-٠٦"},
    ],
)
def test_odd_months_and_places_never_fail(city, params):
    county("dc", "德城区")
    assert client_of(city["office"]).get(URL, params).status_code in (200, 400, 404)


@pytest.mark.parametrize("year", ["1901", "2199", "2021", ""])
def test_odd_years_never_fail(city, year):
    assert client_of(city["office"]).get(YEAR_URL, {"year": year}).status_code == 200


def test_the_dashboard_fits_a_phone_and_breaks_no_policy(browser, live_server, city):
    from tests.conftest import login

    page = login(browser, live_server, "leader", width=390)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server.url}{URL}")
    assert page.locator("figure svg").count() == len(CHARTS)
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, ...[...document.querySelectorAll('figure svg')]"
        ".map(s => s.getBoundingClientRect().width)]"
    )
    assert widths[0] <= 390 and all(0 < w <= 390 for w in widths[1:])
    assert refused == []
    page.close()
