"""Two-factor sign-in for the office, the auditor and the admin (TOTP and recovery codes).

Marked `mfa`: the second factor is required here, as in production.
"""

import base64
import re
import secrets
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ducha.accounts import mfa
from ducha.accounts.middleware import OPEN_TO_HALF_SIGNED_IN
from ducha.accounts.models import LoginAttempt
from ducha.audit.models import AuditEntry
from ducha.desk.auditlog import describe
from ducha.lib import clock
from ducha.org.models import User
from tests.helpers import sign_in_fully
from tests.test_security_settings import run_ducha

pytestmark = pytest.mark.mfa

PASSWORD = "right-horse-battery-7"


@pytest.fixture
def people(db):
    def person(username, **fields):
        return User.objects.create_user(username, password=PASSWORD, full_name=username, **fields)

    return {
        "office": person("office", role=User.Role.OFFICE),
        "auditor": person("auditor", role=User.Role.AUDITOR),
        "admin": person("admin", is_staff=True, is_superuser=True),
        "reporter": person("reporter", role=User.Role.REPORTER),
    }


def sign_in(client, username, password=PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, REMOTE_ADDR="10.0.0.1")


def code_for(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now."""
    return f"{totp(device.bin_key):06d}"


def send_code(client, code, next_url="/me/"):
    return client.post(
        "/accounts/second-factor/", {"code": code, "next": next_url}, REMOTE_ADDR="10.0.0.1"
    )


def authenticator(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


# Every route of the site ------------------------------------------------------------------

SAMPLE_KWARGS = {
    "code": "T-1",
    "month": "2021-07",
    "pk": 1,
    "fmt": "json",
    "slug": "city",
    "year": 2021,
}


def site_routes() -> list[str]:
    """A URL for every named route in ducha/*/urls.py (the admin's are listed apart)."""
    urls = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, inner or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                if name in OPEN_TO_HALF_SIGNED_IN:
                    continue
                wanted = entry.pattern.regex.groupindex
                kwargs = {k: SAMPLE_KWARGS[k] for k in wanted}
                urls.append(reverse(name, kwargs=kwargs))

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls))


def admin_routes() -> list[str]:
    urls = [reverse("admin:index"), "/admin/auth/", "/admin/password_change/"]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    return urls


def test_the_route_list_covers_the_office_the_audit_log_and_the_admin():
    routes = site_routes()
    for url in ("/office/", "/office/publication/", "/office/override/", "/office/ledger/"):
        assert url in routes
    assert "/office/ledger/export/" in routes and "/audit/" in routes and "/me/" in routes
    assert (
        "/inbox/" in routes and "/office/deliveries/" in routes and "/office/channels/1/" in routes
    )
    assert "/admin/org/user/" in admin_routes()
    assert "/admin/otp_totp/totpdevice/" in admin_routes()


@pytest.mark.parametrize("role", ["office", "auditor", "admin"])
def test_a_password_alone_reaches_no_page_but_the_second_step(people, role):
    client = Client()
    assert sign_in(client, role).status_code == 302
    before = (AuditEntry.objects.count(), LoginAttempt.objects.count())
    for url in site_routes() + admin_routes():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"] == f"/accounts/second-factor/setup/?next={quote(url, '')}"
    # Not even the POSTs did anything.
    assert (AuditEntry.objects.count(), LoginAttempt.objects.count()) == before


def test_a_half_signed_in_session_with_an_authenticator_is_sent_to_the_code_page(people):
    authenticator(people["office"])
    client = Client()
    response = sign_in(client, "office", next_url="/audit/")
    assert response["Location"] == "/accounts/second-factor/?next=%2Faudit%2F"
    assert client.get("/office/")["Location"] == "/accounts/second-factor/?next=%2Foffice%2F"
    htmx = client.get("/office/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == "/accounts/second-factor/?next=%2Foffice%2F"


def test_a_session_signed_in_another_way_owes_its_second_factor_too(people):
    client = Client()
    client.force_login(people["office"])  # the admin's own login, or a session from before
    assert client.get("/office/").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_with_both_factors_the_office_reaches_its_pages(people):
    client = Client()
    sign_in_fully(client, people["office"])
    assert client.get("/office/").status_code == 200
    assert client.get("/audit/").status_code == 200


def test_a_reporter_is_not_asked_for_a_second_factor(people):
    client = Client()
    response = sign_in(client, "reporter")
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200
    assert not TOTPDevice.objects.exists()
    assert actions() == ["login"]


# Enrolment ---------------------------------------------------------------------------


def enrol_page(client):
    html = client.get("/accounts/second-factor/setup/?next=/office/").content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    key = base64.b32decode(secret.replace(" ", ""))
    signed = re.search(r'name="key" value="([^"]+)"', html).group(1)
    return html, key, signed


def test_the_enrolment_page_shows_the_key_as_text_and_as_an_inline_qr_code_and_stores_nothing(
    people,
):
    client = Client()
    sign_in(client, "office")
    before = AuditEntry.objects.count()
    html, key, _ = enrol_page(client)
    assert "<h1>启用两步验证</h1>" in html
    assert '<svg width="' in html and 'class="qr"' in html  # drawn here, not fetched
    assert "<script>" not in html and " style=" not in html and "<img" not in html
    assert len(key) == 20
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert AuditEntry.objects.count() == before


def test_enrolment_binds_the_authenticator_and_shows_ten_recovery_codes_once(people):
    given = mfa.issue_enrolment_code(people["office"], by_name="ducha enrolment-code")
    client = Client()
    sign_in(client, "office")
    _, key, signed = enrol_page(client)
    form = {"key": signed, "enrolment": given, "next": "/office/"}
    wrong = client.post("/accounts/second-factor/setup/", form | {"code": "000000"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.exists()
    assert "验证码不正确" in wrong.content.decode()
    code = f"{totp(key):06d}"
    done = client.post("/accounts/second-factor/setup/", form | {"code": code})
    assert done.status_code == 200
    html = done.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", html)
    assert len(set(codes)) == 10
    assert 'href="/office/"' in html
    device = TOTPDevice.objects.get(user=people["office"])
    assert device.confirmed and device.bin_key == key
    tokens = StaticToken.objects.filter(device__user=people["office"])
    assert sorted(t.token for t in tokens) == sorted(c.replace("-", "") for c in codes)
    assert client.get("/office/").status_code == 200
    assert actions() == ["mfa_reset", "mfa_enrolled", "login"]
    sentence = describe(AuditEntry.objects.get(action="mfa_enrolled")).sentence
    assert sentence.startswith("office 于 ") and "启用了两步验证" in sentence
    # The codes are never shown again: the page is gone once bound.
    assert client.get("/accounts/second-factor/setup/")["Location"] == "/me/"


def test_a_password_alone_cannot_bind_an_authenticator(people):
    """S1: whoever has the password of an account with no authenticator yet (a new one, or
    one whose phone was lost) must not bind his own phone: the administrator's one-time
    code is asked for, and a wrong one counts as a failed sign-in."""
    client = Client()
    sign_in(client, "office")
    _, key, signed = enrol_page(client)
    form = {"key": signed, "code": f"{totp(key):06d}", "next": "/office/"}
    for guess in ("", "abcd-efgh"):
        refused = client.post("/accounts/second-factor/setup/", form | {"enrolment": guess})
        assert refused.status_code == 400 and "绑定码不正确或已过期" in refused.content.decode()
    assert not TOTPDevice.objects.exists()
    assert LoginAttempt.objects.filter(succeeded=False).count() == 2
    assert client.get("/office/").status_code == 302


def test_an_enrolment_code_works_once_and_not_after_its_hours(people, settings):
    import datetime as dt

    given = mfa.issue_enrolment_code(people["office"])
    StaticDevice.objects.filter(name=mfa.ENROLMENT).update(
        created_at=clock.now() - dt.timedelta(hours=settings.DUCHA_MFA_ENROL_HOURS, seconds=1)
    )
    client = Client()
    sign_in(client, "office")
    _, key, signed = enrol_page(client)
    form = {"key": signed, "code": f"{totp(key):06d}", "enrolment": given}
    assert client.post("/accounts/second-factor/setup/", form).status_code == 400
    again = mfa.issue_enrolment_code(people["office"])
    assert (
        client.post("/accounts/second-factor/setup/", form | {"enrolment": given}).status_code
        == 400
    )
    assert (
        client.post("/accounts/second-factor/setup/", form | {"enrolment": again}).status_code
        == 200
    )
    assert not StaticDevice.objects.filter(name=mfa.ENROLMENT).exists()  # used up


def test_the_enrolment_code_command_issues_a_code_for_accounts_that_need_it(people, capsys):
    from django.core.management import CommandError, call_command

    call_command("enrolment_code", "office")
    assert "office 的绑定码：" in capsys.readouterr().out
    with pytest.raises(CommandError, match="无需两步验证"):
        call_command("enrolment_code", "reporter")
    with pytest.raises(CommandError, match="没有账号"):
        call_command("enrolment_code", "nobody")


def test_a_forged_or_stale_enrolment_key_is_refused(people):
    client = Client()
    sign_in(client, "office")
    forged = client.post("/accounts/second-factor/setup/", {"key": "0" * 40, "code": "123456"})
    assert forged.status_code == 400 and "本页已过期" in forged.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_password_alone_cannot_replace_a_bound_authenticator(people):
    device = authenticator(people["office"])
    client = Client()
    sign_in(client, "office")
    assert client.get("/accounts/second-factor/setup/")["Location"].startswith(
        "/accounts/second-factor/?"
    )
    # Even a key signed for this user (an old page) binds nothing new.
    from ducha.accounts.mfa import new_key, sign_key

    key = new_key()
    code = f"{totp(bytes.fromhex(key)):06d}"
    response = client.post(
        "/accounts/second-factor/setup/", {"key": sign_key(people["office"], key), "code": code}
    )
    assert response.status_code == 302
    assert list(TOTPDevice.objects.all()) == [device]
    assert client.get("/office/").status_code == 302


# Verification --------------------------------------------------------------------------


def test_the_code_from_the_authenticator_completes_the_sign_in(people):
    device = authenticator(people["auditor"])
    client = Client()
    sign_in(client, "auditor", next_url="/audit/")
    page = client.get("/accounts/second-factor/?next=/audit/")
    assert page.status_code == 200 and "<h1>输入动态验证码</h1>" in page.content.decode()
    half = client.session.session_key
    response = send_code(client, code_for(device), next_url="/audit/")
    assert response.status_code == 302 and response["Location"] == "/audit/"
    assert client.session.session_key != half  # a new session id once fully signed in
    assert client.get("/audit/").status_code == 200
    assert actions() == ["login"]
    assert AuditEntry.objects.get().data() == {"second_factor": "totp"}
    assert LoginAttempt.objects.get().succeeded is True


def test_a_code_is_accepted_with_spaces(people):
    device = authenticator(people["office"])
    client = Client()
    sign_in(client, "office")
    code = code_for(device)
    assert send_code(client, f" {code[:3]} {code[3:]} ").status_code == 302


def test_a_replayed_code_is_refused(people):
    device = authenticator(people["office"])
    first, second = Client(), Client()
    sign_in(first, "office")
    code = code_for(device)
    assert send_code(first, code).status_code == 302
    # Someone who watched the code typed, with the password, in another session.
    sign_in(second, "office")
    replay = send_code(second, code)
    assert replay.status_code == 200
    assert "验证码不正确，或已经用过" in replay.content.decode()
    assert second.get("/office/").status_code == 302
    assert actions()[-1] == "mfa_failed"


def test_a_wrong_code_is_refused_and_audited(people):
    authenticator(people["office"])
    client = Client()
    sign_in(client, "office")
    assert send_code(client, "not-a-code").status_code == 200
    assert client.get("/office/").status_code == 302
    entry = AuditEntry.objects.get(action="mfa_failed")
    assert entry.actor == people["office"] and entry.data() == {"username": "office"}
    assert describe(entry).sentence.endswith("输入的动态验证码不正确（用户名 office）")
    assert LoginAttempt.objects.get().succeeded is False


def test_a_recovery_code_works_once(people):
    authenticator(people["office"])
    device = StaticDevice.objects.create(user=people["office"], name="恢复码", confirmed=True)
    device.token_set.create(token="abcd2345")
    device.token_set.create(token="efgh2345")
    first, second = Client(), Client()
    sign_in(first, "office")
    assert send_code(first, "ABCD-2345").status_code == 302
    assert first.get("/office/").status_code == 200
    used = AuditEntry.objects.get(action="recovery_code_used")
    assert used.data() == {"left": 1}
    assert "用一个恢复码完成了两步验证，还剩 1 个恢复码" in describe(used).sentence
    sign_in(second, "office")
    assert send_code(second, "abcd2345").status_code == 200
    assert second.get("/office/").status_code == 302


def test_wrong_codes_count_with_wrong_passwords_and_a_new_password_step_does_not_reset_them(
    people,
):
    device = authenticator(people["office"])
    client = Client()
    for _ in range(2):
        sign_in(client, "office", password="wrong")
    for _ in range(3):
        sign_in(client, "office")  # the right password, again and again
        last = send_code(client, "000000")
    # Five failures: the next attempt waits, unchecked, whether it is a code or a password.
    assert last.status_code == 429 and "请等待 30 秒" in last.content.decode()
    assert send_code(client, code_for(device)).status_code == 429
    assert client.get("/office/").status_code == 302
    assert sign_in(Client(), "office").status_code == 429
    assert LoginAttempt.objects.filter(succeeded=True).count() == 0
    assert actions().count("mfa_failed") == 3 and actions()[-1] == "lockout"


def test_verifying_needs_a_password_first(db):
    response = Client().get("/accounts/second-factor/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# Resetting a lost phone --------------------------------------------------------------


def test_the_admin_resets_a_lost_authenticator_and_it_is_audited(people):
    office_device = authenticator(people["office"])
    StaticDevice.objects.create(user=people["office"], name="恢复码", confirmed=True)
    client = Client()
    sign_in_fully(client, people["admin"])
    url = reverse("admin:otp_totp_totpdevice_delete", args=[office_device.pk])
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[office_device.pk]))
    assert office_device.key not in page.content.decode()  # the secret is never shown
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=people["office"]).exists()
    assert not StaticDevice.objects.filter(user=people["office"]).exists()
    entry = AuditEntry.objects.get(action="mfa_reset")
    assert entry.actor == people["admin"] and entry.target_id == str(people["office"].pk)
    assert "重置了 office 的两步验证" in describe(entry).sentence
    # The office binds a new one at its next sign-in.
    office = Client()
    assert sign_in(office, "office")["Location"].startswith("/accounts/second-factor/setup/")


# The switch --------------------------------------------------------------------------


@pytest.mark.parametrize("required", [True, False])
def test_every_page_says_so_while_two_factor_sign_in_is_off(client, db, settings, required):
    settings.DUCHA_MFA_REQUIRED = required
    for url in ("/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert ("两步验证已关闭（演示模式）" in html) is not required


def test_while_off_the_office_signs_in_with_its_password_alone(people, settings):
    settings.DUCHA_MFA_REQUIRED = False
    client = Client()
    assert sign_in(client, "office")["Location"] == "/me/"
    assert client.get("/office/").status_code == 200


def test_production_refuses_to_start_with_two_factor_sign_in_off():
    result = run_ducha(
        "check",
        DUCHA_PRODUCTION="1",
        DUCHA_MFA_REQUIRED="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="ducha.example.gov.cn",
    )
    assert result.returncode != 0
    assert "DUCHA_PRODUCTION=1: DUCHA_MFA_REQUIRED must be on in production" in result.stderr


def test_the_demo_switches_two_factor_sign_in_off(db, settings, monkeypatch):
    from ducha.demo.management.commands import demo

    def stop():
        raise _Stop

    # Only the switch matters here; tests/test_demo_command.py seeds the real thing.
    monkeypatch.setattr(demo, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(demo, "seed_demo", stop)
    assert settings.DUCHA_MFA_REQUIRED
    with pytest.raises(_Stop):
        demo.Command().handle(no_serve=True, addr="")
    assert settings.DUCHA_MFA_REQUIRED is False


class _Stop(Exception):
    pass
