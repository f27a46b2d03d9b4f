import re

from django.conf import settings


def test_pages_are_chinese_whatever_the_browser_asks_for(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans"
    assert "<h1>登录</h1>" in page.content.decode()


def test_the_language_switch_gives_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "en"


def test_english_pages_give_the_rating_reasons_in_english_while_the_board_stays_chinese(
    client, boards
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/board/2021-06/").content.decode()
    assert "Progress reported, no node due yet: on track" in page
    assert "已报送进展，节点均未到期，按计划推进" not in page
    snapshot = client.get("/board/2021-06.json").content.decode()
    assert "已报送进展，节点均未到期，按计划推进" in snapshot and "on track" not in snapshot


def test_flash_messages_and_form_errors_speak_english_when_chosen(cycle, settings):
    from django.test import Client

    from ducha.boards.models import Publication

    settings.DUCHA_TODAY = "2021-07-08"
    office = Client()
    office.force_login(cycle["office"])
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {"month": "2021-06", "action": "publish", "confirm": "no"}
    refused = office.post("/office/publication/", data).content.decode()
    assert "Type 2021-06 in the confirmation box to publish" in refused
    data["confirm"] = "2021-06"
    page = office.post("/office/publication/", data, follow=True).content.decode()
    assert "June 2021 is published; chain head" in page
    assert Publication.objects.count() == 1
    reporter = Client()
    reporter.force_login(cycle["reporter"])
    reporter.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    node = cycle["t1"].nodes.get(code="N1")
    bad = {"action": "save", "version": 0, f"node-{node.pk}-status": "done"}
    page = reporter.post("/reports/T-1/2021-07/", bad).content.decode()
    errors = page.split('class="errors"')[1].split("</div>")[0]
    assert "N1 · Completion date</a>: A completion date is needed when the status is done" in errors
    assert not re.search(r"[\u4e00-\u9fff]", errors.replace("N1", ""))  # no Chinese left
