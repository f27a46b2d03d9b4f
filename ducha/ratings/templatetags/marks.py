from django import template

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
