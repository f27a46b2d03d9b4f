"""Where a request comes from, for the lockout and the audit log."""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop behind a trusted proxy."""
    if settings.DUCHA_TRUST_X_FORWARDED_FOR:
        first = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(first))
        except ValueError:
            pass  # absent or not an address: fall back to the proxy's own
    return request.META.get("REMOTE_ADDR", "")[:64]
