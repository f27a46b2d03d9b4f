"""Signing in and out, lockout after repeated failures, and session timeouts."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, RequestFactory, override_settings

from ducha.accounts.middleware import SEEN, STARTED
from ducha.accounts.models import LoginAttempt
from ducha.audit.models import AuditEntry
from ducha.lib.addresses import client_address
from ducha.org.models import User
from tests.conftest import CHROMIUM, ROOT

PASSWORD = "right-horse-battery-7"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock(monkeypatch):
    """Time travel: everything that asks django.utils.timezone.now() gets `clock.now`."""

    class Clock:
        now = dt.datetime(2021, 7, 10, 9, 0, tzinfo=SHANGHAI)

        def advance(self, **delta):
            self.now += dt.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password=PASSWORD, full_name="王丽", role="office")


def sign_in(client, username="alice", password=PASSWORD, address="10.0.0.1", **extra):
    data = {"username": username, "password": password, **extra}
    return client.post("/accounts/login/", data, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_the_login_page_is_a_chinese_form(client, db):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>登录</h1>" in html and "用户名" in html and "密码" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_login_page_is_a_card_with_labelled_fields_that_browsers_can_fill(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert '<div class="login-card">' in html and 'href="/static/ducha/site.css"' in html
    assert '<label for="id_username">用户名</label>' in html
    assert '<label for="id_password">密码</label>' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert '<a href="/">不登录也可以查看每月的“四色”督查公示</a>' in html
    assert "style=" not in html and "<script>" not in html  # the CSP forbids both


def test_the_login_page_is_in_english_when_chosen(client, db):
    client.cookies["django_language"] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert "The monthly four-colour boards are public: no login needed" in html


def test_the_site_stylesheet_styles_the_login_card_for_phones_too():
    css = (ROOT / "ducha" / "static" / "ducha" / "site.css").read_text(encoding="utf-8")
    section = css[css.index("/* Login and error pages") :]
    for rule in (".login {", ".login-card", ".login-field input", ".login-alert", ".error-page"):
        assert rule in section
    # A narrow card of full-width fields: nothing to scroll sideways at 390 px.
    assert "max-width: 26rem" in section and "width: 100%" in section


def test_a_wrong_password_shows_the_error_above_the_fields(client, alice):
    html = sign_in(client, password="wrong").content.decode()
    alert = '<p class="login-alert" role="alert">用户名或密码不正确。请注意区分大小写。</p>'
    assert alert in html and html.index(alert) < html.index('<label for="id_username">')
    assert 'value="alice"' in html  # the username stays; the password does not
    assert PASSWORD not in html


def test_the_wait_notice_is_shown_as_an_alert(client, alice):
    for _ in range(5):
        response = sign_in(client, password="wrong")
    assert response.status_code == 429
    html = response.content.decode()
    assert '<p class="login-alert" role="alert">该账号登录失败次数过多，请等待 30 秒' in html


def test_the_right_password_signs_in_and_is_audited(client, alice):
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert signed_in(client)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.role, entry.address) == (
        "login",
        alice,
        "office",
        "10.0.0.1",
    )
    assert entry.actor_name == "王丽（alice）"
    assert LoginAttempt.objects.get().succeeded is True


def test_a_wrong_password_is_refused_recorded_and_audited(client, alice):
    response = sign_in(client, password="wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert not signed_in(client)
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.address, attempt.succeeded) == ("alice", "10.0.0.1", False)
    entry = AuditEntry.objects.get()
    assert entry.action == "login_failed" and entry.actor is None
    assert entry.detail == '{"username":"alice"}'


def test_five_failures_make_the_next_attempt_wait_30_seconds_unchecked_and_unrecorded(
    client, alice, clock
):
    for _ in range(4):
        assert sign_in(client, password="wrong").status_code == 200
        clock.advance(minutes=1)
    fifth = sign_in(client, password="wrong")  # at 09:04:00
    assert fifth.status_code == 429
    assert "请等待 30 秒（09:04:30 之后）再试" in fifth.content.decode()
    clock.advance(seconds=20)
    refused = sign_in(client)  # the right password, inside the wait
    assert refused.status_code == 429
    assert "请等待 10 秒（09:04:30 之后）再试" in refused.content.decode()
    assert not signed_in(client)
    # Refused attempts are neither checked nor counted, so they do not stretch the wait.
    assert LoginAttempt.objects.count() == 5
    assert actions() == ["login_failed"] * 5 + ["lockout"]
    assert AuditEntry.objects.get(action="lockout").data() == {
        "username": "alice",
        "scope": "username",
        "until": "2021-07-10T09:04:30+08:00",
        "wait": 30,
    }


def test_a_stranger_with_five_wrong_passwords_keeps_the_owner_out_for_seconds_not_minutes(
    client, alice, clock
):
    """F5: five wrong passwords used to lock the owner out for 15 minutes."""
    for _ in range(5):
        sign_in(client, password="wrong", address="198.51.100.7")
    clock.advance(seconds=31)
    owner = Client()
    assert sign_in(owner, address="10.0.0.1").status_code == 302
    assert signed_in(owner)


def test_a_stranger_guessing_for_hours_never_slows_the_owner_on_her_known_browser(
    client, alice, clock
):
    """F5, further: the owner's browser, known from an earlier sign-in, is not slowed by a
    stranger's failures, however long he keeps at it; unknown browsers are."""
    owner = Client()
    assert sign_in(owner).status_code == 302
    owner.post("/accounts/logout/")
    assert "ducha_device" in owner.cookies
    for _ in range(12):  # a guess at the end of every wait: the waits reach 15 minutes
        clock.advance(minutes=15)
        sign_in(client, password="wrong", address="198.51.100.7")
    assert sign_in(Client(), address="10.0.0.1").status_code == 429  # an unknown browser
    assert sign_in(owner, address="10.0.0.1").status_code == 302
    assert signed_in(owner)


