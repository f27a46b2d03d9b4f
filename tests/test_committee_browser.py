"""深改委 in real headless Chromium: the office records a meeting (on a phone) with an agenda
item and a decision, tracks the decision as a new ledger task led by the reporter's unit,
the reporter finds the task on /me/, and the task's page shows the decision as its origin."""

import pytest

from ducha.ledger.models import Task
from ducha.org.models import Area, Leader
from tests.conftest import login, needs_chromium

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

DECISION = "建立亩产效益评价结果应用机制，由市工业和信息化局牵头推进"


def test_a_meetings_decision_becomes_a_task_on_the_lead_units_me(
    browser, live_server, cycle, artifacts
):
    url = live_server.url

    # The office records the meeting on a phone: nothing scrolls sideways.
    page = login(browser, live_server, "office", width=390)
    page.goto(f"{url}/committee/")
    page.click("text=登记会议")
    page.wait_for_load_state()
    assert page.input_value("input[name=number]") == "1"  # the year's first
    page.fill("input[name=held_on]", "2021-06-24")
    page.fill("input[name=agenda-0-title]", "审议亩产效益评价结果应用方案")
    page.select_option("select[name=agenda-0-unit]", label="市工业和信息化局")
    page.fill("input[name=decisions-0-agenda]", "1")
    page.fill("textarea[name=decisions-0-text]", DECISION)
    page.fill("input[name=attendance-0-name]", "赵明")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "committee-meeting-phone.png"), full_page=True)
    page.click("button:has-text('保存会议')")
    page.wait_for_load_state()
    assert "会议已保存" in page.content() and DECISION in page.content()
    page.close()

    # At the desk, the decision becomes a new task with one node due in June.
    page = login(browser, live_server, "office")
    page.goto(f"{url}/committee/")
    page.click("text=2021年第1次会议")
    page.wait_for_load_state()
    page.click("a.track")
    page.wait_for_load_state()
    assert page.input_value("input[name=new-title]") == DECISION
    page.fill("input[name=new-code]", "SGW-1")
    page.select_option("select[name=new-area]", str(Area.objects.get(key="industry").pk))
    page.select_option("select[name=new-leader]", str(Leader.objects.get(name="赵明").pk))
    lead = page.locator("select[name=new-lead_unit] option:checked").inner_text()
    assert lead == "市工业和信息化局"  # the agenda item's unit, offered
    page.fill("input[name=nodes-0-code]", "N1")
    page.fill("input[name=nodes-0-title]", "出台评价结果应用办法")
    page.fill("input[name=nodes-0-due]", "2021-06")
    page.click("button:has-text('新建任务')")
    page.wait_for_load_state()
    assert "决定已转办：新建台账任务" in page.content()
    assert page.locator("li[data-tracking=new_task] a:has-text('SGW-1')").is_visible()
    page.close()
    assert Task.objects.get(code="SGW-1").lead_unit == cycle["reporter"].unit

    # The reporter's /me/ (June being reported) lists it; its page shows where it came from.
    page = login(browser, live_server, "reporter")
    page.goto(f"{url}/me/")
    assert page.locator("text=SGW-1").first.is_visible()
    page.goto(f"{url}/tasks/SGW-1/")
    origin = page.locator("p.task-origin")
    assert origin.inner_text() == f"来源：市委深改委2021年第1次会议决定：{DECISION}"
    page.screenshot(path=str(artifacts / "committee-task-origin.png"), full_page=True)
    page.close()
