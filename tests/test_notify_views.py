"""The inbox (newest first, unread marked, marked read by POST alone, the count in the nav),
a person's quiet hours, and the office's pages: its units' channels and the delivery log of
its own jurisdiction."""

import datetime as dt
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import AuditEntry
from ducha.lib import clock
from ducha.notify.api import send
from ducha.notify.models import Delivery, QuietHours, UnitChannel
from ducha.org.models import Jurisdiction, Unit, User
from tests.conftest import CHROMIUM, PASSWORD, login
from tests.test_reports import client_for


def note(people, key, subject="请报送6月进展", minutes=0, url="/me/"):
    moment = clock.now() + dt.timedelta(minutes=minutes)
    with clock.frozen(moment):
        return send(people, kind="chase", subject=subject, body="截止7月5日", key=key, url=url)[0]


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_inbox_lists_ones_own_messages_newest_first_with_the_unread_marked(cycle):
    reporter = cycle["reporter"]
    note([reporter], "a", "旧的提醒")
    note([reporter, cycle["head"]], "b", "新的提醒", minutes=5)
    note([cycle["other_reporter"]], "c", "别人的提醒")
    Delivery.objects.filter(message__key="a", user=reporter).update(read_at=clock.now())
    page = html(client_for(reporter), "/inbox/")
    assert page.index("新的提醒") < page.index("旧的提醒") and "别人的提醒" not in page
    assert page.count('class="inbox-item unread"') == 1
    assert '消息<strong class="nav-count">（1' in page  # the nav's count
    assert 'href="/me/"' in page
    only = html(client_for(reporter), "/inbox/?unread=1")
    assert "新的提醒" in only and "旧的提醒" not in only


