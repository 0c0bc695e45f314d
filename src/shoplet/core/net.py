"""Who is the client: the peer address, or what trusted proxies say about it.

``X-Forwarded-For`` and ``X-Real-IP`` are written by whoever sends the request, so they count only
when the peer is a trusted proxy (``SHOPLET_TRUSTED_PROXIES``). Each proxy appends the address it
saw, so the client is the right-most address in the chain that is not itself a trusted proxy;
everything left of it was written by the client and proves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.requests import HTTPConnection

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

# No peer address at all (a UNIX socket without a trusted proxy in front): one shared bucket.
UNKNOWN_IP = "0.0.0.0"  # nosec B104 # noqa: S104  (a value, not a bind address)

LOOPBACK: tuple[Network, ...] = (ip_network("127.0.0.0/8"), ip_network("::1/128"))


def parse_networks(values: Iterable[str | Network]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) to networks; raises ``ValueError`` on a malformed one."""
    return tuple(
        v if isinstance(v, IPv4Network | IPv6Network) else ip_network(v.strip(), strict=False)
        for v in values
    )


def parse_address(value: str | None) -> Address | None:
    """An address as proxies write it: ``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def resolve_client_ip(
    peer: str | None,
    *,
    forwarded_for: Sequence[str] = (),
    real_ip: str | None = None,
    trusted: Sequence[Network] = (),
) -> str:
    """The client address for a request from ``peer`` with these headers.

    ``forwarded_for`` holds every ``X-Forwarded-For`` header value in order (a list may be split
    over several headers). Headers count only when ``peer`` is trusted; then the chain is walked
    from the right, skipping trusted proxies, and the first other address is the client. An
    unparseable entry stops the walk: the last trusted hop is as far as anything is known.
    """
    current = parse_address(peer)
    if current is None:
        return UNKNOWN_IP
    if not is_trusted(current, trusted):
        return str(current)
    chain = [part for value in forwarded_for for part in value.split(",") if part.strip()]
    if not chain and real_ip:
        chain = [real_ip]
    for entry in reversed(chain):
        hop = parse_address(entry)
        if hop is None:
            break
        current = hop
        if not is_trusted(hop, trusted):
            break
    return str(current)


def resolve_scheme(
    scheme: str, *, peer: str | None, forwarded_proto: str | None, trusted: Sequence[Network]
) -> str:
    """``https`` or ``http`` as the client used it: ``X-Forwarded-Proto`` counts from a trusted
    peer only (its right-most value is what the nearest proxy saw)."""
    if forwarded_proto and is_trusted(parse_address(peer), trusted):
        proto = forwarded_proto.split(",")[-1].strip().lower()
        if proto in {"http", "https"}:
            return proto
    return "https" if scheme in {"https", "wss"} else "http"


def _trusted_proxies(connection: HTTPConnection) -> Sequence[Network]:
    ctx = getattr(connection.app.state, "ctx", None)
    return ctx.settings.trusted_proxies if ctx is not None else ()


def client_ip(connection: HTTPConnection) -> str:
    """The client address of this request (see :func:`resolve_client_ip`)."""
    headers = connection.headers
    return resolve_client_ip(
        connection.client.host if connection.client else None,
        forwarded_for=headers.getlist("x-forwarded-for"),
        real_ip=headers.get("x-real-ip"),
        trusted=_trusted_proxies(connection),
    )


__all__ = [
    "LOOPBACK",
    "UNKNOWN_IP",
    "Address",
    "Network",
    "client_ip",
    "is_trusted",
    "parse_address",
    "parse_networks",
    "resolve_client_ip",
    "resolve_scheme",
]
