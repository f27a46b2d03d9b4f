"""The anonymous page cache shares a page only when nothing in it belongs to one visitor."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory

from ducha.lib import pagecache
from tests.test_reports import PDF, URL, client_for, form

PLANTED = "中奖请致电4000000000领取"


def anonymous_with(cookies) -> Client:
    """A visitor who holds these cookies and no session (an attacker can replay any cookie)."""
    client = Client()
    for name in cookies:
        if name != "sessionid":
            client.cookies[name] = cookies[name].value
    return client


def test_a_message_from_an_anonymous_logout_is_not_shown_to_the_next_visitor(client, boards):
    assert client.post("/accounts/logout/").status_code == 302
    own = client.get("/").content.decode()
    assert "您已安全退出" in own  # the visitor who signed out may see it, once
    assert "您已安全退出" not in Client().get("/").content.decode()
    assert "您已安全退出" not in client.get("/").content.decode()  # shown once, not cached


def test_a_message_planted_through_an_upload_name_is_not_shown_to_the_next_visitor(cycle):
    reporter = client_for(cycle["reporter"])
    upload = SimpleUploadedFile(f"{PLANTED}.pdf", PDF)
    data = form(None, task=cycle["t1"]) | {"files": upload}
    assert reporter.post(URL, data).status_code == 302
    assert "messages" in reporter.cookies
    for url in ("/", "/tasks/T-1/"):
        planter = anonymous_with(reporter.cookies)
        assert PLANTED in planter.get(url).content.decode()
        assert PLANTED not in Client().get(url).content.decode(), url


def test_a_cached_page_is_not_served_to_a_visitor_with_messages_pending(client, boards):
    Client().get("/")  # the page is now cached
    client.post("/accounts/logout/")
    assert "您已安全退出" in client.get("/").content.decode()


def view_that(action):
    calls = []

    def view(request):
        calls.append(1)
        response = HttpResponse(f"call {len(calls)}")
        action(request, response)
        return response

    return pagecache.public_page(view), calls


@pytest.mark.parametrize(
    "action",
    [
        lambda request, response: response.set_cookie("who", "you"),
        lambda request, response: response.__setitem__("Set-Cookie", "who=you"),
        lambda request, response: response.__setitem__("Vary", "Accept-Language, Cookie"),
        lambda request, response: request.META.__setitem__("CSRF_COOKIE_NEEDS_UPDATE", True),
    ],
    ids=["cookie", "set-cookie header", "vary on cookie", "csrf token"],
)
def test_a_response_with_per_visitor_state_is_never_stored(db, action):
    view, calls = view_that(action)
    factory = RequestFactory()
    for _ in range(2):
        request = factory.get("/")
        request.LANGUAGE_CODE = "zh-hans"
        view(request)
    assert len(calls) == 2


def test_a_plain_page_is_stored_once(db):
    view, calls = view_that(lambda request, response: None)
    factory = RequestFactory()
    for _ in range(2):
        request = factory.get("/")
        request.LANGUAGE_CODE = "zh-hans"
        assert view(request).content == b"call 1"
    assert len(calls) == 1


def test_a_page_whose_view_queues_a_message_is_never_stored(db, rf):
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    view, calls = view_that(lambda request, response: messages.info(request, PLANTED))
    for _ in range(2):
        request = rf.get("/")
        request.LANGUAGE_CODE, request.session = "zh-hans", SessionStore()
        request._messages = FallbackStorage(request)
        view(request)
    assert len(calls) == 2
