"""The signing functions, pure: the canonical query is independent of pair order and agrees
with a hand-written RFC 3986 encoder; a signature changes with any part of the request."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.openapi import signing
from shoplet.modules.openapi.service import ip_allowed, normalise_allowlist

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
pairs = st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=6)


def by_hand(text: str) -> str:
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode())


@given(pairs, st.randoms())
def test_canonical_query_ignores_order_and_matches_rfc3986(
    items: list[tuple[str, str]], rnd: object
) -> None:
    items = [(k, v) for k, v in items if "\x00" not in k + v]
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    expected = "&".join(f"{k}={v}" for k, v in sorted((by_hand(k), by_hand(v)) for k, v in items))
    assert signing.canonical_query(urlencode(items)) == expected
    assert signing.canonical_query(urlencode(shuffled)) == expected


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_signature_covers_the_body(body: bytes, other: bytes) -> None:
    one = signing.string_to_sign(
        "POST", "/open/v1/x", query="", timestamp="1", nonce="abcdefgh", body=body
    )
    two = signing.string_to_sign(
        "POST", "/open/v1/x", query="", timestamp="1", nonce="abcdefgh", body=other
    )
    assert (signing.sign("s", one) == signing.sign("s", two)) == (body == other)


def test_known_vector() -> None:
    canonical = signing.string_to_sign(
        "get",
        "/open/v1/products",
        query="limit=10&status=on_sale",
        timestamp="1764900000",
        nonce="n0nce-123",
        body=b"",
    )
    assert canonical == (
        "GET\n/open/v1/products\nlimit=10&status=on_sale\n1764900000\nn0nce-123\n"
        + hashlib.sha256(b"").hexdigest()
    )
    expected = hmac.new(b"secret", canonical.encode(), hashlib.sha256).hexdigest()
    assert signing.sign("secret", canonical) == expected
    assert signing.matches("secret", canonical, expected)


def test_timestamp_window() -> None:
    assert signing.is_fresh("1000", 1300)
    assert not signing.is_fresh("1000", 1301)
    assert signing.is_fresh("1300", 1000)
    assert not signing.is_fresh("-5", 0)
    assert not signing.is_fresh("1e3", 1000)
    assert not signing.is_fresh("", 1000)


def test_allowlist() -> None:
    assert normalise_allowlist(["10.1.2.3/8", "::1", "10.0.0.0/8"]) == ["10.0.0.0/8", "::1/128"]
    assert ip_allowed("10.9.9.9", ["10.0.0.0/8"])
    assert not ip_allowed("11.0.0.1", ["10.0.0.0/8"])
    assert not ip_allowed("not-an-ip", ["10.0.0.0/8"])
    assert ip_allowed("anything", [])


def test_the_documented_openssl_snippet_agrees() -> None:
    """docs/open-platform.md's curl example: its openssl pipeline signs as the server does."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("openssl") is None:
        pytest.skip("no openssl")
    script = (
        "SECRET='the-app-secret'; URL_PATH=/open/v1/skus/12/stock-adjustments; "
        """BODY='{"delta":5,"reason":"ERP 入库"}'; TS=1764900000; NONCE=abcdef0123456789; """
        "BODY_SHA=$(printf '%s' \"$BODY\" | openssl dgst -sha256 -hex | sed 's/^.* //'); "
        'printf \'POST\\n%s\\n%s\\n%s\\n%s\\n%s\' "$URL_PATH" "" "$TS" "$NONCE" '
        '"$BODY_SHA" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed \'s/^.* //\''
    )
    out = subprocess.run(
        ["/bin/bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    canonical = signing.string_to_sign(
        "POST",
        "/open/v1/skus/12/stock-adjustments",
        query="",
        timestamp="1764900000",
        nonce="abcdef0123456789",
        body='{"delta":5,"reason":"ERP 入库"}'.encode(),
    )
    assert out == signing.sign("the-app-secret", canonical)
