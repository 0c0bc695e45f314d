"""Stores test helpers: a store through the console, its stock, a pickup order placed and
paid through the storefront."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.stores.geo import SHOP_TZ
from shoplet.modules.stores.models import StoreOrder
from tests.modules.orders.factories import ORDERS, Shopper, new_key
from tests.modules.staff.conftest import bearer, token_for

CONSOLE = "/api/v1/console"
# 人民广场 and 陆家嘴, Shanghai (GCJ-02 as a phone's map gives them).
PEOPLE_SQUARE = (31.232_000, 121.475_000)
LUJIAZUI = (31.239_700, 121.499_700)
ALL_DAY = [{"closed": False, "open": "00:00", "close": "23:59"}] * 7


def store_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "人民广场店",
        "address": "上海市黄浦区南京东路1号",
        "phone": "021-63210000",
        "lat": PEOPLE_SQUARE[0],
        "lng": PEOPLE_SQUARE[1],
        "hours": ALL_DAY,
        "staff_ids": [],
        "pickup_enabled": True,
        "delivery_radius_m": 5000,
        "fee_per_km": 300,
    }
    body.update(overrides)
    return body


@dataclass(frozen=True)
class Console:
    headers: dict[str, str]
    staff_id: int


async def console(
    client: httpx.AsyncClient, ctx: AppContext, username: str, role: str = "operator"
) -> Console:
    headers = bearer(await token_for(client, ctx, username, role=role))
    me = await client.get(f"{CONSOLE}/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    return Console(headers=headers, staff_id=int(me.json()["id"]))


async def make_store(client: httpx.AsyncClient, staff: Console, **overrides: Any) -> int:
    response = await client.post(
        f"{CONSOLE}/stores", json=store_body(**overrides), headers=staff.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def set_stock(
    client: httpx.AsyncClient, staff: Console, store_id: int, sku_id: int, quantity: int
) -> httpx.Response:
    return await client.put(
        f"{CONSOLE}/stores/{store_id}/stock/{sku_id}",
        json={"quantity": quantity},
        headers=staff.headers,
    )


def tomorrow_at(hour: int) -> datetime:
    local = (utcnow() + timedelta(days=1)).astimezone(SHOP_TZ)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def pickup(store_id: int, start: datetime | None = None) -> dict[str, Any]:
    return {
        "method": "pickup",
        "store_id": store_id,
        "window_start": (start or tomorrow_at(10)).isoformat(),
    }


async def place_with(
    client: httpx.AsyncClient, who: Shopper, items: list[tuple[int, int]], delivery: Any
) -> httpx.Response:
    body = {
        "address_id": who.address_id,
        "items": [{"sku_id": s, "quantity": q} for s, q in items],
        "delivery": delivery,
    }
    return await client.post(
        ORDERS, json=body, headers={**who.headers, "Idempotency-Key": new_key()}
    )


async def store_order(ctx: AppContext, order_no: str) -> StoreOrder:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(StoreOrder).where(StoreOrder.order_no == order_no))
    assert row is not None
    return row
