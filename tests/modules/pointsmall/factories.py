"""Plain async helpers for the points-mall tests (no tests here): items through the console
API, exchanges through the storefront API, direct reads of the mall's tables."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.pointsmall.models import MallExchange, MallItem
from tests.modules.orders.factories import Shopper

ITEMS = "/api/v1/console/points-mall/items"
SHOP_ITEMS = "/api/v1/points-mall/items"
MY_EXCHANGES = "/api/v1/me/points-mall/exchanges"
MALL_TABLES = ("pointsmall_item", "pointsmall_usage", "pointsmall_exchange")


def item_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "满100减20券",
        "kind": "coupon",
        "points_price": 500,
        "cash_price": 0,
        "stock": 10,
        "per_member_limit": 5,
    }
    body.update(overrides)
    return body


async def make_item(
    client: httpx.AsyncClient, staff: dict[str, str], *, on_sale: bool = True, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(ITEMS, json=item_body(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    if on_sale:
        response = await client.post(
            f"{ITEMS}/{item['id']}/status", json={"status": "on_sale"}, headers=staff
        )
        assert response.status_code == 200, response.text
        item = response.json()
    return item


def new_request_id() -> str:
    return f"req-{uuid.uuid4().hex}"


async def exchange(
    client: httpx.AsyncClient,
    who: Shopper,
    item_id: int,
    *,
    quantity: int = 1,
    request_id: str | None = None,
    address: bool = False,
) -> httpx.Response:
    body: dict[str, Any] = {"request_id": request_id or new_request_id(), "quantity": quantity}
    if address:
        body["address_id"] = who.address_id
    return await client.post(f"{SHOP_ITEMS}/{item_id}/exchange", json=body, headers=who.headers)


async def item_row(ctx: AppContext, item_id: int) -> MallItem:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(MallItem).where(MallItem.id == item_id))
    assert row is not None
    return row


async def exchange_rows(ctx: AppContext, member_id: int) -> list[MallExchange]:
    async with ctx.sessionmaker() as s:
        return list(
            await s.scalars(
                select(MallExchange)
                .where(MallExchange.member_id == member_id)
                .order_by(MallExchange.id)
            )
        )
