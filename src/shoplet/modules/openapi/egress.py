"""Where partner-supplied URLs may point (SSRF): a webhook URL whose host resolves to a
loopback, private, link-local, shared, multicast, reserved or unspecified address is refused
when it is saved, and again at every delivery, which then connects to the very address it
checked (the URL's host is kept as ``Host`` and TLS SNI), so a DNS answer that changes between
the check and the connection (DNS rebinding) cannot send a POST inside the network.

``SHOPLET_OPENAPI_WEBHOOK_ALLOW_PRIVATE`` allows private targets (development, tests); unset,
it follows the environment: allowed when embedded or testing, refused in production.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, cast
from urllib.parse import urlsplit, urlunsplit

from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.modules.openapi.errors import WebhookUrlForbidden, WebhookUrlUnresolvable

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses it resolves to (strings, as getaddrinfo answers).
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
RESOLVER_KEY: Final = "openapi.resolver"
# RFC 6598 shared address space (carrier-grade NAT): not global, not "private" for Python 3.11.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_forbidden(address: IpAddress) -> bool:
    """True for any address that is not a public unicast one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED)
        or not address.is_global
    )


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: the address to connect to and how to ask for the original host."""

    url: str
    host: str
    address: str

    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address (the port kept)."""
        parts = urlsplit(self.url)
        ip = ipaddress.ip_address(self.address)
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))

    def host_header(self) -> str:
        parts = urlsplit(self.url)
        return parts.netloc.rsplit("@", 1)[-1]


@dataclass(frozen=True, slots=True)
class Guard:
    resolve: Resolver
    allow_private: bool

    async def admit(self, url: str) -> None:
        """At creation: refuse a URL whose host is not public (or does not resolve); with
        private targets allowed nothing is looked up (a development receiver may not be
        running yet)."""
        if not self.allow_private:
            await self.check(url)

    async def check(self, url: str) -> Target:
        """Resolve the URL's host; refuse it (``openapi.webhook_url_forbidden``) when any of
        its addresses is not public, unless private targets are allowed."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                answered = await self.resolve(host, port)
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in answered]
            except (OSError, UnicodeError, ValueError):
                addresses = []
        if not addresses:
            raise WebhookUrlUnresolvable(f"{host!r} does not resolve", host=host)
        if not self.allow_private:
            refused = [str(a) for a in addresses if is_forbidden(a)]
            if refused:
                raise WebhookUrlForbidden(
                    f"{host!r} resolves to a non-public address ({', '.join(refused)})",
                    host=host,
                    addresses=refused,
                )
        return Target(url=url, host=host, address=str(addresses[0]))


def allows_private(settings: Settings) -> bool:
    """``SHOPLET_OPENAPI_WEBHOOK_ALLOW_PRIVATE`` when set, else: not in production."""
    allow = settings.openapi_webhook_allow_private
    return settings.is_embedded if allow is None else allow


def guard_of(ctx: AppContext) -> Guard:
    return Guard(
        resolve=cast(Resolver, ctx.extras.get(RESOLVER_KEY, system_resolver)),
        allow_private=allows_private(ctx.settings),
    )
