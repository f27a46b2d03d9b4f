"""The error pages (400, 403, 404, 500): what happened and the way back, in the visitor's
language.

Django's own handlers hand the exception's text to the page; ours are written in Chinese
for the log ("只有改革办可以进行此操作") and would show through in English mode, so the pages
say a sentence of their own instead.
"""

from django.conf import settings
from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from ducha.lib import problems
from ducha.lib.params import BadParameter


@requires_csrf_token
def bad_request(request, exception=None):
    """A query parameter that cannot be read (ducha.lib.params) is named with what it should
    be, in the visitor's language; any other bad request gets the general sentence."""
    bad = exception if isinstance(exception, BadParameter) else None
    if problems.is_api(request):  # /api/ answers problems (RFC 9457), never pages
        return problems.response(request, 400, bad.message if bad else "")
    context = {"parameter": bad.name if bad else "", "problem": bad.message if bad else ""}
    return HttpResponseBadRequest(loader.render_to_string("400.html", context, request=request))


@requires_csrf_token  # the page's frame carries the sign-out form
def forbidden(request, exception=None):
    if problems.is_api(request):
        return problems.response(request, 403)
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))


@requires_csrf_token
def not_found(request, exception=None):
    if problems.is_api(request):
        return problems.response(request, 404, _("接口中没有这个地址"))
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request):
    """Rendered without the request, so without context processors or the database: either
    may be what failed. The language is read from the cookie again, in case the failure
    came before the middleware that sets it."""
    if problems.is_api(request):
        return problems.response(request, 500, _("服务器内部错误"))
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        return HttpResponseServerError(loader.render_to_string("500.html"))
