"""WCAG 2.1 AA in real Chromium (Debian's, driven by Playwright).

On the demo's month (8 Feb 2022, January being closed), axe-core (bundled by
axe-playwright-python, no network) finds no serious or critical violation on the pages people
use, in Chinese and in English, on a desktop and on a phone. What axe cannot see is asserted
too: names for screen readers in the page's language, the column headers a screen reader
still finds when tables become cards, labels beside every field, nothing that scrolls sideways
at 390 px, the focus ring's contrast, and a refused report that keeps everything typed.
Phone screenshots go to var/test-artifacts/.
"""

import re
from io import StringIO
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from ducha.demo.january import JANUARY
from ducha.demo.seeding import DEMO_PASSWORD
from ducha.ledger.models import Task
from ducha.reports.models import Evidence, Report
from tests.conftest import login, needs_chromium
from tests.test_reports import PDF

# What a page looks like to a screen reader or on a phone does not depend on the database:
# scanned once, on SQLite (CI runs the suite on both, and must stay under 15 minutes).
on_sqlite_only = pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "sqlite",
    reason="pages look the same on every database: scanned on SQLite",
)
pytestmark = [needs_chromium, on_sqlite_only, pytest.mark.django_db(transaction=True)]

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LANGUAGES = ["zh-hans", "en"]
DESKTOP, PHONE = 1366, 390
EVERYONE = [None, "reporter", "head", "leader", "office"]  # None: a visitor, not signed in
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(settings):
    """`make demo`'s data: six logins, 2021 published, January 2022 half reported."""
    settings.DUCHA_TODAY = ""  # the demo sets its own date
    call_command("demo", "--no-serve", stdout=StringIO())
    returned = Report.objects.select_related("task").get(
        task__lead_unit__users__username="reporter",
        month=JANUARY,
        status=Report.Status.RETURNED,
    )
    return SimpleNamespace(
        returned=returned.task.code,  # sent back by the head with his comment: to be fixed
        task=Task.objects.filter(lead_unit=returned.task.lead_unit).order_by("code").first().code,
    )


def open_as(browser, live_server, who, language, width):
    """A page for `who` (None: a visitor) in `language`, `width` pixels wide."""
    if who:
        return login(browser, live_server, who, width, DEMO_PASSWORD, language)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    return page


def refuse_a_save(page):
    """Type a percent that is not a number and save: the form comes back with its errors."""
    page.locator("input[name$=-percent]").first.fill("abc")
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert page.locator("#errors").is_visible()
    assert page.locator("[aria-invalid=true]").count() == 1


def walk(browser, live_server, demo, language, widths, people, look):
    """Visit every page `people` (None: a visitor) use at each width: `look(page, name)`."""
    month = JANUARY.strftime("%Y-%m")
    visits = {
        None: [
            ("/", "board"),  # the latest board: all 186 tasks and the per-unit summary
            ("/board/2021-06/?rating=snail", "board-filtered"),
            (f"/tasks/{demo.task}/", "task"),
            ("/accounts/login/", "login"),
        ],
        "reporter": [
            ("/me/", "me-reporter"),
            (f"/reports/{demo.returned}/{month}/", "report"),
            (refuse_a_save, "report-refused"),
        ],
        "head": [("/me/", "me-head")],
        "leader": [("/me/", "me-leader")],
        "office": [
            ("/office/", "desk"),
            (f"/office/publication/?month={month}", "publication"),
            ("/audit/", "audit"),
        ],
    }
    html_lang = {"zh-hans": "zh-Hans", "en": "en"}[language]
    for who in people:
        page = open_as(browser, live_server, who, language, widths[0])
        for where, name in visits[who]:
            if callable(where):
                where(page)
            else:
                page.goto(live_server.url + where)
            assert page.get_attribute("html", "lang") == html_lang, name
            for width in widths:  # the same page, laid out anew
                page.set_viewport_size({"width": width, "height": 900})
                look(page, name)
        page.close()


PAGES = 12  # the visits of walk() below, counted


def serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_passes_axe_and_fits_a_phone_in_both_languages(
    browser, live_server, demo, artifacts
):
    """One walk per language over the demo (seeded once for all of it), each page at a
    desktop's width and a phone's:
    - axe finds no serious or critical violation, and in English no name meant for screen
      readers is left in Chinese;
    - at 390 px nothing scrolls sideways, tables become cards whose column headers a screen
      reader still finds, and every field's label is seen."""
    axe, found, checked, widths = Axe(), {}, [], {}

    def accessible(page, name, language):
        width = page.viewport_size["width"]
        checked.append((name, width, language))
        problems = serious(axe.run(page, options=WCAG_21_AA))
        if language == "en":  # names for assistive technology speak the page's language
            names = page.eval_on_selector_all(
                "[aria-label], [alt], .sr, caption",
                "els => els.map(e => e.getAttribute('aria-label') ?? e.getAttribute('alt')"
                " ?? e.textContent)",
            )
            assert names, name  # every page has at least its navigation's name
            problems += [f"a name in Chinese: {text}" for text in names if HAN.search(text)]
        if problems:
            found[(name, width, language)] = problems

    def fits_a_phone(page, name, language):
        shot = artifacts / f"phone-{name}-{language}.png"
        if name == "board":  # 186 cards: the top of the page, the first cards, the unit summary
            page.screenshot(path=str(shot))
            page.locator("table.tasks tbody").first.screenshot(
                path=str(artifacts / f"phone-board-cards-{language}.png")
            )
            summary = page.locator("section.units")
            summary.screenshot(path=str(artifacts / f"phone-units-{language}.png"))
            right = summary.evaluate(f"s => {RIGHTMOST}(s.querySelectorAll('*'))")
            assert right <= PHONE, (language, right)
            names = summary.locator("tbody th").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().width)"
            )
            assert min(names) > 150, (language, min(names))  # never a character per line
        else:
            page.screenshot(path=str(shot), full_page=name != "board-filtered")
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        widths[(name, language)] = scroll
        assert client == PHONE and scroll <= client, (name, language, scroll, too_wide(page))
        # Cards on a phone, yet a screen reader still hears which column a value is in.
        written, exposed = column_headers(page)
        assert written == exposed, (name, language)
        for label in page.locator("form .field label").all():
            box = label.bounding_box()  # seen, not merely announced
            assert box and box["width"] > 20 and box["height"] > 10, (name, label.inner_text())

    def look(page, name, language):
        accessible(page, name, language)
        if page.viewport_size["width"] == PHONE:
            fits_a_phone(page, name, language)

    for language in LANGUAGES:
        walk(
            browser,
            live_server,
            demo,
            language,
            (DESKTOP, PHONE),
            EVERYONE,
            lambda page, name, language=language: look(page, name, language),
        )
    pages = len(widths) // len(LANGUAGES)
    assert pages == PAGES and len(checked) == 2 * pages * len(LANGUAGES)
    print("scrollWidth at 390 px:", widths)
    report = "\n".join(
        f"{name} at {w}px ({lang}): " + "\n  ".join(p) for (name, w, lang), p in found.items()
    )
    assert not found, report


def column_headers(page) -> tuple[list[str], list[str]]:
    """The column headers written in the page, and those in Chromium's accessibility tree."""
    written = page.eval_on_selector_all("thead th", "els => els.map(e => e.textContent.trim())")
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]
    found = cdp.send(
        "Accessibility.queryAXTree", {"nodeId": root["nodeId"], "role": "columnheader"}
    )
    cdp.detach()
    exposed = [n["name"]["value"].strip() for n in found["nodes"] if not n.get("ignored")]
    return sorted(written), sorted(exposed)


RIGHTMOST = "(els => Math.max(...[...els].map(e => e.getBoundingClientRect().right)))"


def too_wide(page) -> list[str]:
    """What sticks out past the right edge, for the failure message."""
    return page.eval_on_selector_all(
        "body *",
        "els => els.filter(e => e.getBoundingClientRect().right > innerWidth).slice(0, 8)"
        ".map(e => `${e.tagName}.${e.className}: ${(e.textContent || '').slice(0, 40)}`)",
    )


