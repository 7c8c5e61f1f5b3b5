"""Where a webhook may point: the rule against server-side request forgery.

Unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` is on (a developer's machine, the tests), a target is
an ``https://`` URL whose host resolves only to public addresses: never a private, loopback,
link-local, shared, multicast or reserved one (the database, the cache, a cloud metadata
service). The rule is checked when a webhook is saved and again before every attempt, and the
request then connects to the very address that was checked (:class:`PinnedTransport`), so a
name that resolves elsewhere a second later (DNS rebinding) cannot reach an internal service.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A URL allowed as a target, and the address to connect to (``None``: resolve freely)."""

    url: str
    pinned_address: str | None


class TargetRefused(Exception):
    """The URL may not be a webhook's target; the message says why, in the active language."""


def private_targets_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def _resolve(host: str, port: int) -> list[Address]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


# IPv6 ranges that carry an IPv4 address in their last 32 bits: IPv4-compatible (::/96, now
# deprecated) and NAT64's well-known prefix. A NAT64 gateway or an old stack would deliver to the
# embedded address, so it is that address which must be public.
_EMBEDDING_IPV4 = (
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("64:ff9b::/96"),
)
# NAT64 for local use (RFC 8215): the embedded address sits wherever the operator chose.
_NEVER_PUBLIC = (ipaddress.IPv6Network("64:ff9b:1::/48"),)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a packet to this IPv6 address would reach, when it embeds one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _NEVER_PUBLIC):
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            address = embedded
    return address.is_global and not address.is_multicast


def target_check(url: str) -> Target:
    """The target to send to, or ``TargetRefused`` naming why this URL is not allowed."""
    parts = urlsplit(url)
    allow_private = private_targets_allowed()
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(_("Use an https:// address."))
    host = parts.hostname
    if not host:
        raise TargetRefused(_("This address has no host name."))
    if parts.username or parts.password:
        raise TargetRefused(_("Leave user names and passwords out of the address."))
    if allow_private:
        return Target(url=url, pinned_address=None)
    try:
        port = parts.port or 443
        addresses = _resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise TargetRefused(
            _("The host name %(host)s cannot be resolved.") % {"host": host}
        ) from None
    refused = [address for address in addresses if not _is_public(address)]
    if refused or not addresses:
        raise TargetRefused(
            _(
                "%(host)s resolves to a private, loopback, link-local or reserved address "
                "(%(address)s): webhooks are sent to public addresses only."
            )
            % {"host": host, "address": refused[0] if refused else "-"}
        )
    return Target(url=url, pinned_address=str(addresses[0]))


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the checked address whatever the host name in the URL; TLS still names
    (SNI) and verifies the URL's host."""

    def __init__(self, address: str) -> None:
        self.address = address

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return super().connect_tcp(self.address, port, timeout, local_address, socket_options)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport, its connection pool connecting only to ``address``."""

    def __init__(self, address: str, **kwargs) -> None:
        super().__init__(**kwargs)
        # httpx exposes no option for the network backend: its pool is rebuilt with one, with
        # the same certificate checks (httpx's default SSL context).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=1,
            network_backend=_PinnedBackend(address),
        )


def transport_for(target: Target) -> httpx.HTTPTransport:
    """The transport a delivery to this target uses."""
    if target.pinned_address is None:
        return httpx.HTTPTransport()
    return PinnedTransport(target.pinned_address)
