"""挂图作战 in real headless Chromium: the responsible unit's reporter finds the project on
/me/, reports June phase by phase, and the command post's public chart then shows the
project's mark for June, on a desktop and on a phone (the chart scrolls inside its box)."""

import pytest

from tests.conftest import login, needs_chromium
from tests.test_warmap import make_project

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_projects_phases_are_reported_and_its_post_chart_shows_the_icon(
    browser, live_server, cycle, artifacts
):
    url = live_server.url
    war = make_project(cycle)
    project, post = war["project"], war["post"]
    chart_url = f"{url}/war-map/posts/{post.pk}/?month=2021-06"
    mark = f"g.gantt-project[data-project='{project.code}']"

    # Before the report: June is not reported, a snail on the public chart.
    visitor = browser.new_page(viewport={"width": 1280, "height": 900})
    visitor.goto(chart_url)
    assert visitor.locator(mark).get_attribute("data-mark") == "snail"

    # The reporter of the responsible unit reports June from /me/.
    page = login(browser, live_server, "reporter")
    page.goto(f"{url}/me/")
    page.click(f".warmap-mine a:has-text('{project.code}')")
    page.wait_for_load_state()
    assert "2021年6月报送" in page.content()
    p2, p3 = project.phases.get(code="P2").pk, project.phases.get(code="P3").pk
    page.select_option(f"select[name=phase-{p2}-status]", "done")
    page.fill(f"input[name=phase-{p2}-done_on]", "2021-06-25")
    page.fill(f"textarea[name=phase-{p2}-note]", "施工许可已办结")
    page.select_option(f"select[name=phase-{p3}-status]", "in_progress")
    page.fill(f"input[name=phase-{p3}-percent]", "12")
    page.fill("input[name=invested]", "2300")
    page.click("button:has-text('保存进展')")
    page.wait_for_load_state()
    errors = page.locator("#errors").all_inner_texts()
    assert "2021年6月 的项目进展已保存" in page.content(), errors
    page.close()

    # The public chart now shows the project's icon for June: P2 done on time, an ox.
    visitor.goto(chart_url)
    shown = visitor.locator(mark)
    assert shown.get_attribute("data-mark") == "ox"
    assert shown.locator("svg.icon-ox").is_visible()
    visitor.screenshot(path=str(artifacts / "warmap-post-desktop.png"), full_page=True)
    visitor.close()

    # On a phone the page does not scroll sideways: the chart scrolls inside its own box.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(chart_url)
    assert phone.locator(mark).get_attribute("data-mark") == "ox"
    box = phone.locator(".warmap-scroll")
    inner, outer = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert inner > outer
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert box.evaluate("e => e.scrollLeft") > 0
    phone.screenshot(path=str(artifacts / "warmap-post-phone.png"), full_page=True)
    phone.close()
