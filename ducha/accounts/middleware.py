"""Signing people out after 30 idle minutes or 12 hours in all (DUCHA_SESSION_*), and
keeping a session that still owes its second factor on the second step."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from ducha.audit import record
from ducha.lib import clock

STARTED = "ducha_started"
SEEN = "ducha_seen"
# Recording activity writes the session; once a minute is precise enough for a 30-minute limit.
SEEN_RESOLUTION = 60


def start(request) -> None:
    """Called right after a sign-in."""
    now = clock.now().timestamp()
    request.session[STARTED] = request.session[SEEN] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self.expired(request)
            if expired:
                return self.sign_out(request, expired)
        return self.get_response(request)

    @staticmethod
    def expired(request) -> str | None:
        session, now = request.session, clock.now().timestamp()
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:  # signed in another way (the admin, a test)
            session[STARTED] = session[SEEN] = now
            return None
        if now - started > settings.DUCHA_SESSION_MAX_HOURS * 3600:
            return "absolute"
        if now - seen > settings.DUCHA_SESSION_IDLE_MINUTES * 60:
            return "idle"
        if now - seen > SEEN_RESOLUTION:
            session[SEEN] = now
        return None

    @staticmethod
    def sign_out(request, reason: str):
        record("logout", request=request, detail={"reason": reason})
        logout(request)
        if reason == "idle":
            text = _("您已超过 %(minutes)d 分钟未操作，为安全起见已退出，请重新登录。") % {
                "minutes": settings.DUCHA_SESSION_IDLE_MINUTES
            }
        else:
            text = _("本次登录已超过 %(hours)d 小时，为安全起见已退出，请重新登录。") % {
                "hours": settings.DUCHA_SESSION_MAX_HOURS
            }
        messages.warning(request, text)
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
        return redirect_to_login(request.get_full_path())


# Where a session that passed the password but not yet its second factor may go: the
# steps themselves, signing out or in again, and what those pages load.
OPEN_TO_HALF_SIGNED_IN = {
    "accounts:login",
    "accounts:logout",
    "accounts:second_factor",
    "accounts:enrol",
    "marks_css",
    "set_language",
    "switch_language",
    "healthz",
    "ping",
}


class SecondFactorMiddleware:
    """An office, auditor or admin session without its second factor reaches no page but
    the second step: not the desk, the audit log, the admin, nor any page yet to be added
    (an allow-list, so a new route is closed until someone opens it here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from ducha.accounts import mfa  # its models load after the apps are ready

        if request.resolver_match.view_name in OPEN_TO_HALF_SIGNED_IN:
            return None
        if not mfa.pending(request):
            return None
        url = mfa.second_step_url(request.user, request.get_full_path())
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(url)
        return redirect(url)