def test_the_known_browser_is_slowed_by_its_own_failures(client, alice, clock):
    assert sign_in(client).status_code == 302
    client.post("/accounts/logout/")
    clock.advance(minutes=1)
    for _ in range(5):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 429
    clock.advance(seconds=31)
    assert sign_in(client).status_code == 302


def test_a_device_cookie_counts_only_for_the_username_it_was_given_to(client, alice, clock):
    User.objects.create_user("bob", password=PASSWORD, role="reporter")
    assert sign_in(client, username="bob").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(5):
        sign_in(Client(), password="wrong", address="198.51.100.7")
    assert sign_in(client).status_code == 429  # bob's browser is not alice's
    client.cookies["ducha_device"] = "forged"
    assert sign_in(client).status_code == 429


def test_each_further_failure_doubles_the_wait_up_to_15_minutes(client, alice, clock):
    for _ in range(5):
        sign_in(client, password="wrong")
    for wait in (30, 60, 120, 240, 480, 900, 900):
        checked = LoginAttempt.objects.count()
        clock.advance(seconds=wait - 1)
        assert sign_in(client, password="wrong").status_code == 429
        assert LoginAttempt.objects.count() == checked  # refused unchecked
        clock.advance(seconds=1)
        sign_in(client, password="wrong")
        assert LoginAttempt.objects.count() == checked + 1  # checked, and wrong


def test_the_right_password_after_the_wait_signs_in_however_many_failures_came_before(
    client, alice, clock
):
    for _ in range(5):
        sign_in(client, password="wrong")
        clock.advance(seconds=30)
    # Five failures then five more, each after its wait: the next wait is 16 minutes,
    # capped at 15.
    for wait in (30, 60, 120, 240, 480):
        clock.advance(seconds=wait)
        assert sign_in(client, password="wrong").status_code == 429
    clock.advance(minutes=14, seconds=59)
    assert sign_in(client).status_code == 429
    clock.advance(seconds=2)
    assert sign_in(client).status_code == 302
    assert signed_in(client)


def test_the_lock_is_per_username_whatever_its_case(client, alice):
    for _ in range(5):
        sign_in(client, username="Alice", password="wrong", address="10.0.0.2")
    assert sign_in(client, address="10.0.0.3").status_code == 429
    User.objects.create_user("bob", password=PASSWORD)
    assert sign_in(client, username="bob", address="10.0.0.2").status_code == 302


