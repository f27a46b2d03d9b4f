"""The scores pages on a phone (390 px wide) in real Chromium: nothing scrolls sideways but
the task × month grid inside its own frame; screenshots go to var/test-artifacts/."""

import pytest

from ducha.org.models import Leader, Unit, User
from tests.conftest import PASSWORD, login, needs_chromium

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_the_scores_and_a_units_year_read_on_a_phone(
    browser, live_server, sample_ledger, settings, artifacts
):
    settings.DUCHA_TODAY = "2022-01-11"
    User.objects.create_user(
        "leader", password=PASSWORD, role=User.Role.LEADER, leader=Leader.objects.first()
    )
    unit = Unit.objects.get(name="市工业和信息化局")
    page = login(browser, live_server, "leader", width=390)
    page.set_viewport_size({"width": 1280, "height": 900})
    for path, name in (
        ("/scores/?year=2021", "scores-desktop.png"),
        (f"/scores/units/{unit.pk}/?year=2021", "scores-unit-desktop.png"),
    ):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(artifacts / name), full_page=True)
    page.set_viewport_size({"width": 390, "height": 900})
    for path, name in (
        ("/scores/?year=2021", "scores-phone.png"),
        (f"/scores/units/{unit.pk}/?year=2021", "scores-unit-phone.png"),
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        page.screenshot(path=str(artifacts / name), full_page=True)
    text = page.content()
    assert "市工业和信息化局" in text and "累计名次" in text
    page.close()
