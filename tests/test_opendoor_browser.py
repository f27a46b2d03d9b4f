"""开门搞改革 in real headless Chromium: a citizen sends a suggestion from a phone and gets
the receipt code in the answer, the office replies (adopted, linked to a task), and the
citizen reads the reply on the status page with the code."""

import pytest

from ducha.opendoor.models import Suggestion
from tests.conftest import login, needs_chromium

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_citizen_gets_a_receipt_and_reads_the_offices_reply_with_it(
    browser, live_server, cycle, settings, artifacts
):
    settings.DUCHA_OPEN_DOOR_MIN_SECONDS = 0  # the stamp's wait is tested in test_opendoor
    url = live_server.url

    # A citizen, on a phone, without an account.
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{url}/open-door/")
    assert page.locator("#privacy-h").is_visible()
    page.check("input[name=category][value=citizen]")
    page.fill("input[name=title]", "关于冬季免费公交延长运营时间的建议")
    page.fill("textarea[name=text]", "冬季免费公交末班车较早，建议主要线路延长到晚上九点。")
    page.fill("input[name=name]", "李四")
    page.fill("input[name=contact]", "13800001111")
    page.click("button:has-text('提交')")
    page.wait_for_load_state()
    code = page.locator(".receipt-code").inner_text().strip()
    assert code == Suggestion.objects.get().receipt
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows
    page.screenshot(path=str(artifacts / "opendoor-receipt-phone.png"), full_page=True)
    page.close()

    # The office finds it, with the contact, and replies.
    page = login(browser, live_server, "office")
    page.goto(f"{url}/office/suggestions/")
    page.click("a:has-text('关于冬季免费公交延长运营时间的建议')")
    page.wait_for_load_state()
    assert "13800001111" in page.content()
    page.check("input[name=state][value=replied]")
    page.select_option("select[name=outcome]", "adopted")
    page.fill("textarea[name=reply]", "感谢建议，已采纳：主要线路冬季末班车延长至21时。")
    page.fill("input[name=tasks]", "T-1")
    page.click("button:has-text('保存办理情况')")
    page.wait_for_load_state()
    assert "已保存办理情况" in page.content()
    page.close()

    # The citizen looks it up with the code as typed on a phone (lower case, no dashes).
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{url}/open-door/status/")
    page.fill("input[name=code]", code.replace("-", "").lower())
    page.click("button:has-text('查询')")
    page.wait_for_load_state()
    reply = page.locator(".reply")
    assert "主要线路冬季末班车延长至21时" in reply.inner_text()
    assert page.locator("[data-outcome=adopted]").is_visible()
    assert page.locator("a[href='/tasks/T-1/']").is_visible()
    assert "李四" not in page.content() and "13800001111" not in page.content()
    page.close()