def test_a_refused_report_keeps_every_field_as_typed_and_asks_for_the_chosen_file_again(
    browser, live_server, cycle, tmp_path, artifacts
):
    """On a phone, as the unit's reporter: one date is wrong, everything else stays."""
    n1, n2 = cycle["t1"].nodes.order_by("code")
    typed = {  # every field of both nodes changed from the form's first state
        n1.pk: {
            "status": "done",
            "percent": "100",
            "done_on": "2021-07-02",
            "note": "已印发实施方案",
        },
        n2.pk: {"status": "in_progress", "percent": "45", "done_on": "", "note": "正在征求意见"},
    }
    texts = {
        "narrative": "召开推进会两次，印发实施方案",
        "problems": "部分配合单位数据报送不及时",
        "next_steps": "7月底前完成意见征求",
    }
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(PDF)
    page = login(browser, live_server, "reporter", PHONE)
    page.goto(f"{live_server.url}/reports/T-1/2021-06/")
    for node, values in typed.items():
        assert page.input_value(f"[name=node-{node}-status]") != values["status"]
        page.select_option(f"[name=node-{node}-status]", values["status"])
        for field in ("percent", "done_on", "note"):
            page.fill(f"[name=node-{node}-{field}]", values[field])
    for name, text in texts.items():
        page.fill(f"[name={name}]", text)
    page.set_input_files("input[name=files]", str(minutes))
    page.click("button[value=submit]")  # 提交单位负责人审核
    page.wait_for_load_state()

    # The one wrong field is marked and explained, naming its node and field.
    wrong = page.locator(f"[name=node-{n1.pk}-done_on]")
    assert wrong.get_attribute("aria-invalid") == "true"
    message = page.locator(f"#{wrong.get_attribute('aria-describedby')}").inner_text()
    assert "2021-07-02" in message and "月底" in message
    assert page.locator("[aria-invalid=true]").count() == 1
    summary = page.locator("#errors")
    assert summary.is_visible() and "N1 · 完成日期" in summary.inner_text()
    assert summary.locator(f"a[href='#node-{n1.pk}-done_on']").count() == 1
    # Everything else is as typed; the file is named and asked for again.
    for node, values in typed.items():
        for field, value in values.items():
            assert page.input_value(f"[name=node-{node}-{field}]") == value, (node, field)
    for name, text in texts.items():
        assert page.input_value(f"[name={name}]") == text, name
    assert "会议纪要.pdf" in page.locator(".files-again").inner_text()
    assert page.eval_on_selector("input[name=files]", "input => input.files.length") == 0
    page.screenshot(path=str(artifacts / "phone-report-one-wrong-date.png"), full_page=True)
    assert not Report.objects.exists()  # nothing half-saved

    # Put the date right, choose the file again and submit.
    page.fill(f"[name=node-{n1.pk}-done_on]", "2021-06-28")
    page.set_input_files("input[name=files]", str(minutes))
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "已提交，等待单位负责人审核" in page.content()
    page.close()
    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED
    assert (report.narrative, report.problems, report.next_steps) == tuple(texts.values())
    lines = {line.node_id: line for line in report.lines.all()}
    assert (lines[n1.pk].status, str(lines[n1.pk].done_on)) == ("done", "2021-06-28")
    assert (lines[n2.pk].status, lines[n2.pk].percent) == ("in_progress", 45)
    assert [line.note for line in lines.values()] == [typed[n]["note"] for n in lines]
    assert [e.original_name for e in Evidence.objects.all()] == ["会议纪要.pdf"]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed colours, "rgb(r, g, b)"."""

    def luminance(colour):
        r, g, b = (int(c) / 255 for c in re.findall(r"\d+", colour)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_is_at_least_3_to_1_on_the_page_and_on_the_navy_header(browser, live_server):
    page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    header = page.eval_on_selector("header.site", "e => getComputedStyle(e).backgroundColor")
    card = page.eval_on_selector(".login-card", "e => getComputedStyle(e).backgroundColor")
    body = page.eval_on_selector("body", "e => getComputedStyle(e).backgroundColor")

    def ring(selector):
        """Keyboard focus on `selector`: its outline's style, width and colour."""
        page.keyboard.press("Shift")  # the last input came from the keyboard
        page.focus(selector)
        return page.evaluate(
            "(() => { const e = document.activeElement, s = getComputedStyle(e);"
            " return [e.matches(':focus-visible'), s.outlineStyle, parseFloat(s.outlineWidth),"
            " s.outlineColor]; })()"
        )

    rings = {  # what is focused: what surrounds its ring
        ".skip": [header],  # the skip link shows over the header
        "a.brand": [header],
        ".site-nav a[href='/']": [header],
        "#id_username": [card, body],  # the white card sits on the grey page
        "button.login-submit": [card],
        ".login-public a": [body],
    }
    for selector, around in rings.items():
        visible, style, width, colour = ring(selector)
        assert visible and style == "solid" and width >= 2, (selector, style, width)
        for background in around:
            assert contrast(colour, background) >= 3, (selector, colour, background)
    page.close()
