"""HTTP security headers, CSRF, and the production switch."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def directives(policy: str) -> dict[str, list[str]]:
    """A policy's directives; django-csp writes them in no fixed order, which means nothing."""
    parts = [part.split() for part in policy.split(";") if part.strip()]
    assert len({p[0] for p in parts}) == len(parts), policy
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, db, url):
    response = client.get(url)
    assert directives(response["Content-Security-Policy"]) == directives(EXPECTED_CSP)
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_login_page_has_no_inline_script_or_style(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "<script>" not in html and "<style" not in html
    assert " style=" not in html and " onclick=" not in html


def test_posting_the_login_form_without_a_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403


def test_the_demo_runs_over_plain_http_with_12_hour_sessions():
    assert not settings.DUCHA_PRODUCTION
    assert not settings.SECURE_SSL_REDIRECT
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


def run_ducha(*args, **env):
    # Nothing from this test process that would change the verdict (pytest-playwright, for
    # one, sets DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly warns about).
    dropped = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DUCHA_PRODUCTION")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "-m", "ducha", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_ducha(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DUCHA_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="ducha.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_ducha("check", DUCHA_PRODUCTION="1", ALLOWED_HOSTS="ducha.example.gov.cn")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DUCHA_PRODUCTION=1: set SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = run_ducha("check", DUCHA_PRODUCTION="1", DEBUG="1", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_the_demo_settings_would_fail_the_deploy_check():
    """The check above can fail: without the production switch it does."""
    result = run_ducha(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(64)
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_a_response_with_its_own_policy_keeps_it(cycle):
    """An evidence file is served sandboxed: the site's policy must not replace that one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ducha.reports.models import Evidence
    from tests.test_reports import PDF, URL, client_for, form

    reporter = client_for(cycle["reporter"])
    data = form(None, task=cycle["t1"]) | {"files": SimpleUploadedFile("纪要.pdf", PDF)}
    assert reporter.post(URL, data).status_code == 302
    response = reporter.get(f"/evidence/{Evidence.objects.get().pk}/")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_policy_comes_from_django_csp():
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert not (ROOT / "ducha" / "lib" / "csp.py").exists()
