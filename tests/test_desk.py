"""The office's desk: the publication check, typed confirmation, corrections, overrides."""

import datetime as dt

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
