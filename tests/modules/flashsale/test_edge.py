"""The edge role serves only flash-sale routes, and the buy path never touches the database."""

from __future__ import annotations

from pathlib import Path

import httpx
from redis.asyncio import Redis

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.modules.flashsale.config import FlashSaleSettings
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.store import RedisFlashStore
from tests.conftest import BackendDb, StatementCounter, make_context, make_settings, snapshot
from tests.modules.flashsale.conftest import (
    buy,
    buy_token,
    go_live,
    make_campaign,
    make_sku,
    shopper,
)


async def test_edge_role_mounts_only_flash_sales(
    ctx: AppContext, backend_db: BackendDb, tmp_path: Path, flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx)
    campaign_id = await make_campaign(ctx, [sku], stock=2)
    settings = make_settings(backend_db, tmp_path, role="edge")
    edge_ctx = make_context(backend_db, settings)
    app = create_app(settings, context=edge_ctx)
    api = sorted(app.openapi()["paths"])
    assert api == [
        "/api/v1/envelope-key",
        "/api/v1/flash-sales",
        "/api/v1/flash-sales/tickets/{ticket}",
        "/api/v1/flash-sales/{campaign_id}",
        "/api/v1/flash-sales/{campaign_id}/buy",
        "/api/v1/flash-sales/{campaign_id}/token",
        "/api/v1/time",
    ]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge") as edge:
            assert (await edge.get("/api/v1/time")).status_code == 200
            assert (await edge.get(f"/api/v1/flash-sales/{campaign_id}")).status_code == 200
            assert (await edge.get("/api/v1/products")).status_code == 404
            assert (await edge.get("/api/v1/console/flash-sales")).status_code == 404
    if edge_ctx.redis is not None:
        await edge_ctx.redis.aclose()


async def test_the_buy_path_runs_no_sql(
    client: httpx.AsyncClient,
    ctx: AppContext,
    sql_counter: StatementCounter,
    flash: FlashSaleSettings,
) -> None:
    sku = await make_sku(ctx)
    campaign_id = await make_campaign(ctx, [sku], stock=1)
    await go_live(ctx, campaign_id)
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    sql_counter.reset()
    won = await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    limit = await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    sold_out = await buy(client, bob, campaign_id, sku, buy_token(ctx, campaign_id, bob.id))
    forged = await buy(client, bob, campaign_id, sku, "forged")
    assert [r.status_code for r in (won, limit, sold_out, forged)] == [202, 409, 409, 403]
    assert sql_counter.statements == []


async def test_the_buy_route_is_documented_and_measured(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/api/v1/flash-sales/{campaign_id}/buy"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "sku_id",
        "token",
    ]
    assert [p["name"] for p in operation["parameters"]] == ["campaign_id"]
    assert set(operation["responses"]) == {"202", "401", "403", "404", "409", "422", "429", "503"}
    alice = await shopper(client, "alice")
    for bad in ("0", "x1", "9" * 20):
        response = await client.post(
            f"/api/v1/flash-sales/{bad}/buy",
            json={"sku_id": 1, "token": "t"},
            headers=alice.headers,
        )
        assert (response.status_code, response.json()["code"]) == (422, "request.invalid")
    malformed = await client.post(
        "/api/v1/flash-sales/1/buy", content=b"{not json", headers=alice.headers
    )
    assert (malformed.status_code, malformed.json()["code"]) == (422, "request.malformed_json")
    missing = await client.post("/api/v1/flash-sales/1/buy", json={"sku_id": 1, "token": "t"})
    assert (missing.status_code, missing.json()["code"]) == (401, "auth.unauthorized")
    assert missing.headers["www-authenticate"] == "Bearer"
    metrics = (await client.get("/metrics")).text
    assert 'route="/flash-sales/{campaign_id}/buy",status="422"} 4.0' in metrics
    assert 'route="/flash-sales/{campaign_id}/buy",status="401"} 1.0' in metrics


async def test_an_unreachable_redis_sheds_buys_with_503(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx)
    campaign_id = await make_campaign(ctx, [sku], stock=3)
    await go_live(ctx, campaign_id)
    alice = await shopper(client, "alice")
    runtime = runtime_of(ctx)
    assert await runtime.edge.campaign(campaign_id) is not None  # known to this edge
    live, dead = runtime.store, Redis.from_url("redis://127.0.0.1:1/0")
    runtime.store = RedisFlashStore(dead)
    before = await snapshot(ctx)
    try:
        response = await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    finally:
        runtime.store = live
        await dead.aclose()
    assert (response.status_code, response.json()["code"]) == (503, "flashsale.busy")
    assert response.headers["retry-after"] == "1"
    assert await snapshot(ctx) == before
    assert await live.remaining(campaign_id) == {sku.sku_id: 3}
