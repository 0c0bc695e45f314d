"""HMAC-SHA256 request signing, pure (docs/open-platform.md, "Signing").

The string to sign is six lines joined by ``\\n`` (no trailing newline)::

    METHOD                 upper case: GET, POST
    PATH                   the URL path as routed (percent-decoded), no query: /open/v1/products
    CANONICAL_QUERY        every query pair, name and value percent-decoded, then RFC 3986
                           encoded (unreserved A-Z a-z 0-9 - . _ ~ kept, everything else %XX in
                           upper-case hex, a space is %20), then sorted by the encoded name,
                           then the encoded value (byte order), joined name=value with &
                           (empty when there is no query)
    TIMESTAMP              X-Shoplet-Timestamp: unix seconds, decimal
    NONCE                  X-Shoplet-Nonce: 8-64 characters of A-Z a-z 0-9 - _
    HEX(SHA256(body))      lower-case hex of the raw body's SHA-256 (of b"" when there is none)

``X-Shoplet-Signature`` is the lower-case hex HMAC-SHA256 of that string (UTF-8) keyed by the
app secret (its UTF-8 bytes).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote

from shoplet.modules.openapi.errors import RotationInvalid

WINDOW_SECONDS = 300
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SIGNATURE_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# How long an old secret (an app's or a webhook's) may stay valid after a rotation.
MAX_ROTATION_OVERLAP = timedelta(days=30)


def rfc3986(value: str) -> str:
    return quote(value, safe="-._~")


def canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{k}={v}" for k, v in sorted((rfc3986(k), rfc3986(v)) for k, v in pairs))


def string_to_sign(
    method: str, path: str, *, query: str, timestamp: str, nonce: str, body: bytes
) -> str:
    return "\n".join(
        (
            method.upper(),
            path,
            canonical_query(query),
            timestamp,
            nonce,
            hashlib.sha256(body).hexdigest(),
        )
    )


def sign(secret: str, canonical: str) -> str:
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def matches(secret: str, canonical: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, canonical), signature)


def is_fresh(timestamp: str, now: float, window: int = WINDOW_SECONDS) -> bool:
    """``timestamp`` is decimal unix seconds within ``window`` of ``now`` (either side)."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - now) <= window


# -- webhooks (docs/open-platform.md, "Webhooks") ---------------------------------------------
#
# A delivery is signed like a request, with three lines joined by ``\n`` (no trailing newline):
#
#     EVENT_ID               X-Shoplet-Event-Id
#     TIMESTAMP              X-Shoplet-Timestamp: unix seconds of this attempt, decimal
#     HEX(SHA256(body))      lower-case hex of the raw body's SHA-256
#
# ``X-Shoplet-Signature`` is the lower-case hex HMAC-SHA256 of that string keyed by the
# subscription's secret (UTF-8).


def webhook_string_to_sign(event_id: str, timestamp: str, body: bytes) -> str:
    return "\n".join((event_id, timestamp, hashlib.sha256(body).hexdigest()))


def webhook_signature(secret: str, event_id: str, timestamp: str, body: bytes) -> str:
    return sign(secret, webhook_string_to_sign(event_id, timestamp, body))


def check_overlap_end(at: datetime, now: datetime) -> datetime:
    """``at``, when the old secret may stop there: in the future and within
    ``MAX_ROTATION_OVERLAP`` (else ``400 openapi.rotation_invalid``). Shared by the app and the
    webhook rotation."""
    if at.tzinfo is None or at <= now or at - now > MAX_ROTATION_OVERLAP:
        raise RotationInvalid(
            "the old secret's expiry must be a UTC time in the next 30 days", expires_at=str(at)
        )
    return at