def test_failures_are_forgotten_after_a_day(client, alice, clock):
    for _ in range(4):
        sign_in(client, password="wrong")
    clock.advance(days=1, seconds=1)
    assert sign_in(client, password="wrong").status_code == 200
    assert sign_in(client).status_code == 302


def test_signing_in_clears_the_usernames_failures(client, alice):
    for _ in range(4):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 302
    client.logout()
    assert sign_in(client, password="wrong").status_code == 200
    assert sign_in(client).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address_for_everyone(client, alice, clock):
    for i in range(19):
        assert (
            sign_in(client, username=f"guess{i}", password="x", address="10.9.9.9").status_code
            == 200
        )
    twentieth = sign_in(client, username="guess19", password="x", address="10.9.9.9")
    assert twentieth.status_code == 429
    refused = sign_in(client, address="10.9.9.9")
    assert refused.status_code == 429
    assert "此地址登录失败次数过多" in refused.content.decode()
    assert sign_in(client, address="10.9.9.10").status_code == 302
    lockout = AuditEntry.objects.get(action="lockout")
    assert '"scope":"address"' in lockout.detail
    clock.advance(minutes=15, seconds=1)
    client.logout()
    assert sign_in(client, address="10.9.9.9").status_code == 302


@override_settings(DUCHA_LOCKOUT_USER_FAILURES=2, DUCHA_LOCKOUT_MINUTES=1)
def test_the_thresholds_come_from_settings(client, alice):
    assert sign_in(client, password="wrong").status_code == 200
    assert sign_in(client, password="wrong").status_code == 429


def forwarded(chain: str, remote="10.0.0.1"):
    return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=chain)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.DUCHA_TRUSTED_PROXIES = 0
    assert client_address(forwarded("203.0.113.7")) == "10.0.0.1"


