"""The forecast's backtest over the demo's 2021, as `ducha forecast --backtest` prints it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from ducha.org.models import User


@pytest.fixture
def demo(demo_database, db):
    return demo_database


def test_the_2021_backtest_has_a_row_with_numbers_for_every_month_from_february(demo):
    out = StringIO()
    call_command("forecast", "--backtest", "--year", "2021", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    months = {row["month"]: row for row in data["months"]}
    assert [f"2021-{m:02d}" for m in range(1, 13)] == sorted(months)
    for m in range(2, 13):
        row = months[f"2021-{m:02d}"]
        assert row["predicted"] > 0 and row["actual"] > 0, row
        assert 0 <= row["precision"] <= 100 and 0 <= row["recall"] <= 100, row
    total = data["total"]
    assert 0 < total["precision"] <= 100 and 0 < total["recall"] <= 100
    table = StringIO()
    call_command("forecast", "--backtest", "--year", "2021", stdout=table)
    assert len(table.getvalue().splitlines()) == 1 + 12 + 1


def test_the_page_forecasts_the_month_being_reported_for_the_office(demo):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="office"))
    page = client.get("/office/forecast/").content.decode()
    assert "2022年1月" in page and 'class="slip"' in page
    assert 'data-month="2021-12"' in page
