"""交办事项 in real headless Chromium: the office records a leader's instruction for a unit;
the unit's reporter finds it on /me/ and signs for it, answers, is returned once by the
office, answers again (on a phone), and the office closes it (办结销号)."""

import pytest

from ducha.assignments.models import Assignment
from tests.conftest import login, needs_chromium

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_an_instruction_is_signed_for_answered_returned_once_and_closed(
    browser, live_server, cycle, artifacts
):
    url = live_server.url

    # The office records 赵明's instruction for 市工业和信息化局.
    page = login(browser, live_server, "office")
    page.goto(f"{url}/assignments/new/")
    page.select_option("select[name=kind]", "instruction")
    page.fill("input[name=title]", "关于加快工业互联网平台建设的批示")
    page.fill("textarea[name=instruction]", "请市工信局拿出具体推进措施，月底前报送。")
    page.select_option("select[name=leader]", label="赵明")
    page.select_option("select[name=unit]", label="市工业和信息化局")
    page.fill("input[name=deadline]", "2021-07-05")
    page.click("button:has-text('交办')")
    page.wait_for_load_state()
    assert "已交办：德改交〔2021〕1号" in page.content()
    item = Assignment.objects.get()
    page.close()

    # The reporter sees it on /me/, near its deadline, and signs for it.
    page = login(browser, live_server, "reporter")
    page.goto(f"{url}/me/")
    row = page.locator(f"li[data-assignment='{item.pk}']")
    assert row.get_attribute("data-todo") == "sign"
    assert "临期 · 还有 2 天" in row.inner_text()
    row.locator("a:has-text('去签收')").click()
    page.wait_for_load_state()
    page.click("button:has-text('签收')")
    page.wait_for_load_state()
    assert "已签收，请按时办理并反馈" in page.content()
    page.fill("textarea[name=text]", "已起草平台建设方案。")
    page.click("button:has-text('报送办理情况')")
    page.wait_for_load_state()
    assert "办理情况已反馈，等待改革办审核" in page.content()
    page.close()

    # The office returns it once, with its reason.
    page = login(browser, live_server, "office")
    page.goto(f"{url}/assignments/{item.pk}/")
    page.check("input[name=outcome][value=return]")
    page.fill("textarea[name=comment]", "请写明责任分工和时间节点")
    page.click("button:has-text('提交审核')")
    page.wait_for_load_state()
    assert "已退回重办" in page.content()
    page.close()

    # On a phone, the reporter finds it returned on /me/ and answers again.
    page = login(browser, live_server, "reporter", width=390)
    page.goto(f"{url}/me/")
    row = page.locator(f"li[data-assignment='{item.pk}']")
    assert row.get_attribute("data-state") == "returned" and "去反馈" in row.inner_text()
    row.locator("a:has-text('去反馈')").click()
    page.wait_for_load_state()
    assert "改革办退回重办，理由：请写明责任分工和时间节点" in page.content()
    no_sideways = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways)
    page.screenshot(path=str(artifacts / "assignment-answer-phone.png"), full_page=True)
    page.fill("textarea[name=text]", "已明确分管负责人和三个时间节点，方案已印发。")
    page.click("button:has-text('报送办理情况')")
    page.wait_for_load_state()
    assert "办理情况已反馈，等待改革办审核" in page.content()
    page.close()

    # The office closes it; the list shows it closed on time.
    page = login(browser, live_server, "office")
    page.goto(f"{url}/assignments/{item.pk}/")
    page.check("input[name=outcome][value=close]")
    page.click("button:has-text('提交审核')")
    page.wait_for_load_state()
    assert "已办结销号" in page.content()
    page.goto(f"{url}/assignments/")
    row = page.locator(f"tr[data-assignment='{item.pk}']")
    assert row.get_attribute("data-state") == "closed"
    assert row.get_attribute("data-urgency") == "closed"
    page.close()
    steps = list(Assignment.objects.get().steps.values_list("action", flat=True))
    assert steps == ["issued", "signed", "answered", "returned", "answered", "closed"]