def test_behind_one_proxy_the_client_chosen_leftmost_entry_is_ignored(settings):
    """F6: nginx's $proxy_add_x_forwarded_for appends to what the client sent."""
    settings.DUCHA_TRUSTED_PROXIES = 1
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    assert client_address(forwarded("1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_address(forwarded("198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(settings):
    settings.DUCHA_TRUSTED_PROXIES = 2
    chain = "1.2.3.4, 198.51.100.7, 10.0.0.2"  # forged, the client, the outer proxy
    assert client_address(forwarded(chain)) == "198.51.100.7"
    assert client_address(forwarded(" 2001:db8::1 ,10.0.0.2")) == "2001:db8::1"


@pytest.mark.parametrize("chain", ["", "198.51.100.7", "not-an-address, 10.0.0.2", "a,b,,"])
def test_a_malformed_or_short_x_forwarded_for_falls_back_to_the_proxy(settings, chain):
    settings.DUCHA_TRUSTED_PROXIES = 2
    assert client_address(forwarded(chain)) == "10.0.0.1"


def test_a_guesser_cannot_escape_the_address_limit_by_forging_x_forwarded_for(
    client, alice, settings
):
    """F6: with the leftmost entry trusted, a new forged address per attempt was a new
    address for the limit; the real one is counted now."""
    settings.DUCHA_TRUSTED_PROXIES = 1
    for i in range(20):
        client.post(
            "/accounts/login/",
            {"username": f"guess{i}", "password": "x"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.7",
        )
    refused = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7",
    )
    assert refused.status_code == 429
    assert "此地址登录失败次数过多" in refused.content.decode()
    assert set(LoginAttempt.objects.values_list("address", flat=True)) == {"198.51.100.7"}
    # Another client behind the same proxy is not stopped.
    other = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other.status_code == 302


def test_the_old_trust_x_forwarded_for_switch_refuses_to_start():
    from tests.test_security_settings import run_ducha

    result = run_ducha("check", DUCHA_TRUST_X_FORWARDED_FOR="1")
    assert result.returncode != 0
    assert "DUCHA_TRUST_X_FORWARDED_FOR is no longer read" in result.stderr


def test_old_attempts_are_pruned(client, alice, clock):
    sign_in(client, password="wrong")
    clock.advance(days=1, minutes=1)
    sign_in(client, password="wrong")
    assert LoginAttempt.objects.count() == 1


def test_next_is_followed_only_within_the_site(client, alice):
    assert sign_in(client, next="/audit/")["Location"] == "/audit/"
    client.logout()
    assert sign_in(client, next="https://evil.example/")["Location"] == "/me/"
    client.logout()
    # A bare word is no path: redirect() would take it for a URL's name (a 500).
    assert sign_in(client, next="①")["Location"] == "/me/"


def test_logout_is_post_only_and_audited(client, alice):
    sign_in(client)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in(client)
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[0] == ("/accounts/login/", 302)
    assert "您已安全退出" in response.content.decode()
    assert not signed_in(client)
    assert actions() == ["login", "logout"]
    assert AuditEntry.objects.get(action="logout").actor == alice


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] -= ago
    session.save()


def test_a_session_idle_for_more_than_30_minutes_is_signed_out(client, alice):
    sign_in(client)
    age_session(client, ducha_seen=31 * 60)
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"
    assert not signed_in(client)
    page = client.get(response["Location"])
    assert "您已超过 30 分钟未操作" in page.content.decode()
    assert AuditEntry.objects.get(action="logout").detail == '{"reason":"idle"}'


def test_a_request_within_30_minutes_keeps_the_session_alive(client, alice):
    sign_in(client)
    age_session(client, ducha_seen=29 * 60)
    before = client.session[SEEN]
    assert client.get("/audit/").status_code == 200
    assert client.session[SEEN] > before + 28 * 60
    assert signed_in(client)


def test_a_session_older_than_12_hours_is_signed_out_however_active(client, alice):
    sign_in(client)
    age_session(client, ducha_started=12 * 3600 + 1)
    response = client.get("/audit/")
    assert response.status_code == 302 and not signed_in(client)
    page = client.get(response["Location"])
    assert "本次登录已超过 12 小时" in page.content.decode()
    assert AuditEntry.objects.get(action="logout").detail == '{"reason":"absolute"}'


def test_an_expired_htmx_request_gets_hx_redirect(client, alice):
    sign_in(client)
    age_session(client, ducha_seen=31 * 60)
    response = client.get("/audit/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/login/"
    assert not signed_in(client)


def test_a_session_signed_in_another_way_gets_its_clock_started(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/audit/").status_code == 200
    assert client.session[STARTED] == client.session[SEEN]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
@pytest.mark.parametrize("width", [1366, 390])
def test_the_login_card_fits_a_phone_and_a_desktop_with_its_error_in_view(
    request, live_server, alice, width
):
    chromium = request.getfixturevalue("browser")
    page = chromium.new_page(viewport={"width": width, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.press("#id_password", "Enter")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    alert = page.locator(".login-alert")
    assert alert.is_visible() and "用户名或密码不正确" in alert.inner_text()
    assert alert.bounding_box()["y"] + alert.bounding_box()["height"] < 800  # no scrolling
    card = page.locator(".login-card").bounding_box()
    field = page.locator("#id_username").bounding_box()
    assert abs((card["x"] + card["width"] / 2) - width / 2) < 2  # centred
    assert card["width"] <= 420 and field["width"] > card["width"] - 60  # fields fill the card
    page.close()


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="real concurrency needs PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_get_one_check_past_the_limit_not_one_each():
    """S2: every request of a burst used to pass the wait check before any was counted."""
    import threading

    from django.db import connection

    User.objects.create_user("alice", password=PASSWORD, role="office")
    for _ in range(4):
        sign_in(Client(), password="wrong")
    together = threading.Barrier(8, timeout=30)
    statuses, errors = [], []

    def guess():
        try:
            together.wait()
            statuses.append(sign_in(Client(), password="wrong").status_code)
        except Exception as e:  # any other failure is the test's failure
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # One guess was checked (the fifth failure, which starts the wait); seven waited unchecked.
    assert statuses == [429] * 8
    assert LoginAttempt.objects.filter(succeeded=False).count() == 5
