"""The partner API end to end: a request signed by an independent implementation is accepted;
tampered body, stale timestamp, replayed nonce, wrong scope, disabled app, revoked secret and an
address outside the allow-list each get their documented 4xx and change nothing; idempotent
writes; OAuth2 client credentials; secret rotation with overlap; the access log."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.modules.openapi import service
from shoplet.modules.openapi.api import access_log
from shoplet.modules.openapi.models import Secret
from tests.conftest import snapshot
from tests.modules.openapi.factories import CONSOLE, OPEN, call, make_app, owner, signed_headers
from tests.modules.orders.factories import level, product

LOG = "openapi_access_log"


async def business_snapshot(ctx: AppContext) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the access log (which records refused calls too, by design)."""
    full = await snapshot(ctx)
    full.pop(LOG)
    return full


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return await owner(client, ctx)


@pytest.fixture
async def partner(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, Any]:
    return await make_app(client, staff)


async def test_signed_request_from_an_independent_signer_lists_products(
    client: httpx.AsyncClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    product_id, [sku_id] = await product(ctx, (5900, 7))
    response = await call(client, partner, "GET", "/products", params={"limit": "10"})
    assert response.status_code == 200, response.text
    assert [p["id"] for p in response.json()["items"]] == [product_id]
    one = await call(client, partner, "GET", f"/products/{product_id}")
    assert one.status_code == 200
    assert one.json()["skus"][0]["id"] == sku_id
    stock = await call(client, partner, "GET", f"/skus/{sku_id}/stock")
    assert stock.json() == {"sku_id": sku_id, "on_hand": 7, "reserved": 0, "available": 7}


async def test_query_with_reserved_characters_signs_by_rfc3986(
    client: httpx.AsyncClient, partner: dict[str, Any]
) -> None:
    response = await call(
        client, partner, "GET", "/products", params={"status": "on_sale", "limit": "5"}
    )
    assert response.status_code == 200, response.text
    response = await call(client, partner, "GET", "/orders", params={"cursor": "a b/c~d+é"})
    # The cursor is nonsense to the orders module, but the signature over it held.
    assert response.json().get("code") != "openapi.signature_invalid", response.text


async def test_stock_adjustment_is_idempotent(
    client: httpx.AsyncClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    key = {"Idempotency-Key": f"adj-{uuid.uuid4()}"}
    body = {"delta": 5, "reason": "ERP 入库"}
    first = await call(
        client, partner, "POST", f"/skus/{sku_id}/stock-adjustments", json_body=body, headers=key
    )
    assert first.status_code == 200, first.text
    assert first.json()["on_hand"] == 15
    again = await call(
        client, partner, "POST", f"/skus/{sku_id}/stock-adjustments", json_body=body, headers=key
    )
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await level(ctx, sku_id) == (15, 0)

    before = await business_snapshot(ctx)
    other = await call(
        client,
        partner,
        "POST",
        f"/skus/{sku_id}/stock-adjustments",
        json_body={"delta": 6, "reason": "ERP 入库"},
        headers=key,
    )
    assert other.status_code == 422
    assert other.json()["code"] == "openapi.idempotency_key_reused"
    missing = await call(
        client, partner, "POST", f"/skus/{sku_id}/stock-adjustments", json_body=body
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == "openapi.idempotency_key_required"
    assert await business_snapshot(ctx) == before


async def test_refused_calls_get_their_code_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], partner: dict[str, Any]
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    path = f"{OPEN}/skus/{sku_id}/stock-adjustments"
    body = b'{"delta": 3, "reason": "ERP"}'

    def headers(**sign: Any) -> dict[str, str]:
        return {
            **signed_headers(
                partner["app_key"], partner["app_secret"], "POST", path, body=body, **sign
            ),
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }

    before = await business_snapshot(ctx)

    async def refused(content: bytes, hdrs: dict[str, str], status: int, code: str) -> None:
        response = await client.post(path, content=content, headers=hdrs)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
        assert await business_snapshot(ctx) == before

    # Tampered body: signed for +3, sent +300.
    await refused(b'{"delta": 300, "reason": "ERP"}', headers(), 401, "openapi.signature_invalid")
    # Signed with another secret.
    forged = signed_headers(partner["app_key"], "not-the-secret", "POST", path, body=body)
    await refused(body, {**headers(), **forged}, 401, "openapi.signature_invalid")
    # Six minutes old, and six minutes ahead.
    await refused(body, headers(timestamp=int(time.time()) - 360), 401, "openapi.timestamp_stale")
    await refused(body, headers(timestamp=int(time.time()) + 360), 401, "openapi.timestamp_stale")
    await refused(body, {**headers(), "X-Shoplet-App-Key": "ak_nobody"}, 401, "openapi.app_unknown")
    await refused(body, {"Idempotency-Key": "k"}, 401, "openapi.credentials_missing")

    # A replayed nonce: the first use adjusts, the replay is refused and changes nothing.
    replay = headers(nonce="replay-nonce-0001")
    ok = await client.post(path, content=body, headers=replay)
    assert ok.status_code == 200, ok.text
    before = await business_snapshot(ctx)
    await refused(
        body, {**replay, "Idempotency-Key": uuid.uuid4().hex}, 401, "openapi.nonce_replayed"
    )

    # Wrong scope: the app cannot ship orders.
    ship = f"{OPEN}/orders/1234/ship"
    ship_body = b'{"carrier": "SF", "tracking_no": "SF1234567"}'
    response = await client.post(
        ship,
        content=ship_body,
        headers={
            **signed_headers(
                partner["app_key"], partner["app_secret"], "POST", ship, body=ship_body
            ),
            "Content-Type": "application/json",
            "Idempotency-Key": "s1",
        },
    )
    assert response.status_code == 403
    assert response.json()["code"] == "openapi.scope_missing"
    assert await business_snapshot(ctx) == before

    # An address outside the allow-list (the test client is 127.0.0.1).
    patched = await client.patch(
        f"{CONSOLE}/apps/{partner['app']['id']}",
        json={"ip_allowlist": ["10.0.0.0/8"]},
        headers=staff,
    )
    assert patched.status_code == 200, patched.text
    before = await business_snapshot(ctx)
    await refused(body, headers(), 403, "openapi.ip_forbidden")
    await client.patch(
        f"{CONSOLE}/apps/{partner['app']['id']}",
        json={"ip_allowlist": ["127.0.0.0/8", "::1"]},
        headers=staff,
    )

    # A disabled app.
    await client.patch(
        f"{CONSOLE}/apps/{partner['app']['id']}", json={"is_active": False}, headers=staff
    )
    before = await business_snapshot(ctx)
    await refused(body, headers(), 403, "openapi.app_disabled")
    assert await level(ctx, sku_id) == (13, 0)


async def test_allowlist_is_validated(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await business_snapshot(ctx)
    response = await client.post(
        f"{CONSOLE}/apps",
        json={"name": "x", "scopes": ["products:read"], "ip_allowlist": ["10.0.0.0/33"]},
        headers=staff,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "openapi.ip_allowlist_invalid"
    unknown_scope = await client.post(
        f"{CONSOLE}/apps", json={"name": "x", "scopes": ["everything"]}, headers=staff
    )
    assert unknown_scope.status_code == 422
    assert await business_snapshot(ctx) == before


async def test_secret_is_shown_once_and_stored_encrypted(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], partner: dict[str, Any]
) -> None:
    listed = await client.get(f"{CONSOLE}/apps", headers=staff)
    assert partner["app_secret"] not in listed.text
    assert listed.json()[0]["secrets"][0]["hint"] == partner["app_secret"][-4:]
    rows = (await snapshot(ctx, "openapi_secret"))["openapi_secret"]
    assert all(partner["app_secret"] not in repr(row) for row in rows)


async def test_rotation_keeps_the_old_secret_until_its_expiry(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], partner: dict[str, Any]
) -> None:
    app_id = partner["app"]["id"]
    expiry = datetime.now(UTC) + timedelta(hours=1)
    rotated = await client.post(
        f"{CONSOLE}/apps/{app_id}/rotate-secret",
        json={"old_secret_expires_at": expiry.isoformat()},
        headers=staff,
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["app_secret"]
    assert new_secret != partner["app_secret"]
    assert rotated.json()["app_key"] == partner["app_key"]
    # Both work during the overlap.
    assert (await call(client, partner, "GET", "/products")).status_code == 200
    assert (await call(client, partner, "GET", "/products", secret=new_secret)).status_code == 200
    # Once the old one's time is up, only the new one.
    async with ctx.sessionmaker() as s:
        await s.execute(
            update(Secret)
            .where(Secret.expires_at.is_not(None))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await s.commit()
    old = await call(client, partner, "GET", "/products")
    assert old.status_code == 401
    assert old.json()["code"] == "openapi.signature_invalid"
    assert (await call(client, partner, "GET", "/products", secret=new_secret)).status_code == 200

    before = await business_snapshot(ctx)
    past = await client.post(
        f"{CONSOLE}/apps/{app_id}/rotate-secret",
        json={"old_secret_expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()},
        headers=staff,
    )
    assert past.status_code == 400
    assert past.json()["code"] == "openapi.rotation_invalid"
    assert await business_snapshot(ctx) == before


async def test_oauth_client_credentials(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], partner: dict[str, Any]
) -> None:
    auth = (partner["app_key"], partner["app_secret"])
    token_url = f"{OPEN}/oauth/token"
    before = await snapshot(ctx, "openapi_token")
    bad = await client.post(
        token_url, data={"grant_type": "client_credentials"}, auth=(partner["app_key"], "wrong")
    )
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_client"
    grant = await client.post(token_url, data={"grant_type": "password"}, auth=auth)
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"
    scope = await client.post(
        token_url, data={"grant_type": "client_credentials", "scope": "coupons:write"}, auth=auth
    )
    assert scope.json()["error"] == "invalid_scope"
    assert await snapshot(ctx, "openapi_token") == before

    issued = await client.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": partner["app_key"],
            "client_secret": partner["app_secret"],
            "scope": "products:read",
        },
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == "products:read"
    assert issued.headers["cache-control"] == "no-store"
    rows = (await snapshot(ctx, "openapi_token"))["openapi_token"]
    assert body["access_token"] not in repr(rows)

    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await client.get(f"{OPEN}/products", headers=bearer)).status_code == 200
    stock = await client.get(f"{OPEN}/skus/1/stock", headers=bearer)
    assert stock.status_code == 403
    assert stock.json()["code"] == "openapi.scope_missing"
    wrong = await client.get(f"{OPEN}/products", headers={"Authorization": "Bearer nope"})
    assert wrong.json()["code"] == "openapi.token_invalid"

    await client.patch(
        f"{CONSOLE}/apps/{partner['app']['id']}", json={"is_active": False}, headers=staff
    )
    disabled = await client.get(f"{OPEN}/products", headers=bearer)
    assert disabled.status_code == 403
    assert disabled.json()["code"] == "openapi.app_disabled"


async def test_access_log_is_searchable_by_app_status_and_path(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], partner: dict[str, Any]
) -> None:
    other = await make_app(client, staff, name="小票打印")
    for _ in range(3):
        await call(client, partner, "GET", "/products")
    await call(client, other, "GET", "/orders")  # no orders:read? it has: default scopes
    await call(client, partner, "GET", "/products", timestamp=1)  # stale → 401
    await access_log(ctx).flush(ctx.sessionmaker)

    page = await client.get(
        f"{CONSOLE}/access-log", params={"app_id": partner["app"]["id"], "limit": 2}, headers=staff
    )
    assert page.status_code == 200, page.text
    first = page.json()
    assert len(first["items"]) == 2
    assert first["items"][0]["status"] == 401
    assert first["items"][0]["app_id"] == partner["app"]["id"]
    second = await client.get(
        f"{CONSOLE}/access-log",
        params={"app_id": partner["app"]["id"], "limit": 2, "cursor": first["next_cursor"]},
        headers=staff,
    )
    rest = second.json()
    assert [i["status"] for i in rest["items"]] == [200, 200]
    assert rest["next_cursor"] is None
    assert first["items"][1]["id"] > rest["items"][0]["id"]

    errors = await client.get(f"{CONSOLE}/access-log", params={"status": 401}, headers=staff)
    assert [i["path"] for i in errors.json()["items"]] == [f"{OPEN}/products"]
    orders = await client.get(
        f"{CONSOLE}/access-log", params={"path": f"{OPEN}/ord"}, headers=staff
    )
    entry = orders.json()["items"][0]
    assert entry["app_id"] == other["app"]["id"]
    assert entry["method"] == "GET"
    assert entry["ip"] == "127.0.0.1"
    assert entry["duration_ms"] >= 0

    # Retention: nothing is old enough yet; thirty-one days on, all of it is.
    assert (await service.purge_old_records(ctx.sessionmaker))["access_log"] == 0
    later = datetime.now(UTC) + timedelta(days=31)
    assert (await service.purge_old_records(ctx.sessionmaker, now=later))["access_log"] == 5


async def test_only_owners_manage_apps(client: httpx.AsyncClient, ctx: AppContext) -> None:
    from tests.modules.staff.conftest import bearer, token_for

    operator = bearer(await token_for(client, ctx, "open-operator"))
    response = await client.get(f"{CONSOLE}/apps", headers=operator)
    assert response.status_code == 403


async def test_partner_api_describes_itself(client: httpx.AsyncClient) -> None:
    document = (await client.get(f"{OPEN}/openapi.json")).json()
    assert document["info"]["title"] == "Shoplet Open API"
    assert f"{OPEN}/skus/{{sku_id}}/stock-adjustments" in document["paths"]
    assert "ShopletSignature" in document["components"]["securitySchemes"]
    main = (await client.get("/openapi.json")).json()
    assert not any(p.startswith(OPEN) for p in main["paths"])
    page = await client.get(f"{OPEN}/docs")
    assert page.status_code == 200
    assert f"{OPEN}/docs/assets/redoc.standalone.js" in page.text
    assert "cdn" not in page.text.lower()
    asset = await client.get(f"{OPEN}/docs/assets/redoc.standalone.js")
    assert asset.status_code == 200
    assert (await client.get(f"{OPEN}/docs/assets/other.js")).status_code == 404


async def test_a_description_is_sanitised_once_for_repeated_calls(
    client: httpx.AsyncClient,
    ctx: AppContext,
    partner: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shoplet.modules.catalog import richtext
    from shoplet.modules.catalog.models import Product

    product_id, _ = await product(ctx, (5900, 7))
    # A row written before sanitising existed: served sanitised all the same.
    raw = '<p onclick="x()">纯棉<script>alert(1)</script></p><img src="/media/a.png" alt="正面">'
    async with ctx.sessionmaker() as s:
        await s.execute(update(Product).where(Product.id == product_id).values(description=raw))
        await s.commit()
    expected = richtext.clean_html(raw)
    assert expected == '<p>纯棉</p><img src="/media/a.png" alt="正面">'
    richtext.RENDER_CACHE.clear()
    runs: list[str] = []
    original = richtext.clean_html

    def counted(text: str) -> str:
        runs.append(text)
        return original(text)

    monkeypatch.setattr(richtext, "clean_html", counted)
    answers = [
        (await call(client, partner, "GET", f"/products/{product_id}")).json() for _ in range(3)
    ]
    listed = (await call(client, partner, "GET", "/products")).json()["items"]
    assert [a["description"] for a in answers] == [expected] * 3
    assert answers[0] == answers[1] == answers[2]
    assert [p["description"] for p in listed] == [expected]
    assert runs == [raw]
    # A changed description is rendered anew (the text is the key: nothing stale).
    async with ctx.sessionmaker() as s:
        await s.execute(
            update(Product).where(Product.id == product_id).values(description="第一行\n第二行")
        )
        await s.commit()
    changed = (await call(client, partner, "GET", f"/products/{product_id}")).json()
    assert changed["description"] == "<p>第一行</p><p>第二行</p>"
