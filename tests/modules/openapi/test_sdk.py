"""The Python SDK (sdk/python/shoplet_open) and the example partner script against the app:
signed calls, paging, a lost answer retried with the same Idempotency-Key (applied once)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.modules.openapi.factories import make_app, owner
from tests.modules.orders.factories import level, product

SDK = Path(__file__).resolve().parents[3] / "sdk" / "python"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


sdk = _load("shoplet_open", SDK / "shoplet_open" / "__init__.py")
example = _load("shoplet_open_sync_stock", SDK / "examples" / "sync_stock.py")


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """Delivers every request, but answers the first write with a 503 (its real answer lost
    on the way back), as a flaky gateway would."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.lost = 0
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            self.keys.append(request.headers["Idempotency-Key"])
            if self.lost == 0:
                self.lost += 1
                await response.aread()
                return httpx.Response(503, json={"code": "gateway.unavailable"})
        return response


@pytest.fixture
async def partner(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, Any]:
    return await make_app(client, await owner(client, ctx))


async def test_sdk_retries_a_lost_write_with_the_same_key(
    app: FastAPI, ctx: AppContext, partner: dict[str, Any]
) -> None:
    _, skus = await product(ctx, (5900, 10), (6900, 3))
    transport = LoseFirstAnswer(app)
    async with sdk.ShopletOpen(
        "http://shoplet.test",
        partner["app_key"],
        partner["app_secret"],
        transport=transport,
        backoff=0,
    ) as shop:
        products = [p async for p in shop.iterate("/products", {"limit": 1})]
        assert len(products) == 1
        after = await shop.adjust_stock(skus[0], delta=-4, reason="破损")
        assert after["on_hand"] == 6
        with pytest.raises(sdk.ShopletOpenError) as refused:
            await shop.get("/orders/1")
        assert refused.value.status == 404
    assert len(transport.keys) == 2
    assert transport.keys[0] == transport.keys[1]
    assert await level(ctx, skus[0]) == (6, 0)


async def test_example_syncs_stock_once(
    app: FastAPI, ctx: AppContext, partner: dict[str, Any]
) -> None:
    _, skus = await product(ctx, (5900, 10), (6900, 3))
    counts = {skus[0]: 12, skus[1]: 3, 999_999: 1}
    async with sdk.ShopletOpen(
        "http://shoplet.test",
        partner["app_key"],
        partner["app_secret"],
        transport=httpx.ASGITransport(app=app),
    ) as shop:
        report = await example.sync(shop, counts, "run-1")
        assert report == [
            f"{skus[0]}: 10 -> 12",
            f"{skus[1]}: in sync (3)",
            "999999: skipped (inventory.stock_not_found)",
        ]
        # The same run again (after a crash, say): in sync now, nothing applied twice.
        again = await example.sync(shop, counts, "run-1")
        assert again[0] == f"{skus[0]}: in sync (12)"
    assert await level(ctx, skus[0]) == (12, 0)
