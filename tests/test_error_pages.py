"""The 403, 404 and 500 pages: what happened and the way back, in the visitor's language.

The tests route through this module (pytest.mark.urls): the site's own routes and error
handlers, plus three views that fail on purpose.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from ducha import urls as site
from ducha.org.models import User


def deny(request):
    raise PermissionDenied("只有改革办可以进行此操作")


def boom(request):
    raise RuntimeError("the database went away")


urlpatterns = [
    path("deny/", deny),
    path("boom/", boom),
    *site.urlpatterns,
]
handler403, handler404, handler500 = site.handler403, site.handler404, site.handler500

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def reporter(db):
    return User.objects.create_user(
        "reporter", password="pw-12345678", role="reporter", full_name="李填报"
    )


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def no_inline_code(html: str) -> bool:
    """The CSP forbids inline styles and scripts: the pages must not need them."""
    return "style=" not in html and "<script>" not in html and " on" + "click=" not in html


def test_the_site_wires_its_own_error_handlers():
    assert (site.handler403, site.handler404, site.handler500) == (
        "ducha.lib.errors.forbidden",
        "ducha.lib.errors.not_found",
        "ducha.lib.errors.server_error",
    )


# 403 ---------------------------------------------------------------------------------------


def test_a_refusal_says_who_you_are_and_leads_to_your_tasks(client, reporter):
    client.force_login(reporter)
    response = client.get("/deny/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>没有访问权限</h1>" in html
    assert "您以 李填报（单位填报员）的身份登录" in html
    assert '<a class="button" href="/me/">回到我的任务</a>' in html
    assert '<a href="/">查看公示首页</a>' in html
    assert "只有改革办可以进行此操作" not in html  # the log's words, not the reader's
    assert 'href="/static/ducha/site.css"' in html and no_inline_code(html)


def test_a_real_refusal_gets_the_same_page(client, reporter):
    client.force_login(reporter)
    response = client.get("/audit/")
    assert response.status_code == 403 and "没有访问权限" in response.content.decode()


def test_a_refusal_when_signed_out_leads_to_the_login_page_and_back(client, db):
    response = client.get("/deny/?x=1")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>请先登录</h1>" in html
    assert 'href="/accounts/login/?next=/deny/%3Fx%3D1"' in html


def test_a_refusal_is_in_english_when_chosen(client, reporter):
    client.force_login(reporter)
    html = english(client).get("/deny/").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>You do not have access</h1>" in html
    assert "You are signed in as 李填报 (Unit reporter)" in html
    assert ">Back to my tasks</a>" in html and ">See the public boards</a>" in html
    assert "没有访问权限" not in html


def test_a_refused_form_leads_to_a_fresh_page_not_back_to_the_form(reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>页面已过期，未能提交</h1>" in html
    assert '<a class="button" href="/me/">回到我的任务</a>' in html
    assert "CSRF" not in html and no_inline_code(html)
    html = english(client).post("/accounts/logout/").content.decode()
    assert "<h1>This page has expired: nothing was sent</h1>" in html


# 404 ---------------------------------------------------------------------------------------


def test_a_missing_page_names_the_address_and_leads_home_or_to_sign_in(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>找不到这个页面</h1>" in html and "<code>/no-such-page/</code>" in html
    assert '<a class="button" href="/">查看公示首页</a>' in html
    assert 'href="/accounts/login/?next=/no-such-page/"' in html
    assert no_inline_code(html)


def test_a_missing_page_leads_a_signed_in_person_to_their_tasks(client, reporter):
    client.force_login(reporter)
    html = client.get("/no-such-page/").content.decode()
    assert '<a class="button" href="/me/">回到我的任务</a>' in html
    assert "登录后才能查看" not in html


def test_a_missing_page_is_in_english_when_chosen(client, db):
    response = english(client).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert ">See the public boards</a>" in html and ">Log in</a>" in html
    assert "找不到这个页面" not in html


# 500 ---------------------------------------------------------------------------------------


@pytest.fixture
def crashing(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


def test_a_server_error_says_so_and_leads_home_without_touching_the_database(crashing, db):
    with CaptureQueriesContext(connection) as queries:
        response = crashing.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>系统出错了</h1>" in html and "错误已记入服务器日志" in html
    assert '<a class="button" href="/">查看公示首页</a>' in html
    assert '<a href="/me/">回到我的任务</a>' in html
    assert 'href="/static/ducha/site.css"' in html and no_inline_code(html)
    assert "the database went away" not in html
    assert len(queries) == 0


def test_a_server_error_is_in_english_when_chosen(crashing, db):
    html = english(crashing).get("/boom/").content.decode()
    assert '<html lang="en">' in html and "<h1>Something went wrong</h1>" in html
    assert "系统出错了" not in html


def broken_context(request):
    raise RuntimeError("a context processor failed")


def test_a_server_error_page_renders_when_the_context_processors_fail(crashing, settings, db):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {"context_processors": [f"{__name__}.broken_context"]},
        }
    ]
    response = crashing.get("/boom/")
    assert response.status_code == 500 and "<h1>系统出错了</h1>" in response.content.decode()
