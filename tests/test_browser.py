"""The monthly cycle in real headless Chromium (Debian's, driven by Playwright).

A reporter submits with an evidence file, the head approves, the office reviews, overrides
one rating with a reason and publishes; an anonymous visitor reads the board. Screenshots
of the board at desktop and phone widths go to var/test-artifacts/.
"""

import pytest

from ducha.boards.models import Publication
from ducha.ratings.models import Override
from ducha.reports.models import Evidence, Report
from tests.conftest import login, needs_chromium
from tests.test_reports import PDF

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_the_whole_monthly_cycle_in_a_browser(browser, live_server, cycle, tmp_path, artifacts):
    report_url = f"{live_server.url}/reports/T-1/2021-06/"

    # The reporter fills in June's report, attaches the meeting minutes and submits.
    page = login(browser, live_server, "reporter")
    page.goto(f"{live_server.url}/me/")
    page.click("text=T-1")
    page.goto(report_url)
    n1, n2 = (n.pk for n in cycle["t1"].nodes.order_by("code"))
    page.select_option(f"select[name=node-{n1}-status]", "done")
    page.fill(f"input[name=node-{n1}-done_on]", "2021-06-28")
    page.select_option(f"select[name=node-{n2}-status]", "in_progress")
    page.fill(f"input[name=node-{n2}-percent]", "30")
    page.fill(f"textarea[name=node-{n2}-note]", "正在征求意见")
    page.fill("textarea[name=narrative]", "印发实施方案，召开推进会")
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert "草稿已保存" in page.content()
    evidence = tmp_path / "会议纪要.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("input[name=files]", str(evidence))
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert "已上传 会议纪要.pdf" in page.content()
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "已提交" in page.content()
    page.close()

    # The head approves: the unit's report goes to the office.
    page = login(browser, live_server, "head")
    page.goto(report_url)
    page.click("button[value=approve]")
    page.wait_for_load_state()
    assert "已审核并报送改革办" in page.content()
    page.close()

    # The office reviews it, overrides T-2 (not reported: a snail) with a reason, publishes.
    page = login(browser, live_server, "office")
    page.goto(f"{live_server.url}/office/?month=2021-06")
    assert "待审核报送（1）" in page.content()
    page.click("#queue a.btn")
    page.click("button[value=accept]")
    page.wait_for_load_state()
    assert "已审核通过" in page.content()
    page.goto(f"{live_server.url}/office/?month=2021-06")
    page.click("a[data-task=T-2]")  # htmx brings the override form into the row
    row = page.locator("form.override", has=page.locator("input[value=T-2]"))
    row.locator("select[name=rating]").select_option("ostrich")
    row.locator("input[name=reason]").fill("市财政局已书面说明6月工作进展，补报材料齐全")
    row.locator("button").click()
    page.wait_for_load_state()
    assert "T-2 的评价已调整为鸵鸟" in page.content()
    page.click("text=核对并发布…")
    page.wait_for_load_state()
    assert "1 项应报送的任务尚未报送" in page.content()  # T-2: a snail unless overridden
    page.fill("input[name=confirm]", "2021-06")
    page.click("button:has-text('确认发布')")
    page.wait_for_load_state()
    assert "2021年6月已发布" in page.content()
    page.close()

    assert Report.objects.get().status == "accepted"
    assert Evidence.objects.count() == 1
    assert Override.objects.get().rating == "ostrich"
    board = Publication.objects.get()

    # Anyone reads the posted board, on a desktop and on a phone.
    for width, name in ((1280, "board-desktop.png"), (390, "board-phone.png")):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{live_server.url}/board/2021-06/")
        text = page.content()
        assert "T-1" in text and "T-2" in text
        assert "骏马" in text or "黄牛" in text  # icons carry their names
        assert "鸵鸟" in text and board.sha256 in text
        page.screenshot(path=str(artifacts / name), full_page=True)
        page.close()
    assert (artifacts / "board-phone.png").stat().st_size > 5_000
