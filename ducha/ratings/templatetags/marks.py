from django import template

from ducha.ratings.display import shown

register = template.Library()


@register.filter
def mark(key):
    """A rating key ("horse", …, or None) → the mark as pages show it."""
    return shown(key)
