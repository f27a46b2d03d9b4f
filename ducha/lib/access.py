"""View decorators for the office's pages; the rules themselves are properties of the user
(`user.is_office`, `user.sees_everything`, in ducha/org/models.py)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def office_required(view):
    """The reform office only: it runs the month."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_office:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def overseer_required(view):
    """The office and the auditor, who reads what the office reads and changes nothing."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.sees_everything:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def unit_member_required(view):
    """A unit's reporter or head, for its own unit's files."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_unit_member:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def numbers_reader_required(view):
    """Scores, dashboards and the forecast: whoever `user.reads_numbers`."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.reads_numbers:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
