"""A generic signed webhook: ``POST`` the JSON body to the merchant's URL with
``X-Shoplet-Timestamp: <unix seconds>`` and
``X-Shoplet-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``. The receiver
recomputes the HMAC over the raw body, compares in constant time and refuses timestamps more
than five minutes off (replays). Any 2xx is success; 408, 429 and 5xx are retried."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx
import orjson

from . import RobotError

TIMESTAMP_HEADER = "X-Shoplet-Timestamp"
SIGNATURE_HEADER = "X-Shoplet-Signature"
TOLERANCE_SECONDS = 300
_RETRY_STATUSES = frozenset({408, 425, 429})


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, presented: str, *, now: int) -> bool:
    """Whether a delivery is genuine and fresh (for receivers, and the simulator)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), presented)


async def post(
    http: httpx.AsyncClient, url: str, secret: str, payload: object, *, now: int | None = None
) -> None:
    timestamp = now if now is not None else int(time.time())
    body = orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        response = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise RobotError("network", str(exc) or type(exc).__name__, True) from exc
    if response.is_success:
        return
    status = response.status_code
    raise RobotError(
        f"http_{status}", response.text[:200], status >= 500 or status in _RETRY_STATUSES
    )
