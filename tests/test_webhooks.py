"""Publication webhooks against a real HTTP receiver on loopback, which checks each
signature: signed as documented, retried after a 500, given up after DUCHA_NOTIFY_ATTEMPTS,
one delivery per publication however often the signal fires, never sent twice at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from ducha.api import webhooks
from ducha.api.models import Webhook, WebhookDelivery
from ducha.audit.models import AuditEntry
from ducha.boards.models import Publication
from ducha.boards.publication import publish
from ducha.boards.signals import board_published
from ducha.desk.auditlog import describe
from ducha.lib import clock
from ducha.org.models import Jurisdiction

JUNE = dt.date(2021, 6, 1)
JULY_10 = dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC)


class Receiver:
    """Answers each POST with the next status of `answers` (200 once they run out), and
    keeps what came: headers, body, and whether the signature held."""

    def __init__(self, *answers: int):
        self.answers = list(answers)
        self.secret = ""
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["X-Ducha-Timestamp"]
                mac = hmac.new(receiver.secret.encode(), f"{stamp}.".encode() + body, "sha256")
                receiver.posts.append(
                    {
                        "headers": dict(self.headers),
                        "json": json.loads(body),
                        "signed": hmac.compare_digest(
                            self.headers["X-Ducha-Signature"], "sha256=" + mac.hexdigest()
                        ),
                    }
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ducha"
        serve = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        serve.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*answers):
        made.append(Receiver(*answers))
        return made[-1]

    yield make
    for r in made:
        r.close()


def register(url: str, *args) -> Webhook:
    out = StringIO()
    call_command("webhook", "add", url, *args, stdout=out)
    hook = Webhook.objects.order_by("-pk").first()
    assert f"签名密钥（只显示这一次）：{hook.secret}" in out.getvalue()
    return hook


@pytest.fixture
def published(cycle, django_capture_on_commit_callbacks):
    """Publish June (sending board_published after the commit, as in production)."""

    def go() -> Publication:
        with django_capture_on_commit_callbacks(execute=True):
            return publish(JUNE, now=JULY_10).publication

    return go


def test_a_publication_is_pushed_signed_as_documented(published, receiver, settings):
    settings.DUCHA_SITE_URL = "https://ducha.example.gov.cn/"
    r = receiver()
    r.secret = register(r.url).secret
    publication = published()
    # Publishing woke the worker: a sending task waits in the queue.
    assert DBTaskResult.objects.filter(task_path=webhooks.send_task.module_path).exists()
    assert webhooks.send_due() == {"sent": 1, "retry": 0, "failed": 0}
    (post,) = r.posts
    delivery = WebhookDelivery.objects.get()
    assert post["signed"]
    assert post["headers"]["X-Ducha-Event"] == "board.published"
    assert post["headers"]["X-Ducha-Delivery"] == str(delivery.pk)
    assert post["json"] == {
        "event": "board.published",
        "jurisdiction": "city",
        "month": "2021-06",
        "version": 1,
        "kind": "manual",
        "sha256": publication.sha256,
        "previous": None,
        "url": "https://ducha.example.gov.cn/board/2021-06/",
    }
    assert (delivery.status, delivery.attempts, delivery.sent_at is not None) == ("sent", 1, True)


def test_a_failed_attempt_is_retried_after_its_backoff_and_tick_retries_it(
    published, receiver, settings
):
    r = receiver(500)
    r.secret = register(r.url).secret
    published()
    assert webhooks.send_due() == {"sent": 0, "retry": 1, "failed": 0}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "pending",
        1,
        "HTTP 500 Internal Server Error",
    )
    wait = delivery.next_attempt_at - clock.now()
    assert dt.timedelta(seconds=25) < wait <= dt.timedelta(seconds=30)
    assert webhooks.send_due() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    later = (clock.now() + dt.timedelta(minutes=1)).isoformat()
    out = StringIO()
    call_command("tick", "--now", later, stdout=out)
    # (The tick also published April and May, which missed their day: pushed too.)
    assert "公示推送：新建 2 条，送达 3 条，待重试 0 条，放弃 0 条" in out.getvalue()
    june = [p for p in r.posts if p["json"]["month"] == "2021-06"]
    assert [p["signed"] for p in june] == [True, True]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_receiver_that_keeps_failing_is_given_up_after_the_attempts(
    published, receiver, settings
):
    settings.DUCHA_NOTIFY_ATTEMPTS = 3
    r = receiver(500, 502, 503, 200)
    register(r.url)
    published()
    outcomes = [webhooks.send_due(clock.now() + dt.timedelta(hours=i)) for i in range(4)]
    assert [o["failed"] for o in outcomes] == [0, 0, 1, 0]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "HTTP 503 Service Unavailable"
    assert len(r.posts) == 3


def test_one_delivery_per_publication_however_often_the_signal_fires(published, receiver):
    r = receiver()
    register(r.url)
    publication = published()
    board_published.send(sender=Publication, publication=publication)
    assert webhooks.due(clock.now()) == ["公示推送：新建 0 条，送达 1 条，待重试 0 条，放弃 0 条"]
    board_published.send(sender=Publication, publication=publication)
    assert webhooks.due(clock.now()) == []
    assert WebhookDelivery.objects.count() == 1 and len(r.posts) == 1


def test_tick_plans_what_a_crash_left_unplanned(published, receiver):
    r = receiver()
    register(r.url)
    publish(JUNE, now=JULY_10)  # committed, but its after-commit signal never ran
    assert not WebhookDelivery.objects.exists()
    assert webhooks.due(clock.now()) == ["公示推送：新建 1 条，送达 1 条，待重试 0 条，放弃 0 条"]
    assert len(r.posts) == 1


def test_two_senders_never_claim_the_same_delivery(published, receiver):
    r = receiver()
    register(r.url)
    published()
    now = clock.now()
    first, second = webhooks.claim(now), webhooks.claim(now)
    assert len(first) == 1 and second == []
    assert WebhookDelivery.objects.get().attempts == 1


def test_only_the_jurisdictions_active_addresses_are_told(published, receiver):
    ours, paused, county_hook = receiver(), receiver(), receiver()
    register(ours.url)
    hook = register(paused.url)
    hook.active = False
    webhooks.save(hook)
    county = Jurisdiction.objects.create(
        slug="dc",
        name="德城区",
        level=Jurisdiction.Level.COUNTY,
        parent=Jurisdiction.objects.home(),
    )
    register(county_hook.url, "--jurisdiction", "dc")
    published()
    webhooks.send_due()
    assert (len(ours.posts), len(paused.posts), len(county_hook.posts)) == (1, 0, 0)
    assert county.pk  # its own boards would be pushed to its own address


def test_an_address_off_the_allowed_hosts_is_refused_and_never_posted_to(
    published, receiver, settings
):
    r = receiver()
    hook = register(r.url)
    settings.DUCHA_WEBHOOK_HOSTS = ["kaohe.example.gov.cn"]
    with pytest.raises(CommandError, match=r"127\.0\.0\.1 不在 DUCHA_WEBHOOK_HOSTS 之内"):
        call_command("webhook", "add", r.url, stdout=StringIO())
    with pytest.raises(CommandError, match="http:// 或 https://"):
        call_command("webhook", "add", "file:///etc/passwd", stdout=StringIO())
    published()
    assert webhooks.send_due() == {"sent": 0, "retry": 0, "failed": 1}
    assert r.posts == []
    assert "DUCHA_WEBHOOK_HOSTS" in WebhookDelivery.objects.get(webhook=hook).last_error


def test_by_default_no_host_may_be_registered(cycle, settings):
    from ducha import settings as defaults

    assert defaults.DUCHA_WEBHOOK_HOSTS == []
    settings.DUCHA_WEBHOOK_HOSTS = defaults.DUCHA_WEBHOOK_HOSTS
    with pytest.raises(webhooks.WebhookError, match="未设置"):
        webhooks.check_url("http://127.0.0.1:9/hook")


def test_registering_listing_and_removing_are_audited(cycle, receiver):
    r = receiver()
    hook = register(r.url)
    out = StringIO()
    call_command("webhook", "list", stdout=out)
    assert f"{hook.pk}  city  启用  {r.url}" in out.getvalue()
    assert hook.secret not in out.getvalue()
    call_command("webhook", "remove", str(hook.pk), stdout=StringIO())
    assert not Webhook.objects.exists()
    added, removed = AuditEntry.objects.filter(action="webhook_saved").order_by("seq")
    when = clock.local(added.at).strftime("%Y-%m-%d %H:%M")
    assert describe(added).sentence == f"ducha webhook 于 {when} 登记了公示推送地址 {r.url}"
    when = clock.local(removed.at).strftime("%Y-%m-%d %H:%M")
    assert describe(removed).sentence == f"ducha webhook 于 {when} 删除了公示推送地址 {r.url}"
    with pytest.raises(CommandError, match="没有编号为"):
        call_command("webhook", "remove", str(hook.pk), stdout=StringIO())


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"event": "board.published"}'
    expected = hmac.new(b"s3cret", b"1628586000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("s3cret", 1628586000, body) == f"sha256={expected}"


def test_the_admin_registers_through_the_same_checks_and_shows_the_secret_once(cycle, client):
    from ducha.org.models import User

    admin = User.objects.create_superuser("root", password="pw-12345678")
    client.force_login(admin)
    home = Jurisdiction.objects.home()
    refused = client.post(
        "/admin/api/webhook/add/",
        {"jurisdiction": home.pk, "url": "https://elsewhere.example/h", "active": "on"},
    )
    assert refused.status_code == 200 and "DUCHA_WEBHOOK_HOSTS" in refused.content.decode()
    added = client.post(
        "/admin/api/webhook/add/",
        {"jurisdiction": home.pk, "url": "http://127.0.0.1:9/h", "active": "on"},
        follow=True,
    )
    hook = Webhook.objects.get()
    assert hook.secret in added.content.decode()
    entry = AuditEntry.objects.get(action="webhook_saved")
    assert (entry.actor, entry.data()["change"]) == (admin, "added")
