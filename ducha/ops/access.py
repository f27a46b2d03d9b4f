"""Who may read /metrics: a client address in DUCHA_METRICS_ALLOW, or the bearer of
DUCHA_METRICS_TOKEN. The figures name no person, but they tell how busy each jurisdiction
is and whether the machinery is behind: not for the public."""

import functools
import hmac
import ipaddress
import logging

from django.conf import settings

from ducha.lib.addresses import client_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
log = logging.getLogger(__name__)


@functools.cache
def _parsed(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def networks(entries: list[str]) -> tuple[Network, ...]:
    """The allow-list read as networks; ValueError names an entry that is not one."""
    return _parsed(tuple(entries))


def may_read_metrics(request) -> bool:
    token = settings.DUCHA_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:  # no address at all (a test client, a unix socket)
        return False
    if address.version == 6 and address.ipv4_mapped:  # ::ffff:10.0.0.5 on a dual-stack socket
        address = address.ipv4_mapped
    try:
        allowed = networks(settings.DUCHA_METRICS_ALLOW)
    except ValueError:  # `ducha check` names the entry; until it is fixed, nobody is let in
        log.error("DUCHA_METRICS_ALLOW has an entry that is not a network: /metrics refused")
        return False
    return any(address in network for network in allowed)
