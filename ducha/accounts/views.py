"""Signing in (with lockout after repeated failures) and signing out."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ducha.accounts import lockout
from ducha.accounts.forms import LoginForm
from ducha.accounts.middleware import start
from ducha.audit import record
from ducha.lib import clock
from ducha.lib.addresses import client_address


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_message(lock: lockout.Lock, now) -> str:
    values = {
        "time": clock.local(lock.until).strftime("%H:%M"),
        "minutes": math.ceil((lock.until - now).total_seconds() / 60),
    }
    if lock.by_address:
        text = _(
            "此地址登录失败次数过多，已暂停登录。请在 %(time)s 之后（约 %(minutes)d 分钟后）再试。"
        )
    else:
        text = _(
            "该账号登录失败次数过多，已暂时锁定。请在 %(time)s 之后（约 %(minutes)d 分钟后）再试。"
        )
    return text % values


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    next_url = _next_url(request)
    if request.method != "POST":
        return _page(request, LoginForm(request), next_url)

    username = request.POST.get("username", "")
    address, now = client_address(request), clock.now()
    lock = lockout.current_lock(username, address, now)
    if lock is None:
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            lockout.note_attempt(username, address, True, now)
            auth_login(request, form.get_user())
            start(request)
            record("login", request=request)
            return redirect(next_url)
        lockout.note_attempt(username, address, False, now)
        record("login_failed", request=request, detail={"username": username})
        lock = lockout.current_lock(username, address, now)
        if lock is None:
            return _page(request, form, next_url)
        scope = "address" if lock.by_address else "username"
        until = clock.local(lock.until).isoformat(timespec="seconds")
        record(
            "lockout",
            request=request,
            detail={"username": username, "scope": scope, "until": until},
        )
    # Locked: refuse before checking the password, so the right one is refused too.
    form = LoginForm(request, initial={"username": username})
    return _page(request, form, next_url, locked=_locked_message(lock, now), status=429)


def _page(request, form, next_url, locked="", status=200):
    context = {"form": form, "next": next_url, "locked": locked}
    return render(request, "accounts/login.html", context, status=status)


@require_POST
def logout(request):
    if request.user.is_authenticated:
        record("logout", request=request)
    auth_logout(request)
    messages.success(request, _("您已安全退出。"))
    return redirect(settings.LOGIN_URL)
