"""延误归因 in real headless Chromium: the lead unit's reporter claims on a node naming a
cooperating unit, a member of that unit answers, the office accepts (setting the rating), the
month is published, and the public board shows the attribution beside the task."""

import datetime as dt

import pytest

from ducha.attributions.models import Attribution
from ducha.boards.publication import publish
from ducha.ratings.models import Override
from tests.conftest import login, needs_chromium

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

JUNE = dt.date(2021, 6, 1)


def test_an_attribution_goes_from_claim_to_the_board(browser, live_server, cycle, artifacts):
    url = live_server.url
    node = cycle["t1"].nodes.get(code="N1")

    # The lead unit's reporter claims from June's report page, on node N1.
    page = login(browser, live_server, "reporter")
    page.goto(f"{url}/reports/T-1/2021-06/")
    page.click(f"a.claim-delay[href$='?node={node.pk}']")
    page.wait_for_load_state()
    assert page.locator("select[name=node]").input_value() == str(node.pk)
    page.select_option("select[name=unit]", label="市财政局")
    page.fill("textarea[name=reason]", "市财政局未按期拨付专项资金，实施方案无法印发")
    page.click("button:has-text('提交延误归因')")
    page.wait_for_load_state()
    assert "等待市财政局回复" in page.content()
    page.close()

    # A member of the cooperating unit finds it on /me/ and answers.
    page = login(browser, live_server, "other_reporter")
    page.goto(f"{url}/me/")
    assert "延误归因待本单位回复（1）" in page.content()
    page.click("text=查看并回复")
    page.wait_for_load_state()
    page.click("a:has-text('T-1')")
    page.wait_for_load_state()
    page.check("input[name=stance][value=agrees]")
    page.fill("textarea[name=text]", "专项资金因预算调整延至7月拨付，情况属实")
    page.click("button:has-text('报送回复')")
    page.wait_for_load_state()
    assert "回复已报送，等待改革办认定" in page.content()
    page.close()

    # The office accepts, choosing the rating.
    a = Attribution.objects.get()
    page = login(browser, live_server, "office", width=390)  # on a phone
    page.goto(f"{url}/attributions/{a.pk}/")
    page.screenshot(path=str(artifacts / "attribution-decide-phone.png"), full_page=True)
    page.check("input[name=outcome][value=accept]")
    page.select_option("select[name=rating]", "ostrich")
    page.fill("textarea[name=decision]", "经核实，专项资金拨付滞后属实")
    page.click("button:has-text('提交认定')")
    page.wait_for_load_state()
    assert "已认定并调整评价，将随该月公示发布" in page.content()
    page.close()
    assert Override.objects.get().rating == "ostrich"

    # The office publishes June; anyone reads the attribution beside T-1 on the board.
    publish(JUNE, by=cycle["office"], now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    for width, name in (
        (1280, "attribution-board-desktop.png"),
        (390, "attribution-board-phone.png"),
    ):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{url}/board/2021-06/")
        shown = page.locator("#t-T-1 p.attribution")
        assert shown.is_visible()
        assert "市财政局" in shown.inner_text() and "N1" in shown.inner_text()
        page.screenshot(path=str(artifacts / name), full_page=True)
        page.close()
    page = browser.new_page()
    page.goto(f"{url}/tasks/T-1/")
    assert page.locator("li.attribution").is_visible()
    page.close()
