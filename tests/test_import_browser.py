"""The office's two-step import in real headless Chromium: a new unit is flagged in the
preview, and nothing is created until the office ticks that it means it."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from ducha.ledger.models import ImportRun, Task
from ducha.org.models import Unit
from tests.conftest import login, needs_chromium
from tests.helpers import LEDGER_HEADER, ledger_row, write_xlsx
from tests.test_accessibility import WCAG_21_AA, serious

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

NEW_UNIT = "市工业和信息化委"


def test_the_office_confirms_a_new_unit_before_it_is_created(
    browser, live_server, cycle, tmp_path, settings
):
    settings.DUCHA_SHARED_DIR = tmp_path / "var"
    ledger = write_xlsx(
        tmp_path / "2021年改革任务台账.xlsx",
        LEDGER_HEADER,
        [ledger_row(code="T-9", 牵头单位=NEW_UNIT, 配合单位="市财政局 德城区")],
    )
    units = Unit.objects.count()

    page = login(browser, live_server, "office")
    page.goto(f"{live_server.url}/office/ledger/")
    page.set_input_files("input[name=file]", str(ledger))
    page.click("button:has-text('预览')")
    page.wait_for_selector("#preview")
    preview = page.locator("#preview")
    assert "预览（未写入任何数据）" in preview.inner_text()
    row = preview.locator("table.new-names tr", has_text=NEW_UNIT)
    assert "与已有「市工业和信息化局」相近" in row.inner_text()

    # Importing without ticking: the browser holds the form back (the box is required)...
    page.click("button:has-text('确认导入')")
    page.wait_for_timeout(300)
    assert page.locator("#preview input[name=allow_new]").count() == 1
    assert "导入完成" not in page.content()
    assert Unit.objects.count() == units and not Task.objects.filter(code="T-9").exists()
    # ...and the server refuses it too, for a form sent without that check.
    page.locator("input[name=allow_new]").evaluate("box => box.removeAttribute('required')")
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("#errors")
    assert "未勾选“确认新建”，未导入任何数据" in page.locator("#errors").inner_text()
    assert (
        Unit.objects.count() == units
        and not ImportRun.objects.filter(filename__contains="台账").exists()
    )
    assert not Task.objects.filter(code="T-9").exists()

    page.check("input[name=allow_new]")
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("#result")
    assert "导入完成" in page.locator("#result").inner_text()
    assert Task.objects.get(code="T-9").lead_unit.name == NEW_UNIT
    assert Unit.objects.count() == units + 1
    page.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_preview_fits_a_phone_and_passes_axe(
    browser, live_server, cycle, tmp_path, settings, artifacts, language
):
    settings.DUCHA_SHARED_DIR = tmp_path / "var"
    rows = [ledger_row(code="T-9", 牵头单位=NEW_UNIT, 分管市领导="陈静（副市长）")]
    rows += [ledger_row(code="T-1", node="N1", 牵头单位="市财政局", 配合单位="德城区")]
    ledger = write_xlsx(tmp_path / "2021年全面深化改革任务台账（汇总稿）.xlsx", LEDGER_HEADER, rows)
    page = login(browser, live_server, "office", width=390, language=language)
    page.goto(f"{live_server.url}/office/ledger/")
    page.set_input_files("input[name=file]", str(ledger))
    page.click("#import-work button.btn-primary")
    page.wait_for_selector("#preview")
    page.click("details.read-options summary")  # the options open, as after a refusal
    page.screenshot(path=str(artifacts / f"import-preview-phone-{language}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert "陈静" in page.locator("table.new-names").inner_text()
    assert serious(Axe().run(page, options=WCAG_21_AA)) == []
    page.close()
