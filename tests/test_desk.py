"""The office's desk: the publication check, typed confirmation, corrections, overrides."""

import datetime as dt

import pytest
from django.test import Client

from ducha.boards.models import Hold, Publication
from ducha.ratings.models import Override

JUNE = dt.date(2021, 6, 1)
CHECK = "/office/publication/?month=2021-06"


def office(cycle) -> Client:
    client = Client()
    client.force_login(cycle["office"])
    return client


def test_the_check_page_shows_what_is_missing_and_warns(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    response = office(cycle).get(CHECK)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="alert-danger" role="alert">' in page
    assert "2 项应报送的任务尚未报送" in page
    assert "<strong>0</strong> / 2" in page  # reported / expected
    assert "T-1" in page and "T-2" in page and "推进亩产效益评价改革" in page
    assert 'name="confirm"' in page and "请输入月份 <strong>2021-06</strong> 以确认" in page
    assert not Publication.objects.exists()  # looking writes nothing


def test_publishing_without_the_typed_month_is_refused(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    client = office(cycle)
    for typed in ("", "2021-6", "2021-07", "确认"):
        data = {"month": "2021-06", "action": "publish", "confirm": typed}
        response = client.post("/office/publication/", data)
        assert response.status_code == 400, typed
        assert "请在确认框中输入 2021-06 以确认发布" in response.content.decode()
    assert not Publication.objects.exists()
    data = {"month": "2021-06", "action": "publish", "confirm": "2021-06"}
    response = client.post("/office/publication/", data, follow=True)
    assert "2021年6月已发布" in response.content.decode()
    assert Publication.objects.get().month == JUNE


def test_a_month_still_running_cannot_be_published(cycle):
    # cycle's date is 3 July: July has not ended.
    data = {"month": "2021-07", "action": "publish", "confirm": "2021-07"}
    response = office(cycle).post("/office/publication/", data)
    assert response.status_code == 400 and "尚未结束" in response.content.decode()
    assert not Publication.objects.exists()


def test_a_correction_needs_its_reason_and_keeps_what_was_typed(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    client = office(cycle)
    client.post(
        "/office/publication/", {"month": "2021-06", "action": "publish", "confirm": "2021-06"}
    )
    page = client.get(CHECK + "&action=correct").content.decode()
    assert "勘误理由" in page
    data = {"month": "2021-06", "action": "correct", "confirm": "2021-06", "reason": " "}
    response = client.post("/office/publication/", data)
    assert response.status_code == 400 and "请写明勘误理由" in response.content.decode()
    assert 'value="2021-06"' in response.content.decode()  # the typed month is kept
    data |= {"reason": "T-2 补报材料经核实", "confirm": "2021-6"}
    response = client.post("/office/publication/", data)
    assert response.status_code == 400
    assert "T-2 补报材料经核实" in response.content.decode()  # the reason is kept
    data["confirm"] = "2021-06"
    client.post("/office/publication/", data)
    assert list(Publication.objects.values_list("version", "reason")) == [
        (1, ""),
        (2, "T-2 补报材料经核实"),
    ]


def test_hold_and_release_need_no_confirmation_and_say_so(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    client = office(cycle)
    response = client.post(
        "/office/publication/",
        {"month": "2021-06", "action": "hold", "reason": "待核实"},
        follow=True,
    )
    assert "2021年6月已暂缓自动发布" in response.content.decode()
    assert Hold.objects.get().reason == "待核实"
    client.post("/office/publication/", {"month": "2021-06", "action": "release"})
    assert Hold.objects.get().released_at is not None


def test_a_refused_override_keeps_the_chosen_rating(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    client = office(cycle)
    data = {"month": "2021-06", "task": "T-2", "rating": "ostrich", "reason": ""}
    response = client.post("/office/override/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "调整评价必须写明理由" in page
    assert '<option value="ostrich" selected>' in page
    data["reason"] = "已书面说明"
    assert client.post("/office/override/", data).status_code == 302
    assert Override.objects.get().rating == "ostrich"


def test_the_desk_names_each_task_beside_its_code_and_keeps_codes_whole(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    page = office(cycle).get("/office/?month=2021-06").content.decode()
    assert '<span class="code">T-1</span> 推进亩产效益评价改革' in page


def test_the_auditor_reads_the_desk_and_cannot_publish(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    client = Client()
    client.force_login(cycle["auditor"])
    page = client.get("/office/?month=2021-06").content.decode()
    assert "核对并发布" not in page and "暂缓自动发布" not in page
    assert client.get(CHECK).status_code == 403
    data = {"month": "2021-06", "action": "publish", "confirm": "2021-06"}
    assert client.post("/office/publication/", data).status_code == 403
    assert not Publication.objects.exists()


def test_the_correction_check_shows_what_the_correction_would_change(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    client = office(cycle)
    client.post(
        "/office/publication/", {"month": "2021-06", "action": "publish", "confirm": "2021-06"}
    )
    Override.objects.create(
        task=cycle["t2"], month=JUNE, computed="snail", rating="ostrich", reason="补报材料"
    )
    page = client.get(CHECK + "&action=correct").content.decode()
    assert "勘误版将改变 1 项任务的评价" in page
    changed = page.split("勘误版将改变")[1].split("</ul>")[0]
    assert "T-2" in changed and "T-1" not in changed


def test_a_month_before_any_task_starts_cannot_be_published(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    data = {"month": "2019-05", "action": "publish", "confirm": "2019-05"}
    response = office(cycle).post("/office/publication/", data)
    assert response.status_code == 400
    assert "2019年5月还没有参与评价的任务，不能发布" in response.content.decode()
    assert not Publication.objects.exists()


def test_a_write_with_an_unreadable_month_is_refused_not_guessed(cycle, settings):
    settings.DUCHA_TODAY = "2021-07-08"
    data = {"month": "garbage", "task": "T-2", "rating": "ostrich", "reason": "说明"}
    assert office(cycle).post("/office/override/", data).status_code == 400
    assert not Override.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_publishing_is_refused_when_reports_came_in_after_the_check(cycle, settings):
    import re

    from ducha.ledger.models import Progress
    from ducha.ratings.models import InputsVersion

    InputsVersion.objects.get_or_create(pk=1)
    settings.DUCHA_TODAY = "2021-07-08"
    client = office(cycle)
    seen = re.search(r'name="seen" value="(\d+)"', client.get(CHECK).content.decode()).group(1)
    node = cycle["t2"].nodes.get()
    Progress.objects.create(task=cycle["t2"], node=node, month=JUNE, status="in_progress")
    data = {"month": "2021-06", "action": "publish", "confirm": "2021-06", "seen": seen}
    response = client.post("/office/publication/", data)
    assert response.status_code == 409
    assert "核对之后又有报送或评价发生变化" in response.content.decode()
    assert not Publication.objects.exists()
    fresh = re.search(r'name="seen" value="(\d+)"', response.content.decode()).group(1)
    client.post("/office/publication/", data | {"seen": fresh})
    assert Publication.objects.count() == 1


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2021-13", "2021-00", "٢٠٢١-٠٦", "x"])
def test_a_month_that_cannot_exist_is_refused_by_name_never_a_500(cycle, month):
    reporter = Client()
    reporter.force_login(cycle["reporter"])
    for client, url in (
        (office(cycle), f"/office/?month={month}"),
        (office(cycle), f"/office/publication/?month={month}"),
        (office(cycle), f"/office/override/?task=T-1&month={month}"),
        (office(cycle), f"/audit/?month={month}"),
        (reporter, f"/me/?month={month}"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "<code>month</code>" in response.content.decode()
    # In the address itself, such a month is a page that does not exist.
    assert reporter.get(f"/reports/T-1/{month}/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "actor=①",  # str.isdigit() says yes, int() says no
        "actor=٣",
        "actor=99999999999999999999",
        "page=①",
        "page=0",
        "action=nonsense",
    ],
)
def test_an_unreadable_audit_filter_is_a_400_naming_it(cycle, query):
    response = office(cycle).get(f"/audit/?{query}")
    assert response.status_code == 400
    assert f"<code>{query.split('=')[0]}</code>" in response.content.decode()


def test_the_desk_refuses_an_unknown_check_or_switch(cycle):
    assert office(cycle).get(CHECK + "&action=hold").status_code == 400
    assert office(cycle).get("/office/?all=yes").status_code == 400
    assert office(cycle).get("/office/?all=1").status_code == 200
