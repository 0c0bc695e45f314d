"""Plain async factories for order and checkout tests: shoppers through the real WeChat login and
address API, products through the catalog, orders through ``POST /orders``, payments through
the WeChat Pay simulator, and consistency checks of stock and its ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.inventory import public as inventory
from shoplet.modules.inventory.models import LedgerEntryRow, Reservation, Stock
from shoplet.modules.orders.models import Order
from shoplet.modules.payments import public as payments
from tests.modules.catalog.factories import make_category, make_product, sku
from tests.modules.members.conftest import ADDRESS, bearer, create_address, wechat_login

ORDERS = "/api/v1/orders"
PREVIEW = "/api/v1/checkout/preview"
CART_LINES = "/api/v1/cart/lines"


@dataclass(frozen=True)
class Shopper:
    member_id: int
    headers: dict[str, str]
    address_id: int


async def shopper(client: httpx.AsyncClient, name: str = "alice", **address: Any) -> Shopper:
    """A member signed in with WeChat, with one (default) address."""
    tokens = await wechat_login(client, name)
    created = await create_address(client, tokens, **address)
    return Shopper(
        member_id=int(tokens["member"]["id"]),
        headers=bearer(tokens),
        address_id=int(created["id"]),
    )


async def product(
    ctx: AppContext, *prices_and_stock: tuple[int, int], title: str = "纯棉圆领短袖T恤"
) -> tuple[int, list[int]]:
    """A product on sale with one SKU per (price, stock): (product id, SKU ids)."""
    category_id = await make_category(ctx, "服饰")
    sizes = ["S", "M", "L", "XL", "XXL"]
    made = await make_product(
        ctx,
        category_id,
        title=title,
        skus=[
            sku(price, ("尺码", sizes[i]), stock=stock)
            for i, (price, stock) in enumerate(prices_and_stock)
        ],
    )
    return made.id, [s.id for s in made.skus]


async def one_sku(ctx: AppContext, price: int = 5900, stock: int = 10) -> int:
    _, [sku_id] = await product(ctx, (price, stock))
    return sku_id


def new_key() -> str:
    return f"order-{uuid.uuid4()}"


async def place(
    client: httpx.AsyncClient,
    who: Shopper,
    items: list[tuple[int, int]] | None = None,
    *,
    key: str | None = None,
    remark: str | None = None,
    address_id: int | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"address_id": address_id or who.address_id}
    if items is not None:
        body["items"] = [{"sku_id": s, "quantity": q} for s, q in items]
    if remark is not None:
        body["remark"] = remark
    return await client.post(
        ORDERS, json=body, headers={**who.headers, "Idempotency-Key": key or new_key()}
    )


async def placed(
    client: httpx.AsyncClient, who: Shopper, items: list[tuple[int, int]] | None = None, **kw: Any
) -> dict[str, Any]:
    response = await place(client, who, items, **kw)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_to_cart(
    client: httpx.AsyncClient, who: Shopper, sku_id: int, quantity: int = 1
) -> None:
    response = await client.post(
        CART_LINES, json={"sku_id": sku_id, "quantity": quantity}, headers=who.headers
    )
    assert response.status_code == 200, response.text


def simulator(app: FastAPI) -> WeChatPaySimulator:
    integrations: Integrations = app.state.integrations
    assert integrations.wechat_pay_simulator is not None
    return integrations.wechat_pay_simulator


async def start_payment(
    client: httpx.AsyncClient, who: Shopper, order_no: str, channel: str = "wechat_jsapi"
) -> dict[str, Any]:
    response = await client.post(
        f"{ORDERS}/{order_no}/pay", json={"channel": channel}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def pay(
    client: httpx.AsyncClient, ctx: AppContext, who: Shopper, order_no: str
) -> dict[str, Any]:
    """The shopper pays in WeChat (simulator), the notify reaches the app, events settle."""
    started = await start_payment(client, who, order_no)
    response = await client.post("/_sim/wechatpay/pay", json={"prepay_id": started["prepay_id"]})
    assert response.status_code == 200, response.text
    assert response.json()["notify"]["status_code"] == 204, response.text
    await payments.settle(ctx)
    return started


async def get_order(client: httpx.AsyncClient, who: Shopper, order_no: str) -> dict[str, Any]:
    response = await client.get(f"{ORDERS}/{order_no}", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def order_row(ctx: AppContext, order_no: str) -> Order:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(Order).where(Order.order_no == order_no))
    assert row is not None
    return row


async def level(ctx: AppContext, sku_id: int) -> tuple[int, int]:
    """(on_hand, reserved) of a SKU."""
    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, [sku_id])
    return levels[sku_id].on_hand, levels[sku_id].reserved


async def assert_ledger_balanced(ctx: AppContext) -> None:
    """Every SKU's ledger sums to its stock row, and active reservations sum to ``reserved``."""
    async with ctx.sessionmaker() as s:
        stock = {r.sku_id: (r.on_hand, r.reserved) for r in await s.scalars(select(Stock))}
        sums = {
            sku_id: (int(on_hand), int(reserved))
            for sku_id, on_hand, reserved in await s.execute(
                select(
                    LedgerEntryRow.sku_id,
                    func.sum(LedgerEntryRow.delta_on_hand),
                    func.sum(LedgerEntryRow.delta_reserved),
                ).group_by(LedgerEntryRow.sku_id)
            )
        }
        held = {
            sku_id: int(quantity)
            for sku_id, quantity in await s.execute(
                select(Reservation.sku_id, func.sum(Reservation.quantity))
                .where(Reservation.status == "active")
                .group_by(Reservation.sku_id)
            )
        }
    assert sums == stock
    assert {k: v[1] for k, v in stock.items() if v[1]} == held


# The shopper's own address, as their checkout and orders show it: in clear.
ADDRESS_SHOWN = {
    "recipient": ADDRESS["recipient"],
    "phone": ADDRESS["phone"],
    "province": ADDRESS["province"],
    "city": ADDRESS["city"],
    "district": ADDRESS["district"],
    "region_code": ADDRESS["region_code"],
    "detail": ADDRESS["detail"],
    "postal_code": ADDRESS["postal_code"],
    "is_masked": False,
}
