from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ducha.ratings.display import shown

register = template.Library()


@register.filter
def mark(key):
    """A rating key ("horse", …, or None) → the mark as pages show it."""
    return shown(key)


@register.filter
def reason(value):
    """A rating reason (a rules.Reason or a snapshot's dict) in the reader's language."""
    from ducha.ratings.reasons import reason_text

    return reason_text(value if isinstance(value, dict) else value.as_json())


@register.simple_tag
def pictogram(key, size=32, colour=""):
    """The mark's animal as inline SVG, hidden from screen readers (its name goes beside it);
    nothing for a task that is not rated."""
    from ducha.ratings.marks import MARKS

    mark = MARKS.get(key or "")
    if mark is None:
        return ""
    paint = colour or "currentColor"
    return format_html(
        '<svg class="icon icon-{}" viewBox="0 0 64 48" width="{}" height="{}" aria-hidden="true"'
        ' focusable="false"><g fill="{}" stroke="{}" stroke-linecap="round"'
        ' stroke-linejoin="round">{}</g></svg>',
        mark.key,
        size,
        size,
        paint,
        paint,
        mark_safe(mark.drawing),  # noqa: S308 - the drawings are the code's own constants
    )
