"""Delivering through real servers on loopback: an SMTP server (aiosmtpd) and an HTTP
receiver standing in for the robots, which checks each robot's JSON and signature. A receiver
that hangs or answers 500 is retried and logged, and holds nobody else up."""

from __future__ import annotations

import base64
import datetime as dt
import email
import hashlib
import hmac
import json
import socket
import threading
import time
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from ducha.lib import clock
from ducha.notify import queue
from ducha.notify.api import send
from ducha.notify.models import Delivery, UnitChannel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """The robots on loopback. Each POST is recorded (path, query, JSON, when) and answered
    as its path says: /ok/… at once; /slow/… after a tenth of a second; /fail/… 500;
    /hang/… not before `release` (`hung` says one came); /flaky/… 500 until `healed`;
    /reject/… a robot's own error (DingTalk's 310000)."""

    def __init__(self):
        self.posts: list[dict] = []
        self.release = threading.Event()
        self.healed = threading.Event()
        self.hung = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.posts.append(
                        {
                            "path": parts.path,
                            "query": parse_qs(parts.query),
                            "json": json.loads(body),
                            "type": self.headers.get("Content-Type"),
                            "at": time.monotonic(),
                        }
                    )
                kind = parts.path.split("/")[1]
                if kind == "hang":
                    receiver.hung.set()
                    receiver.release.wait(30)
                elif kind == "slow":
                    time.sleep(0.1)
                if kind == "fail" or (kind == "flaky" and not receiver.healed.is_set()):
                    self.send_error(500)
                    return
                if "feishu" in parts.path:
                    answer = {"code": 0, "msg": "success"}
                elif kind == "reject":
                    answer = {"errcode": 310000, "errmsg": "sign not match"}
                else:
                    answer = {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender gave up waiting (a hanging robot's timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def to(self, path: str) -> list[dict]:
        return [p for p in self.posts if p["path"] == path]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd's handler: keeps every mail it is given."""

    def __init__(self):
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def robots():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free loopback port, and Ducha's mail settings pointed at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DUCHA_SMTP_HOST = settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    yield mailbox
    controller.stop()


@pytest.fixture
def fast(settings):
    settings.DUCHA_NOTIFY_TIMEOUT = 1
    settings.DUCHA_NOTIFY_THREADS = 4
    settings.DUCHA_SITE_URL = "https://ducha.example.cn"
    queue.PACER.times.clear()


def channel(unit, kind, address, secret=""):
    return UnitChannel.objects.create(unit=unit, channel=kind, address=address, secret=secret)


def people(cycle):
    return [cycle[n] for n in ("reporter", "head", "other_reporter", "leader")]


def message(cycle, key="m1", subject="请报送6月进展"):
    return send(
        people(cycle), kind="chase", subject=subject, body="截止7月5日。", key=key, url="/me/"
    )[0]


def test_each_channel_delivers_in_the_format_its_vendor_documents(cycle, robots, smtp, fast):
    gxj, czj = cycle["reporter"].unit, cycle["other_reporter"].unit
    channel(gxj, "email", "gxj@example.cn")
    channel(gxj, "wecom", robots.url("/ok/wecom"))
    channel(gxj, "dingtalk", robots.url("/ok/ding?access_token=t1"), "SECding")
    channel(czj, "feishu", robots.url("/ok/feishu"), "feishu-secret")
    cycle["leader"].email = "leader@example.cn"
    cycle["leader"].save()
    sent = message(cycle)

    totals = queue.drain()
    assert totals["sent"] == 5 and totals["failed"] == totals["retry"] == 0

    # E-mail: one to the unit's mailbox, one to the leader's own address.
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == ["gxj@example.cn", "leader@example.cn"]
    mail = email.message_from_bytes(smtp.mails[0].content, policy=default_policy)
    assert mail["Subject"] == "请报送6月进展"
    assert mail["Message-ID"].endswith("@ducha>")
    text = mail.get_body(("plain",)).get_content()
    assert "截止7月5日。" in text and "https://ducha.example.cn/me/" in text
    assert "https://ducha.example.cn/me/" in mail.get_body(("html",)).get_content()

    # WeCom: markdown content.
    (wecom,) = robots.to("/ok/wecom")
    assert wecom["type"].startswith("application/json")
    assert wecom["json"]["msgtype"] == "markdown"
    assert "请报送6月进展" in wecom["json"]["markdown"]["content"]

    # DingTalk: markdown with a title; timestamp (ms) and sign in the query.
    (ding,) = robots.to("/ok/ding")
    stamp = ding["query"]["timestamp"][0]
    assert abs(int(stamp) - time.time() * 1000) < 60_000  # the real clock, not the demo's
    expected = hmac.new(b"SECding", f"{stamp}\nSECding".encode(), hashlib.sha256).digest()
    assert ding["query"]["sign"] == [base64.b64encode(expected).decode()]
    assert ding["query"]["access_token"] == ["t1"]
    assert ding["json"]["msgtype"] == "markdown"
    assert ding["json"]["markdown"]["title"] == "请报送6月进展"
    assert "https://ducha.example.cn/me/" in ding["json"]["markdown"]["text"]

    # Feishu: timestamp (s) and sign in the body, a text message.
    (feishu,) = robots.to("/ok/feishu")
    body = feishu["json"]
    assert abs(int(body["timestamp"]) - time.time()) < 60
    key = f"{body['timestamp']}\nfeishu-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and body["content"]["text"].startswith("请报送6月进展")

    external = Delivery.objects.filter(message=sent).exclude(channel="inbox")
    assert [(d.status, d.attempts, d.last_error) for d in external] == [("sent", 1, "")] * 5
    # Nothing twice: another drain, and the same message sent again, deliver nothing.
    message(cycle)
    assert queue.drain()["sent"] == 0
    assert len(smtp.mails) == 2 and len(robots.posts) == 3


def test_a_hanging_or_failing_receiver_is_retried_and_logged_and_delays_no_one(
    cycle, robots, smtp, fast, settings
):
    settings.DUCHA_NOTIFY_TIMEOUT = 2
    gxj, czj = cycle["reporter"].unit, cycle["other_reporter"].unit
    channel(gxj, "wecom", robots.url("/hang/wecom"))
    channel(gxj, "dingtalk", robots.url("/flaky/ding"), "SEC")
    channel(czj, "feishu", robots.url("/ok/feishu"))
    channel(czj, "email", "czj@example.cn")
    for i in range(3):
        message(cycle, key=f"m{i}", subject=f"提醒{i}")

    start = time.monotonic()
    totals = queue.drain()
    took = time.monotonic() - start
    # The healthy ones arrived before the hanging robot's two-second timeout ended, and the
    # drain waited for that timeout once, not once per message (three would be six seconds).
    assert len(robots.to("/ok/feishu")) == 3 and len(smtp.mails) == 3
    assert max(p["at"] for p in robots.to("/ok/feishu")) - start < 2
    assert 2 <= took < 4, took
    assert totals == {"sent": 6, "retry": 2, "failed": 0, "held": 4, "interrupted": 0}

    hang = Delivery.objects.filter(channel="wecom").order_by("pk")
    assert [(d.status, d.attempts) for d in hang] == [("queued", 1), ("queued", 0), ("queued", 0)]
    assert "超时" in hang[0].last_error
    assert all(d.last_error.startswith("暂缓：发往同一地址的消息刚刚失败") for d in hang[1:])
    flaky = Delivery.objects.filter(channel="dingtalk").order_by("pk")
    assert flaky[0].last_error.startswith("HTTP 500")
    retry_at = hang[0].not_before
    assert retry_at - clock.now() > dt.timedelta(seconds=25)  # 30 s backoff after one try
    assert queue.drain()["sent"] == 0  # not before its time

    robots.release.set()
    robots.healed.set()
    with clock.frozen(retry_at + dt.timedelta(seconds=1)):
        assert queue.drain()["sent"] == 6
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert list(hang.values_list("attempts", flat=True)) == [2, 1, 1]
    assert len(robots.to("/flaky/ding")) == 4  # the failed first post, then the three


def test_what_cannot_succeed_fails_at_once_and_a_retry_gives_up_after_its_attempts(
    cycle, robots, fast, settings
):
    settings.DUCHA_NOTIFY_ATTEMPTS = 2
    gxj, czj = cycle["reporter"].unit, cycle["other_reporter"].unit
    channel(gxj, "dingtalk", robots.url("/reject/ding"), "SEC")
    channel(gxj, "wecom", robots.url("/fail/wecom"))
    gone = channel(czj, "feishu", robots.url("/ok/feishu"))
    message(cycle)
    gone.active = False  # switched off after the message was queued
    gone.save()
    queue.drain()
    ding, wecom, feishu = (Delivery.objects.get(channel=c) for c in ("dingtalk", "wecom", "feishu"))
    assert (ding.status, ding.attempts) == ("failed", 1)
    assert ding.last_error == "钉钉返回错误 310000：sign not match"
    assert (feishu.status, feishu.last_error) == ("failed", "该单位渠道已停用")
    assert not robots.to("/ok/feishu")
    assert (wecom.status, wecom.attempts) == ("queued", 1)
    with clock.frozen(wecom.not_before):
        queue.drain()
    wecom.refresh_from_db()
    assert (wecom.status, wecom.attempts, wecom.last_error) == (
        "failed",
        2,
        "HTTP 500 Internal Server Error",
    )


def test_without_a_mail_server_email_fails_saying_so(cycle, settings, fast):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DUCHA_SMTP_HOST = ""
    channel(cycle["reporter"].unit, "email", "gxj@example.cn")
    message(cycle)
    queue.drain()
    d = Delivery.objects.get(channel="email")
    assert (d.status, d.last_error) == ("failed", "本系统未配置邮件服务器（DUCHA_SMTP_HOST）")


def test_a_demo_without_a_mail_server_writes_its_emails_to_files(cycle, settings, fast, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"  # DUCHA_MAIL_DIR
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.DUCHA_SMTP_HOST = ""
    channel(cycle["reporter"].unit, "email", "gxj@example.cn")
    message(cycle)
    assert queue.drain()["sent"] == 1
    (written,) = (tmp_path / "mail").iterdir()
    assert "To: gxj@example.cn" in written.read_text()


def test_a_delivery_left_sending_by_a_stopped_worker_is_failed_after_its_lease_and_not_resent(
    cycle, robots, fast
):
    channel(cycle["reporter"].unit, "wecom", robots.url("/ok/wecom"))
    message(cycle, key="old")
    message(cycle, key="new")
    now = clock.now()
    old, new = Delivery.objects.filter(channel="wecom").order_by("pk")
    Delivery.objects.filter(pk=old.pk).update(
        status="sending", attempts=1, claimed_at=now - queue.lease() - dt.timedelta(seconds=1)
    )
    Delivery.objects.filter(pk=new.pk).update(status="sending", attempts=1, claimed_at=now)
    queue.drain()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.last_error) == ("failed", queue.INTERRUPTED)
    assert new.status == "sending"  # its worker may still be at it
    assert robots.posts == []
    # When its lease ends, a drain is due to look again.
    assert queue.next_moment(now) == now + queue.lease()


def test_a_stopping_worker_puts_back_what_it_claimed_and_has_not_started(
    cycle, robots, fast, settings
):
    settings.DUCHA_NOTIFY_THREADS = 1  # two rows in hand: one under way, one waiting for it
    channel(cycle["reporter"].unit, "wecom", robots.url("/hang/a"))
    channel(cycle["other_reporter"].unit, "wecom", robots.url("/hang/b"))
    message(cycle)

    def stop_when_hung():
        robots.hung.wait(5)
        queue.STOP.set()  # what SIGTERM does to the worker

    threading.Thread(target=stop_when_hung).start()
    try:
        queue.drain()
    finally:
        queue.STOP.clear()
    tried, waiting = Delivery.objects.filter(channel="wecom").order_by("pk")
    assert (tried.status, tried.attempts) == ("queued", 1) and "超时" in tried.last_error
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("queued", 0, "")
    assert len(robots.posts) == 1
