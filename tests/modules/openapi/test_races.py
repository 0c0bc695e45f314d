"""Races on PostgreSQL and Redis: N concurrent calls over an app's limit, exactly the limit
pass; one Idempotency-Key sent by many clients at once adjusts stock once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.openapi.factories import OPEN, make_app, owner, signed_headers
from tests.modules.orders.factories import level, one_sku

LIMIT = 7
CALLS = 30


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the races run on PostgreSQL and Redis")


async def test_concurrent_calls_over_the_limit_let_exactly_the_limit_through(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    assert backend_db.redis_url, "the rate limit race needs Redis"
    partner = await make_app(client, await owner(client, ctx), rate_limit=LIMIT)
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 20) as app:
        transport = httpx.ASGITransport(app=app)

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                headers = signed_headers(
                    partner["app_key"], partner["app_secret"], "GET", f"{OPEN}/products"
                )
                await start.wait()
                return await c.get(f"{OPEN}/products", headers=headers)

        tasks = [asyncio.create_task(go()) for _ in range(CALLS)]
        start.set()
        responses = await asyncio.gather(*tasks)
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes == {200: LIMIT, 429: CALLS - LIMIT}
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["code"] == "openapi.rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1


async def test_one_idempotency_key_from_many_clients_adjusts_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    partner = await make_app(client, await owner(client, ctx))
    sku_id = await one_sku(ctx, stock=10)
    path = f"{OPEN}/skus/{sku_id}/stock-adjustments"
    body = json.dumps({"delta": 4, "reason": "ERP 入库"}).encode()
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 20) as app:
        transport = httpx.ASGITransport(app=app)

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                headers: dict[str, Any] = {
                    **signed_headers(
                        partner["app_key"], partner["app_secret"], "POST", path, body=body
                    ),
                    "Content-Type": "application/json",
                    "Idempotency-Key": "the-one-key",
                }
                await start.wait()
                return await c.post(path, content=body, headers=headers)

        tasks = [asyncio.create_task(go()) for _ in range(12)]
        start.set()
        responses = await asyncio.gather(*tasks)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    assert {r.json()["on_hand"] for r in responses} == {14}
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 11
    assert await level(ctx, sku_id) == (14, 0)
