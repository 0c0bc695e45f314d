from __future__ import annotations

import pytest

from shoplet.core.net import (
    UNKNOWN_IP,
    parse_address,
    parse_networks,
    resolve_client_ip,
    resolve_scheme,
)

PROXIES = parse_networks(["10.0.0.0/8", "fd00::/8"])


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert resolve_client_ip("127.0.0.1", forwarded_for=["1.2.3.4"], real_ip="5.6.7.8") == (
        "127.0.0.1"
    )


def test_headers_from_an_untrusted_peer_are_ignored() -> None:
    assert (
        resolve_client_ip(
            "198.51.100.1", forwarded_for=["10.0.0.1"], real_ip="10.0.0.2", trusted=PROXIES
        )
        == "198.51.100.1"
    )


@pytest.mark.parametrize(
    ("chain", "client"),
    [
        (["203.0.113.9"], "203.0.113.9"),
        # The client forged the left part; the right-most untrusted address is the real one.
        (["1.1.1.1, 2.2.2.2, 203.0.113.9"], "203.0.113.9"),
        (["1.1.1.1, 203.0.113.9, 10.1.2.3"], "203.0.113.9"),
        # One list split over two headers.
        (["1.1.1.1", "203.0.113.9, 10.1.2.3"], "203.0.113.9"),
        # Ports and brackets as some proxies write them; IPv4-mapped IPv6.
        (["203.0.113.9:5555"], "203.0.113.9"),
        (["[2001:db8::1]:443"], "2001:db8::1"),
        (["::ffff:203.0.113.9"], "203.0.113.9"),
        # Garbage stops the walk at the last trusted hop.
        (["203.0.113.9, not-an-ip, 10.1.2.3"], "10.1.2.3"),
        # All hops trusted: the left-most is as far as anything is known.
        (["10.3.3.3, 10.1.2.3"], "10.3.3.3"),
        ([], "10.0.0.5"),
    ],
)
def test_behind_trusted_proxies_the_right_most_untrusted_address_is_the_client(
    chain: list[str], client: str
) -> None:
    assert resolve_client_ip("10.0.0.5", forwarded_for=chain, trusted=PROXIES) == client


def test_x_real_ip_counts_from_a_trusted_peer_without_forwarded_for() -> None:
    assert resolve_client_ip("fd00::1", real_ip="203.0.113.9", trusted=PROXIES) == "203.0.113.9"
    assert (
        resolve_client_ip(
            "10.0.0.5", forwarded_for=["198.51.100.4"], real_ip="203.0.113.9", trusted=PROXIES
        )
        == "198.51.100.4"
    )


def test_no_peer_is_unknown() -> None:
    assert resolve_client_ip(None, forwarded_for=["1.2.3.4"], trusted=PROXIES) == UNKNOWN_IP
    assert resolve_client_ip("testclient") == UNKNOWN_IP


def test_parse() -> None:
    assert parse_address(" 1.2.3.4 ") is not None
    assert parse_address("") is None
    assert parse_address("[::1") is not None
    with pytest.raises(ValueError, match="does not appear"):
        parse_networks(["10.0.0.0/33"])


def test_scheme_from_a_trusted_proxy_only() -> None:
    assert resolve_scheme("http", peer="10.0.0.5", forwarded_proto="https", trusted=PROXIES) == (
        "https"
    )
    assert resolve_scheme("http", peer="8.8.8.8", forwarded_proto="https", trusted=PROXIES) == (
        "http"
    )
    assert resolve_scheme("https", peer="8.8.8.8", forwarded_proto=None, trusted=()) == "https"
    assert resolve_scheme("http", peer="10.0.0.5", forwarded_proto="gopher", trusted=PROXIES) == (
        "http"
    )