def test_marking_read_is_a_post_for_ones_own_messages_alone(cycle):
    reporter, head = cycle["reporter"], cycle["head"]
    note([reporter, head], "a")
    note([reporter], "b", minutes=1)
    mine = Delivery.objects.filter(user=reporter, channel="inbox").order_by("pk")
    his = Delivery.objects.get(user=head, channel="inbox")
    client = client_for(reporter)
    assert client.get("/inbox/read/").status_code == 405
    response = client.post("/inbox/read/", {"id": his.pk, "next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    his.refresh_from_db()
    assert his.read_at is None  # not his to mark
    client.post("/inbox/read/", {"id": mine[0].pk, "next": "/inbox/?page=1"})
    assert [d.read_at is not None for d in mine.all()] == [True, False]
    client.post("/inbox/read/", {"all": "1"})
    assert all(d.read_at is not None for d in mine.all())
    assert "nav-count" not in html(client, "/inbox/")
    assert client.post("/inbox/read/", {"id": "①"}).status_code == 400


def test_the_nav_count_costs_one_query_and_the_inbox_the_same_for_3_or_30_messages(cycle):
    client = client_for(cycle["reporter"])

    def cost(url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = cost("/me/")
    for i in range(3):
        note([cycle["reporter"]], f"k{i}", minutes=i)
    assert cost("/me/") == before  # the count is one query, read or not
    few = cost("/inbox/")
    for i in range(3, 30):
        note([cycle["reporter"]], f"k{i}", minutes=i)
    assert cost("/inbox/") == few


def test_a_person_sets_and_clears_his_quiet_hours(cycle):
    client = client_for(cycle["reporter"])
    assert "现在没有设置免打扰时段" in html(client, "/inbox/quiet-hours/")
    response = client.post("/inbox/quiet-hours/", {"start": "22:00", "end": "07:30"})
    assert response.status_code == 302
    quiet = QuietHours.objects.get(user=cycle["reporter"])
    assert (quiet.start, quiet.end) == (dt.time(22), dt.time(7, 30))
    refused = client.post("/inbox/quiet-hours/", {"start": "08:00", "end": "08:00"})
    assert refused.status_code == 400 and "开始和结束不能是同一时刻" in refused.content.decode()
    client.post("/inbox/quiet-hours/", {"action": "clear"})
    assert not QuietHours.objects.exists()


# The office -----------------------------------------------------------------------------------


def test_the_office_adds_switches_and_removes_a_units_robot_audited_and_never_shows_its_secret(
    cycle,
):
    unit = cycle["reporter"].unit
    office = client_for(cycle["office"])
    url = f"/office/channels/{unit.pk}/"
    hook = "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456"
    response = office.post(
        url, {"action": "add", "channel": "dingtalk", "address": hook, "secret": "SECsecret"}
    )
    assert response.status_code == 302
    channel = UnitChannel.objects.get(unit=unit)
    assert (channel.channel, channel.address, channel.secret) == ("dingtalk", hook, "SECsecret")
    page = html(office, url)
    assert "SECsecret" not in page and "abcdef123456" not in page and "已设置" in page
    assert unit.name in html(office, "/office/channels/")
    bad = office.post(url, {"action": "add", "channel": "wecom", "address": "ftp://x/y"})
    assert bad.status_code == 400 and "http:// 或 https://" in bad.content.decode()
    again = office.post(url, {"action": "add", "channel": "dingtalk", "address": hook})
    assert again.status_code == 400 and UnitChannel.objects.count() == 1
    office.post(url, {"action": "switch", "channel": channel.pk})
    channel.refresh_from_db()
    assert channel.active is False
    office.post(url, {"action": "remove", "channel": channel.pk})
    assert not UnitChannel.objects.exists()
    changes = AuditEntry.objects.filter(action="admin_changed").order_by("seq")
    assert [e.data()["change"] for e in changes] == ["added", "changed", "deleted"]
    assert all("abcdef123456" not in e.target_label for e in changes)


@pytest.mark.parametrize(
    "hook",
    [
        "http://127.0.0.1:8000/admin/",  # the server itself
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata
        "http://10.1.2.3:9200/_search",  # another machine of the intranet
        "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=x",
    ],
)
def test_a_robot_may_point_only_at_the_hosts_the_administrator_allows(cycle, settings, hook):
    """An office cannot aim the worker at another machine (DUCHA_ROBOT_HOSTS), neither when
    it saves the robot nor, for one saved before the rule, when the worker posts."""
    from ducha.notify.channels import Failure, post_json

    settings.DUCHA_ROBOT_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
    unit = cycle["reporter"].unit
    office = client_for(cycle["office"])
    refused = office.post(
        f"/office/channels/{unit.pk}/", {"action": "add", "channel": "wecom", "address": hook}
    )
    assert refused.status_code == 400 and "DUCHA_ROBOT_HOSTS" in refused.content.decode()
    assert not UnitChannel.objects.exists()
    with pytest.raises(Failure, match="DUCHA_ROBOT_HOSTS") as refusal:
        post_json(hook, {"msgtype": "text"}, 1.0, "wecom")
    assert refusal.value.permanent


def test_only_the_office_of_the_units_own_jurisdiction_changes_its_channels(cycle):
    unit = cycle["reporter"].unit
    url = f"/office/channels/{unit.pk}/"
    add = {"action": "add", "channel": "email", "address": "gxj@example.cn"}
    assert client_for(cycle["auditor"]).get(url).status_code == 200  # reads
    assert client_for(cycle["auditor"]).post(url, add).status_code == 403
    assert client_for(cycle["reporter"]).get(url).status_code == 403
    assert client_for(cycle["head"]).post(url, add).status_code == 403
    county = Jurisdiction.objects.create(
        slug="dc", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    theirs = User.objects.create_user("o-dc", role=User.Role.OFFICE, jurisdiction=county)
    assert client_for(theirs).get(url).status_code == 404
    assert client_for(theirs).post(url, add).status_code == 404
    other = Unit.objects.create(jurisdiction=county, name="德城区财政局")
    assert client_for(cycle["office"]).get(f"/office/channels/{other.pk}/").status_code == 404
    assert not UnitChannel.objects.exists()


def test_the_delivery_log_says_what_was_sent_what_failed_and_why_for_its_jurisdiction(cycle):
    unit = cycle["reporter"].unit
    robot = UnitChannel.objects.create(unit=unit, channel="wecom", address="https://q/x?key=k")
    UnitChannel.objects.create(unit=unit, channel="email", address="gxj@example.cn")
    note([cycle["reporter"]], "a", "第一条")
    note([cycle["reporter"]], "b", "第二条", minutes=1)
    Delivery.objects.filter(channel="wecom", message__key="a").update(
        status="failed", attempts=5, last_error="HTTP 500 Internal Server Error"
    )
    Delivery.objects.filter(channel="email").update(status="sent", attempts=1, sent_at=clock.now())
    office = client_for(cycle["office"])
    page = html(office, "/office/deliveries/")
    assert "HTTP 500 Internal Server Error" in page and "第二条" in page
    assert "key=k" not in page  # a robot's token stays off the page
    failed = html(office, "/office/deliveries/?status=failed")
    assert "第一条" in failed and "gxj@example.cn" not in failed
    assert "gxj@example.cn" in html(office, "/office/deliveries/?channel=email")
    assert "第一条" in html(office, f"/office/deliveries/?unit={unit.pk}&q=第一")
    assert "第一条" not in html(
        office, f"/office/deliveries/?unit={cycle['other_reporter'].unit_id}"
    )
    assert html(client_for(cycle["auditor"]), "/office/deliveries/")
    assert client_for(cycle["reporter"]).get("/office/deliveries/").status_code == 403
    assert office.get("/office/deliveries/?status=nope").status_code == 400
    # A county's office reads its own deliveries, not the city's.
    county = Jurisdiction.objects.create(
        slug="dc", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    theirs = User.objects.create_user("o-dc", role=User.Role.OFFICE, jurisdiction=county)
    assert "第一条" not in html(client_for(theirs), "/office/deliveries/")
    robot.refresh_from_db()


def test_the_delivery_log_takes_the_same_queries_for_few_or_many_rows(cycle):
    unit = cycle["reporter"].unit
    UnitChannel.objects.create(unit=unit, channel="wecom", address="https://q/x")
    office = client_for(cycle["office"])

    def cost():
        office.get("/office/deliveries/")
        with CaptureQueriesContext(connection) as queries:
            assert office.get("/office/deliveries/").status_code == 200
        return len(queries)

    note([cycle["reporter"]], "a")
    few = cost()
    for i in range(20):
        note([cycle["reporter"], cycle["head"]], f"k{i}", minutes=i)
    assert cost() == few


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
def test_the_inbox_and_the_log_fit_a_phone(request, live_server, cycle):
    chromium = request.getfixturevalue("browser")
    unit = cycle["reporter"].unit
    UnitChannel.objects.create(
        unit=unit, channel="wecom", address="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a"
    )
    long = "请于7月5日前报送6月进展情况，逾期将按未报送处理。" * 8
    for i in range(3):
        send([cycle["reporter"]], kind="chase", subject=f"提醒{i}" * 6, body=long, key=f"k{i}")
    Delivery.objects.filter(channel="wecom").update(
        status="failed", last_error="超时：10 秒内没有回应" * 5
    )
    for username, url in (("reporter", "/inbox/"), ("office", "/office/deliveries/")):
        page = login(chromium, live_server, username, width=390, password=PASSWORD)
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        page.close()


def test_the_admin_never_shows_or_takes_a_robots_webhook_token(cycle):
    """A WeCom webhook's `key=` is its password: the office's channel page masks it, and the
    admin's change form neither shows it nor takes a new address past the host allowlist."""
    unit = cycle["reporter"].unit
    hook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOKEN-abcdef123456"
    channel = UnitChannel.objects.create(unit=unit, channel="wecom", address=hook)
    root = User.objects.create_superuser("root", password="x-" + "p" * 12)
    admin = client_for(root)
    page = html(admin, f"/admin/notify/unitchannel/{channel.pk}/change/")
    assert "TOKEN-abcdef123456" not in page and "qyapi.weixin.qq.com" in page
    assert 'name="address"' not in page
    assert admin.get("/admin/notify/unitchannel/add/").status_code == 403
    admin.post(
        f"/admin/notify/unitchannel/{channel.pk}/change/",
        {"label": "工作群", "active": "on", "address": "http://10.1.2.3/"},
    )
    channel.refresh_from_db()
    assert channel.address == hook
