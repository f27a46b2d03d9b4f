"""Chinese first: the page is in Chinese unless the visitor chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC with
an English Windows would get English pages nobody asked for.
"""

from django.conf import settings
from django.utils import translation


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # The language belongs to this request: what the thread runs next (another
            # request, a test, a task) starts from the site's language again.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response


def switch_language(request, code: str):
    """Remember the visitor's language in a cookie and go back where they were.

    A GET link rather than Django's POST form: choosing a language changes nothing worth
    forging, and it keeps public pages free of per-visitor tokens.
    """
    from django.http import Http404, HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    if code not in {c for c, _ in settings.LANGUAGES}:
        raise Http404("unknown language")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
