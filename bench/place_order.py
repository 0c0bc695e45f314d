"""Bench row "Place order": ``POST /api/v1/orders`` (buy now, one line) under load.

Registered with the harness (``bench/scenarios.py`` imports this module), so ``make bench``
measures it over loopback with wrk like every row and writes it to docs/benchmarks.md: p50/p99
and, in process, the SQL statements of the first (real) order. Every request carries its own
``Idempotency-Key`` (``bench/wrk_report.lua`` fills ``{seq}`` per request), so each one places a
new order and holds stock: the SKU gets ten million units first. All orders hit one SKU row,
i.e. the contended case of a popular product, not the easy one.

``python -m bench.place_order [N]`` is the quiet-machine figure: N orders one after another in
process (no server, no wrk), reporting p50/p99 and statements per order on the same backend.

Targets (task G2b): p50 <= 30 ms, p99 <= 150 ms, <= 15 SQL statements per order.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import event

from bench.scenarios import LoadRequest, PrepareContext, ScenarioSkipped, get_json, scenario

BENCH_STOCK = 10_000_000
ORDERS = "/api/v1/orders"
TOKEN_TTL = timedelta(hours=6)  # outlives the whole run (the login's token lasts 15 minutes)
ADDRESS = {
    "recipient": "压测买家",
    "phone": "13800138000",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "region_code": "440305",
    "detail": "科技园南区一号",
    "postal_code": "518057",
}


async def _first_sku(ctx: PrepareContext) -> int:
    page = await get_json(ctx, "/api/v1/products?limit=20")
    items = page.get("items") if isinstance(page, dict) else None
    if not items:
        raise ScenarioSkipped("no product to order: no seeded catalog")
    for item in items:
        detail = await get_json(ctx, f"/api/v1/products/{item['id']}")
        for sku in detail.get("skus", []):
            if sku.get("is_active", True):
                return int(sku["id"])
    raise ScenarioSkipped("no active SKU among the first products")


async def _stock_up(sku_id: int) -> None:
    """Give the bench SKU ten million units (one ledgered adjustment), so the run never sells
    out; the database is the bench's own, rebuilt on every run."""
    from bench.runner import _settings, detect_backend
    from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
    from shoplet.modules.inventory import public as inventory

    backend = await detect_backend()
    engine = create_engine(_settings(backend).resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            level = (await inventory.get_levels(session, [sku_id])).get(sku_id)
            if level is None:
                raise ScenarioSkipped(f"SKU {sku_id} has no stock row")
            if level.available < BENCH_STOCK:
                await inventory.adjust_stock(
                    session,
                    sku_id=sku_id,
                    delta=BENCH_STOCK - level.available,
                    reason="bench: place_order",
                    actor="bench",
                )
    finally:
        await engine.dispose()


async def _long_token(member_id: int) -> str:
    from bench.runner import _settings, detect_backend
    from shoplet.core.security import TokenSigner

    settings = _settings(await detect_backend())
    return TokenSigner(settings.resolved_secret_key).issue(
        subject=str(member_id), audience="storefront", ttl=TOKEN_TTL
    )


async def prepare_buyer(client: httpx.AsyncClient) -> tuple[int, int]:
    """A shopper signed in through the WeChat simulator with one address: (member id, address
    id)."""
    login = await client.post("/api/v1/auth/wechat-login", json={"code": "test-bench-buyer"})
    if login.status_code != 200:
        raise ScenarioSkipped(f"WeChat login failed: {login.status_code} {login.text[:200]}")
    tokens = login.json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    created = await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
    if created.status_code != 201:
        raise ScenarioSkipped(f"address failed: {created.status_code} {created.text[:200]}")
    return int(tokens["member"]["id"]), int(created.json()["id"])


def order_request(token: str, address_id: int, sku_id: int, key: str) -> LoadRequest:
    body = {"address_id": address_id, "items": [{"sku_id": sku_id, "quantity": 1}]}
    return LoadRequest(
        ORDERS,
        method="POST",
        body=orjson.dumps(body),
        headers=(
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", key),
        ),
    )


async def place_order(ctx: PrepareContext) -> LoadRequest:
    sku_id = await _first_sku(ctx)
    await _stock_up(sku_id)
    member_id, address_id = await prepare_buyer(ctx.client)
    token = await _long_token(member_id)
    # In process the key stays literally "bench-{seq}": the first request is a real order (its
    # statements are the row's "cold" SQL figure), the rest are idempotent replays of it.
    request = order_request(token, address_id, sku_id, "bench-{seq}")
    response = await ctx.client.request(
        request.method, request.path, content=request.body, headers=dict(request.headers)
    )
    if response.status_code == 404 and response.json().get("code") == "http.not_found":
        raise ScenarioSkipped("POST /orders is not there yet")
    if response.status_code != 201:
        raise ScenarioSkipped(
            f"POST /orders answered {response.status_code}: {response.text[:200]}"
        )
    # The request the harness times: a fresh key each time (see wrk_report.lua).
    return order_request(token, address_id, sku_id, f"bench-{uuid.uuid4().hex[:8]}-{{seq}}")


if __name__ != "__main__":  # run as a script, the harness's import registers it
    scenario(
        "place_order",
        "Place order (buy now, 1 line, one hot SKU; p50 target 30 ms)",
        p99_target_ms=150,
    )(place_order)


# -- python -m bench.place_order ---------------------------------------------------------------


async def _fresh_schema(backend: Any) -> None:
    """The schema straight from the models (the harness prefers the migrations, which may lag
    behind modules written since they were last generated), so this measures the code as is."""
    from sqlalchemy import text

    from bench.runner import DATA_DIR
    from shoplet.all_models import load_all_models
    from shoplet.core.db import create_engine

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if backend.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (DATA_DIR / f"shoplet.db{suffix}").unlink(missing_ok=True)
    engine = create_engine(backend.database_url)
    try:
        async with engine.begin() as conn:
            if backend.name != "sqlite":
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await conn.run_sync(load_all_models().metadata.create_all)
    finally:
        await engine.dispose()


async def measure_in_process(count: int) -> dict[str, Any]:
    """``count`` orders one after another against the app in process: latency and SQL."""
    from bench.runner import _settings, detect_backend, seed
    from shoplet.app import create_app

    backend = await detect_backend()
    await _fresh_schema(backend)
    await seed(backend)
    app = create_app(_settings(backend))
    latencies: list[float] = []
    statements: list[int] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            prepare = PrepareContext(client)
            sku_id = await _first_sku(prepare)
            await _stock_up(sku_id)
            member_id, address_id = await prepare_buyer(client)
            token = await _long_token(member_id)
            engine = app.state.ctx.engine
            counted = 0

            def on_statement(*_args: Any) -> None:
                nonlocal counted
                counted += 1

            event.listen(engine.sync_engine, "before_cursor_execute", on_statement)
            try:
                for i in range(count):
                    req = order_request(token, address_id, sku_id, f"bench-seq-{i:08d}")
                    counted = 0
                    start = time.perf_counter()
                    response = await client.post(
                        req.path, content=req.body, headers=dict(req.headers)
                    )
                    latencies.append((time.perf_counter() - start) * 1000)
                    statements.append(counted)
                    if response.status_code != 201:
                        raise RuntimeError(f"order {i}: {response.status_code} {response.text}")
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", on_statement)
    ordered = sorted(latencies)
    return {
        "backend": backend.name,
        "orders": count,
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "sql_per_order": max(statements),
    }


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 300
    result = asyncio.run(measure_in_process(count))
    print(
        f"place_order on {result['backend']}: {result['orders']} orders in process, "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"{result['sql_per_order']} SQL statements per order (targets: 30 ms, 150 ms, 15)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
