"""Shoplet Open API client: signs every request (HMAC-SHA256, docs/open-platform.md) and
retries writes with the same Idempotency-Key, so a retried write is applied once.

    async with ShopletOpen("https://shop.example.com", app_key, app_secret) as shop:
        page = await shop.get("/products", params={"limit": 50})
        await shop.adjust_stock(sku_id, delta=5, reason="ERP 入库")

A webhook receiver checks each delivery with ``verify_webhook(request.headers, raw_body,
secret)`` before trusting it, and dedupes on ``X-Shoplet-Event-Id`` (delivery is at least once).

Depends only on httpx.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

__all__ = [
    "ShopletOpen",
    "ShopletOpenError",
    "sign_request",
    "string_to_sign",
    "verify_webhook",
]

PREFIX = "/open/v1"
# Answers worth another attempt: the request may not have been applied, or was refused for
# now. A write is retried with the same Idempotency-Key, so at most one attempt applies.
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ShopletOpenError(Exception):
    """A problem+json answer: ``status``, ``code`` (``openapi.scope_missing``…), ``body``."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code") or body.get("error") or "unknown")
        self.body = dict(body)
        super().__init__(f"{status} {self.code}: {body.get('detail') or body}")


WEBHOOK_TOLERANCE_SECONDS = 300


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    tolerance: int = WEBHOOK_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a webhook delivery is genuine and fresh: ``X-Shoplet-Signature`` is the
    lower-case hex HMAC-SHA256, keyed by the subscription's secret, of
    ``EVENT_ID\\nTIMESTAMP\\nHEX(SHA256(body))`` (``X-Shoplet-Event-Id``,
    ``X-Shoplet-Timestamp``), and the timestamp is within ``tolerance`` seconds of ``now``.
    ``body`` is the raw request body, before any JSON parsing. Header names are matched
    case-insensitively.

    During a secret rotation's overlap a delivery carries two signatures:
    ``X-Shoplet-Signature`` with the new secret and ``X-Shoplet-Signature-Previous`` with the
    old one; either matching ``secret`` is enough, so the receiver may switch at any time."""
    lowered = {k.lower(): v for k, v in headers.items()}
    event_id = lowered.get("x-shoplet-event-id", "")
    timestamp = lowered.get("x-shoplet-timestamp", "")
    presented = [
        lowered[name].strip().lower()
        for name in ("x-shoplet-signature", "x-shoplet-signature-previous")
        if name in lowered
    ]
    if (
        not presented
        or not all(p.isascii() for p in presented)
        or not event_id
        or not timestamp.isascii()
        or not timestamp.isdigit()
        or len(timestamp) > 12
    ):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    text = "\n".join((event_id, timestamp, hashlib.sha256(body).hexdigest()))
    expected = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    # Every signature is compared (no early exit), each in constant time.
    return sum(hmac.compare_digest(expected, p) for p in presented) > 0


def _encode(text: str) -> str:
    return quote(text, safe="-._~")


def string_to_sign(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None,
    timestamp: str,
    nonce: str,
    body: bytes,
) -> str:
    encoded = sorted((_encode(str(k)), _encode(str(v))) for k, v in (params or {}).items())
    query = "&".join(f"{k}={v}" for k, v in encoded)
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{query}\n{timestamp}\n{nonce}\n{digest}"


def sign_request(
    app_key: str,
    app_secret: str,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    body: bytes = b"",
) -> dict[str, str]:
    """The four X-Shoplet-* headers for one request (a fresh nonce and timestamp)."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    message = string_to_sign(
        method, path, params=params, timestamp=timestamp, nonce=nonce, body=body
    )
    signature = hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {
        "X-Shoplet-App-Key": app_key,
        "X-Shoplet-Timestamp": timestamp,
        "X-Shoplet-Nonce": nonce,
        "X-Shoplet-Signature": signature,
    }


class ShopletOpen:
    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.app_key = app_key
        self._secret = app_secret
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> ShopletOpen:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send a signed request; a write gets an Idempotency-Key (a new UUID unless given)
        that every retry repeats. Raises :class:`ShopletOpenError` on a 4xx/5xx answer."""
        full = PREFIX + path
        params = {k: str(v) for k, v in (params or {}).items() if v is not None}
        body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
        is_write = method.upper() not in {"GET", "HEAD"}
        if is_write and idempotency_key is None:
            idempotency_key = str(uuid.uuid4())
        attempt = 0
        while True:
            # Signed afresh each attempt: a nonce is good for one request only.
            headers = sign_request(
                self.app_key, self._secret, method, full, params=params, body=body
            )
            if body:
                headers["Content-Type"] = "application/json"
            if idempotency_key is not None:
                headers["Idempotency-Key"] = idempotency_key
            try:
                response = await self._http.request(
                    method, full, params=params, content=body or None, headers=headers
                )
            except httpx.TransportError:
                if attempt >= self.retries:
                    raise
            else:
                if response.status_code < 400:
                    return response.json()
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    raise ShopletOpenError(response.status_code, _body(response))
            attempt += 1
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self.request("GET", path, params=params)

    async def iterate(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[Any]:
        """Every item of a keyset-paged list, page after page."""
        cursor: str | None = None
        while True:
            page = await self.get(path, {**(params or {}), "cursor": cursor})
            for item in page["items"]:
                yield item
            cursor = page.get("next_cursor")
            if not cursor:
                return

    async def adjust_stock(
        self, sku_id: int, *, delta: int, reason: str, idempotency_key: str | None = None
    ) -> Any:
        return await self.request(
            "POST",
            f"/skus/{sku_id}/stock-adjustments",
            json_body={"delta": delta, "reason": reason},
            idempotency_key=idempotency_key,
        )

    async def ship_order(
        self, order_no: str, *, carrier: str, tracking_no: str, idempotency_key: str | None = None
    ) -> Any:
        return await self.request(
            "POST",
            f"/orders/{order_no}/ship",
            json_body={"carrier": carrier, "tracking_no": tracking_no},
            idempotency_key=idempotency_key,
        )

    async def issue_coupon(
        self, template_id: int, member_id: int, *, idempotency_key: str | None = None
    ) -> Any:
        return await self.request(
            "POST",
            "/coupons/issue",
            json_body={"template_id": template_id, "member_id": member_id},
            idempotency_key=idempotency_key,
        )


def _body(response: httpx.Response) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {"detail": response.text}
    return data if isinstance(data, dict) else {"detail": data}
