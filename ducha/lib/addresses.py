"""Where a request comes from, for the sign-in throttle and the audit log."""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or the address the nearest untrusted hop was seen from.

    Each of the DUCHA_TRUSTED_PROXIES reverse proxies in front appends the address it was
    reached from to X-Forwarded-For (nginx's `$proxy_add_x_forwarded_for`), so only the
    last that many entries were written by someone we trust: the client is the entry that
    many places from the right. Anything further left was sent by the client itself and
    says whatever it likes. A header too short for the proxies said to be in front, or an
    entry that is not an address, is not believed: the proxy's own address is used.
    """
    remote = request.META.get("REMOTE_ADDR", "")[:64]
    proxies = settings.DUCHA_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies].strip()))
    except ValueError:
        return remote
