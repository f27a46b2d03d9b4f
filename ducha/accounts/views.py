"""Signing in (a slowed-down password step, then a second factor where one is asked) and
signing out."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ducha.accounts import lockout, mfa
from ducha.accounts.forms import LoginForm
from ducha.accounts.middleware import start
from ducha.audit import record
from ducha.lib import clock
from ducha.lib.addresses import client_address


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() takes a bare word (?next=①) for a URL's name,
    # and a name it cannot reverse is a 500.
    safe = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_message(lock: lockout.Lock, now) -> str:
    seconds = max(1, math.ceil((lock.until - now).total_seconds()))
    if lock.by_address:
        values = {
            "time": clock.local(lock.until).strftime("%H:%M"),
            "minutes": math.ceil(seconds / 60),
        }
        text = _(
            "此地址登录失败次数过多，已暂停登录。请在 %(time)s 之后（约 %(minutes)d 分钟后）再试。"
        )
        return text % values
    values = {"time": clock.local(lock.until).strftime("%H:%M:%S"), "seconds": seconds}
    if seconds < 60:
        text = _("该账号登录失败次数过多，请等待 %(seconds)d 秒（%(time)s 之后）再试。")
    else:
        values["minutes"] = math.ceil(seconds / 60)
        text = _("该账号登录失败次数过多，请等待约 %(minutes)d 分钟（%(time)s 之后）再试。")
    return text % values


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    next_url = _next_url(request)
    if request.method != "POST":
        return _page(request, LoginForm(request), next_url)

    username = request.POST.get("username", "")
    # One attempt per username at a time: parallel guesses would all pass the wait check
    # before any of them is counted.
    with lockout.one_at_a_time(username):
        return _password_step(request, username, next_url)


def _password_step(request, username: str, next_url: str):
    address, now = client_address(request), clock.now()
    lock = lockout.current_lock(username, address, now, lockout.device_of(request, username))
    if lock is None:
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            user = form.get_user()
            auth_login(request, user)
            start(request)
            if settings.DUCHA_MFA_REQUIRED and user.needs_second_factor:
                # Half way: the middleware keeps this session on the second step, and the
                # failures so far stay counted until that step is passed too.
                return redirect(mfa.second_step_url(user, next_url))
            lockout.note_attempt(username, address, True, now)
            record("login", request=request)
            response = redirect(next_url)
            lockout.remember_device(request, response, user.username)
            return response
        lock = lockout.note_failure(request, username, "login_failed", now)
        if lock is None:
            return _page(request, form, next_url)
    # Waiting: refuse before checking the password, so the right one is refused too.
    form = LoginForm(request, initial={"username": username})
    return _page(request, form, next_url, locked=_locked_message(lock, now), status=429)


def _page(request, form, next_url, locked="", status=200):
    context = {"form": form, "next": next_url, "locked": locked}
    return render(request, "accounts/login.html", context, status=status)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@login_required
def second_factor(request):
    """The second step: a code from the authenticator app, or a recovery code."""
    next_url = _next_url(request)
    if not mfa.pending(request):
        return redirect(next_url)
    if mfa.authenticator(request.user) is None:
        return redirect(mfa.second_step_url(request.user, next_url))
    if request.method != "POST":
        return _code_page(request, next_url)
    with lockout.one_at_a_time(request.user.username):
        return _code_step(request, next_url)


def _code_step(request, next_url: str):
    now = clock.now()
    username = request.user.username
    device = lockout.device_of(request, username)
    lock = lockout.current_lock(username, client_address(request), now, device)
    if lock is None:
        checked = mfa.check(request, request.POST.get("code", ""), now)
        if checked.passed:
            request.session.cycle_key()  # a new session id for the fully signed-in session
            response = redirect(next_url)
            lockout.remember_device(request, response, username)
            return response
        lock = checked.lock
        if lock is None:
            error = _(
                "验证码不正确，或已经用过。请输入身份验证器上当前显示的 6 位数字，或一个恢复码。"
            )
            return _code_page(request, next_url, error=error)
    # Waiting: no code is checked, so the wait cannot be used to try codes.
    return _code_page(request, next_url, error=_locked_message(lock, now), status=429)


def _code_page(request, next_url, error="", status=200):
    context = {"next": next_url, "error": error}
    return render(request, "accounts/second_factor.html", context, status=status)


@sensitive_post_parameters("code", "key")
@csrf_protect
@never_cache
@login_required
def enrol(request):
    """Binding an authenticator app: its key as text and as a QR code, then a code from it.

    Nothing is stored until a right code comes back: the key travels in the form, signed.
    """
    next_url = _next_url(request)
    user = request.user
    if not mfa.pending(request):
        return redirect(next_url)
    if mfa.authenticator(user) is not None:
        return redirect(mfa.second_step_url(user, next_url))
    if request.method != "POST":
        return _enrol_page(request, next_url, mfa.new_key())
    key = mfa.unsign_key(user, request.POST.get("key", ""))
    if key is None:
        error = _("本页已过期，请用身份验证器重新扫描下面的二维码。")
        return _enrol_page(request, next_url, mfa.new_key(), error=error, status=400)
    with lockout.one_at_a_time(user.username):
        now = clock.now()
        lock = lockout.current_lock(user.username, client_address(request), now)
        if lock is not None:
            error = _locked_message(lock, now)
            return _enrol_page(request, next_url, key, error=error, status=429)
        try:
            codes = mfa.enrol(
                request, key, request.POST.get("code", ""), request.POST.get("enrolment", "")
            )
        except mfa.AlreadyEnrolled:
            return redirect(mfa.second_step_url(user, next_url))
        except mfa.EnrolmentRefused:
            lockout.note_failure(request, user.username, "mfa_failed", now)
            error = _("绑定码不正确或已过期。请向系统管理员索取新的绑定码。")
            return _enrol_page(request, next_url, key, error=error, status=400)
    if codes is None:
        error = _("验证码不正确。请输入身份验证器上当前显示的 6 位数字。")
        return _enrol_page(request, next_url, key, error=error, status=400)
    request.session.cycle_key()
    # Shown once, in this answer to the POST: they are stored nowhere we could show again.
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
    lockout.remember_device(request, response, user.username)
    return response


def _enrol_page(request, next_url, key, error="", status=200):
    user = request.user
    uri = mfa.setup_uri(user, key)
    context = {
        "next": next_url,
        "error": error,
        "secret": mfa.secret_text(key),
        "signed_key": mfa.sign_key(user, key),
        "qr": mfa.qr_svg(uri, _("用身份验证器扫描此二维码")),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "accounts/enrol.html", context, status=status)


@require_POST
def logout(request):
    if request.user.is_authenticated:
        record("logout", request=request)
    auth_logout(request)
    messages.success(request, _("您已安全退出。"))
    return redirect(settings.LOGIN_URL)
