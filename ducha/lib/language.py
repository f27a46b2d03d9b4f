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
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response
