from functools import cache

from ducha.notify.api import unread


def inbox(request):
    """The nav's unread count for a signed-in person: one COUNT, and only on a page that
    shows it (the template calls it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": cache(lambda: unread(user))}
