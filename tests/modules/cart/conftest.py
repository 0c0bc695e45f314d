"""Cart test factories: products through the catalog's public API, shoppers through the real
login flow, guests by token."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.cart.models import CartLine, Favorite
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from tests.modules.catalog.factories import make_category, make_product, sku
from tests.modules.members.conftest import bearer, wechat_login

CART = "/api/v1/cart"
LINES = "/api/v1/cart/lines"
SELECTION = "/api/v1/cart/selection"
MERGE = "/api/v1/cart/merge"
COUNT = "/api/v1/cart/count"
FAVORITES = "/api/v1/me/favorites"

GUEST_TOKEN = "guest-Token_0123456789abcdef"
OTHER_GUEST_TOKEN = "another-guest-token-9876543210"


def guest(token: str = GUEST_TOKEN) -> dict[str, str]:
    return {"X-Cart-Token": token}


async def member(client: httpx.AsyncClient, name: str = "alice") -> tuple[int, dict[str, str]]:
    """A signed-in shopper: (member id, auth headers)."""
    tokens = await wechat_login(client, name)
    return int(tokens["member"]["id"]), bearer(tokens)


async def product(
    ctx: AppContext,
    *prices_and_stock: tuple[int, int],
    title: str = "纯棉圆领短袖T恤 男女同款",
    status: str = "on_sale",
) -> catalog.ProductAdmin:
    """A product with one SKU per (price, stock), specs 尺码=S, M, L, ..."""
    category_id = await make_category(ctx, "服饰")
    sizes = ["S", "M", "L", "XL", "XXL", "3XL"]
    return await make_product(
        ctx,
        category_id,
        title=title,
        status=status,
        skus=[
            sku(price, ("尺码", sizes[i]), stock=stock)
            for i, (price, stock) in enumerate(prices_and_stock)
        ],
    )


async def one_sku(ctx: AppContext, price: int = 5900, stock: int = 10) -> int:
    made = await product(ctx, (price, stock))
    return made.skus[0].id


async def set_price(ctx: AppContext, product_id: int, prices: dict[int, int]) -> None:
    """Change SKU prices through the catalog's own update (the console's path)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        current = await catalog.get_product_admin(s, product_id)
        await catalog.update_product(
            s,
            product_id,
            catalog.ProductUpdate(
                skus=[
                    catalog.SkuUpdate(
                        id=k.id,
                        specs=[catalog.SpecValue(name=p.name, value=p.value) for p in k.specs],
                        price=prices.get(k.id, k.price),
                        original_price=max(prices.get(k.id, k.price), k.original_price),
                        barcode=k.barcode,
                        weight_grams=k.weight_grams,
                        image=k.image,
                        is_active=k.is_active,
                    )
                    for k in current.skus
                ]
            ),
            actor="test",
        )


async def set_status(ctx: AppContext, product_id: int, status: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await catalog.set_product_status(s, product_id, status, actor="test")


async def adjust_stock(ctx: AppContext, sku_id: int, delta: int) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.adjust_stock(s, sku_id=sku_id, delta=delta, reason="盘点", actor="test")


async def add(
    client: httpx.AsyncClient, headers: dict[str, str], sku_id: int, quantity: int = 1
) -> dict[str, Any]:
    response = await client.post(
        LINES, json={"sku_id": sku_id, "quantity": quantity}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_cart(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(CART, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def cart_rows(ctx: AppContext) -> list[CartLine]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(CartLine).order_by(CartLine.id))).all())


async def favorite_rows(ctx: AppContext) -> list[Favorite]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(Favorite).order_by(Favorite.id))).all())
