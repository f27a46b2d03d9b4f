"""The marks' colours as a stylesheet, generated from their one definition (marks.py)."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from ducha.ratings.display import CSS


@require_safe
def marks_css(request):
    response = HttpResponse(CSS, content_type="text/css; charset=utf-8")
    # Pages link it with ?v=<hash of the palette>: a changed palette is a new URL.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
