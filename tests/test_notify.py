"""Sending a message (ducha.notify.api.send): the inbox at once, one external delivery per
address and channel, quiet hours; and the pure parts: quiet periods, the robots' formats
and signatures, the pacing of a robot's posts."""

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qs, quote_plus, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from ducha.lib import clock
from ducha.notify import channels, queue
from ducha.notify.api import external_key, send, unread
from ducha.notify.channels import Envelope
from ducha.notify.models import Delivery, Message, QuietHours, UnitChannel
from ducha.notify.quiet import quiet_until

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = dt.time


def at(hour, minute=0, day=3):
    return dt.datetime(2021, 7, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def units(cycle):
    gxj, czj = cycle["reporter"].unit, cycle["other_reporter"].unit
    return {
        "gxj": gxj,
        "czj": czj,
        "mail": UnitChannel.objects.create(unit=gxj, channel="email", address="gxj@example.cn"),
        "wecom": UnitChannel.objects.create(
            unit=gxj, channel="wecom", address="http://127.0.0.1:9/wecom/gxj"
        ),
        "ding": UnitChannel.objects.create(
            unit=czj,
            channel="dingtalk",
            address="http://127.0.0.1:9/ding?access_token=x",
            secret="SEC1",
        ),
        "off": UnitChannel.objects.create(
            unit=czj, channel="feishu", address="http://127.0.0.1:9/feishu", active=False
        ),
    }


def to_all(cycle, key="k1", **more):
    people = [cycle[n] for n in ("reporter", "head", "other_reporter", "leader")]
    return send(people, kind="chase", subject="请报送6月进展", body="截止7月5日", key=key, **more)


def test_everyone_gets_the_message_in_the_inbox_at_once_and_once(cycle):
    message, created = to_all(cycle)
    again, created_again = to_all(cycle)
    assert created and not created_again and again == message
    inbox = Delivery.objects.filter(channel="inbox")
    assert inbox.count() == 4 and set(inbox.values_list("status", flat=True)) == {"sent"}
    assert unread(cycle["reporter"]) == 1 and unread(cycle["office"]) == 0


def test_a_units_robot_and_mailbox_get_one_delivery_per_message_however_many_people(cycle, units):
    cycle["leader"].email = "leader@example.cn"
    cycle["leader"].save()
    to_all(cycle)
    external = Delivery.objects.exclude(channel="inbox")
    got = sorted((d.channel, d.address, d.user_id, d.via_id) for d in external)
    assert got == sorted(
        [
            ("email", "gxj@example.cn", None, units["mail"].pk),
            ("wecom", units["wecom"].address, None, units["wecom"].pk),
            ("dingtalk", units["ding"].address, None, units["ding"].pk),
            ("email", "leader@example.cn", cycle["leader"].pk, None),  # his own address
        ]
    )  # the switched-off Feishu robot: nothing
    assert set(external.values_list("status", flat=True)) == {"queued"}
    assert external.get(channel="wecom").key == external_key("k1", "wecom", units["wecom"].address)
    # Two messages, two posts to the same robot; the same one again: none.
    to_all(cycle, key="k2")
    to_all(cycle, key="k2")
    assert Delivery.objects.filter(channel="wecom").count() == 2


def test_a_person_whose_own_address_is_the_units_mailbox_gets_one_email(cycle, units):
    cycle["head"].email = "GXJ@example.cn"
    cycle["head"].save()
    to_all(cycle)
    assert Delivery.objects.filter(channel="email").count() == 1


def test_sending_enqueues_a_drain_when_the_transaction_commits(
    cycle, units, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        to_all(cycle)
        to_all(cycle, key="k2")
    assert DBTaskResult.objects.filter(task_path="ducha.notify.queue.drain_task").count() == 1


def test_quiet_hours_hold_the_persons_email_and_the_robots_that_reach_him(cycle, units):
    head = cycle["head"]
    head.email = "head@example.cn"
    head.save()
    QuietHours.objects.create(user=head, start=T(22), end=T(7, 30))
    with clock.frozen(at(23, 15)):
        to_all(cycle)
    tomorrow = at(7, 30, day=4)
    held = {d.channel: d.not_before for d in Delivery.objects.exclude(channel="inbox")}
    own = Delivery.objects.get(channel="email", user=head)
    assert own.not_before == tomorrow
    assert held["wecom"] == tomorrow  # his unit's robot rings his phone too
    assert held["dingtalk"] is None  # the other unit's: nobody there is quiet
    assert Delivery.objects.get(channel="inbox", user=head).status == "sent"
    with clock.frozen(at(23, 15)):
        assert not queue.due(clock.now()).filter(user=head).exists()
    with clock.frozen(tomorrow):
        assert queue.due(clock.now()).filter(user=head).exists()


@pytest.mark.parametrize(
    ("start", "end", "moment", "until"),
    [
        (T(22), T(7), at(23), at(7, day=4)),
        (T(22), T(7), at(6, 59), at(7)),
        (T(22), T(7), at(7), None),
        (T(22), T(7), at(21, 59), None),
        (T(12), T(14), at(12), at(14)),
        (T(12), T(14), at(14), None),
        (T(9), T(9), at(9), None),
    ],
)
def test_a_quiet_period_ends_on_its_end_and_may_run_over_midnight(start, end, moment, until):
    assert quiet_until(start, end, moment) == until


def test_a_units_channel_takes_only_what_its_kind_can_use(cycle):
    unit = cycle["reporter"].unit
    bad = [
        UnitChannel(unit=unit, channel="email", address="not-an-address"),
        UnitChannel(unit=unit, channel="wecom", address="ftp://example.cn/hook"),
        UnitChannel(unit=unit, channel="dingtalk", address="file:///etc/passwd"),
        UnitChannel(
            unit=unit, channel="wecom", address="https://qyapi.weixin.qq.com/x", secret="s"
        ),
    ]
    for channel in bad:
        with pytest.raises(ValidationError):
            channel.full_clean()
    good = UnitChannel(
        unit=unit, channel="feishu", address=" https://open.feishu.cn/h ", secret="s"
    )
    good.full_clean()
    assert good.address == "https://open.feishu.cn/h"
    hook = UnitChannel(
        unit=unit,
        channel="wecom",
        address="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6",
    )
    assert "693a91f6" not in hook.shown_address and hook.shown_address.startswith("https://qyapi")


# The robots' formats, as their vendors document them ----------------------------------------

ENVELOPE = Envelope(
    pk=1,
    key="k",
    channel="dingtalk",
    address="https://oapi.dingtalk.com/robot/send?access_token=abc",
    secret="SECxyz",
    subject="请报送6月进展",
    body="截止7月5日",
    link="https://ducha.example.cn/me/",
)


def test_wecom_gets_markdown_content_within_4096_bytes():
    payload = channels.wecom_payload(ENVELOPE)
    assert payload["msgtype"] == "markdown" and set(payload["markdown"]) == {"content"}
    assert "请报送6月进展" in payload["markdown"]["content"]
    assert "(https://ducha.example.cn/me/)" in payload["markdown"]["content"]
    long = channels.wecom_payload(Envelope(**{**ENVELOPE.__dict__, "body": "长" * 3000}))
    assert len(long["markdown"]["content"].encode()) <= 4096


def test_dingtalk_is_signed_with_hmac_sha256_of_timestamp_and_secret_in_the_query():
    url, payload = channels.dingtalk_request(ENVELOPE, 1599360473000)
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1599360473000"]
    expected = base64.b64encode(
        hmac.new(b"SECxyz", b"1599360473000\nSECxyz", hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]  # parse_qs undoes the URL encoding
    assert url.endswith(f"&sign={quote_plus(expected)}")  # URL-encoded in the query
    assert payload == {
        "msgtype": "markdown",
        "markdown": {"title": "请报送6月进展", "text": payload["markdown"]["text"]},
    }
    assert payload["markdown"]["text"].startswith("#### 请报送6月进展")


def test_feishu_is_signed_with_hmac_sha256_keyed_by_timestamp_and_secret():
    feishu = Envelope(**{**ENVELOPE.__dict__, "channel": "feishu"})
    payload = channels.feishu_payload(feishu, 1599360473)
    expected = base64.b64encode(
        hmac.new(b"1599360473\nSECxyz", b"", hashlib.sha256).digest()
    ).decode()
    assert payload == {
        "timestamp": "1599360473",
        "sign": expected,
        "msg_type": "text",
        "content": {"text": "请报送6月进展\n截止7月5日\nhttps://ducha.example.cn/me/"},
    }
    unsigned = channels.feishu_payload(Envelope(**{**feishu.__dict__, "secret": ""}), 1)
    assert set(unsigned) == {"msg_type", "content"}
    json.dumps(payload)


def test_a_robot_gets_no_more_posts_than_its_vendor_allows():
    pacer = queue.Pacer()
    for i in range(20):
        assert pacer.wait("wecom", "a", 100.0 + i) == 0
        pacer.take("wecom", "a", 100.0 + i)
    assert pacer.wait("wecom", "a", 120.0) == pytest.approx(40.0)
    assert pacer.wait("wecom", "b", 120.0) == 0  # another robot
    assert pacer.wait("wecom", "a", 160.5) == 0
    for _ in range(5):
        pacer.take("feishu", "f", 10.0)
    assert pacer.wait("feishu", "f", 10.2) == pytest.approx(0.8)  # five a second
    assert pacer.wait("email", "x@example.cn", 10.0) == 0


def test_messages_are_kept_in_the_order_written(cycle):
    to_all(cycle, key="a")
    to_all(cycle, key="b")
    assert list(Message.objects.values_list("key", flat=True)) == ["b", "a"]
