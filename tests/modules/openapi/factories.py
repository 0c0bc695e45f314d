"""Open-platform test helpers. ``signed_headers`` is an independent implementation of the
documented signing algorithm (docs/open-platform.md): it shares no code with the server's
``openapi.signing`` nor the SDK, and encodes the query by hand."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Any

import httpx

from shoplet.core.context import AppContext
from tests.modules.staff.conftest import bearer, token_for

OPEN = "/open/v1"
CONSOLE = "/api/v1/console/openapi"
UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _encode(text: str) -> str:
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode())


def signed_headers(
    key: str,
    secret: str,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: bytes = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex
    query = "&".join(
        f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in (params or {}).items())
    )
    message = f"{method}\n{path}\n{query}\n{ts}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {
        "X-Shoplet-App-Key": key,
        "X-Shoplet-Timestamp": ts,
        "X-Shoplet-Nonce": nonce,
        "X-Shoplet-Signature": digest,
    }


async def owner(
    client: httpx.AsyncClient, ctx: AppContext, name: str = "open-owner"
) -> dict[str, str]:
    return bearer(await token_for(client, ctx, name, role="owner", step_up=True))


async def make_app(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    *,
    scopes: list[str] | None = None,
    rate_limit: int = 600,
    ip_allowlist: list[str] | None = None,
    name: str = "ERP 对接",
) -> dict[str, Any]:
    response = await client.post(
        f"{CONSOLE}/apps",
        json={
            "name": name,
            "scopes": scopes
            if scopes is not None
            else ["products:read", "stock:read", "stock:write", "orders:read"],
            "rate_limit_per_minute": rate_limit,
            "ip_allowlist": ip_allowlist or [],
        },
        headers=staff,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def call(
    client: httpx.AsyncClient,
    app: dict[str, Any],
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    secret: str | None = None,
    **sign: Any,
) -> httpx.Response:
    import json

    body = b"" if json_body is None else json.dumps(json_body).encode()
    full = OPEN + path
    signed = signed_headers(
        app["app_key"], secret or app["app_secret"], method, full, params=params, body=body, **sign
    )
    if json_body is not None:
        signed["Content-Type"] = "application/json"
    return await client.request(
        method, full, params=params, content=body or None, headers={**signed, **(headers or {})}
    )
