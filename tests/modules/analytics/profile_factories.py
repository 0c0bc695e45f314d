"""Factories of the profile tests: paid orders with lines written directly (any day, any
refund), categories and products, the staff headers."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import insert

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.orders.models import Order, OrderLine
from tests.modules.catalog.factories import make_category, make_product, sku

_numbers = itertools.count(1)


async def catalog_products(ctx: AppContext) -> dict[str, int]:
    """Products under 母婴 › 奶粉 and 服饰 (top level): {name: product id}."""
    mum = await make_category(ctx, "母婴")
    milk = await make_category(ctx, "奶粉", parent_id=mum)
    clothes = await make_category(ctx, "服饰")
    out = {}
    for name, category in (("milk", milk), ("shirt", clothes)):
        made = await make_product(
            ctx, category, title=f"商品{name}", skus=[sku(1000, ("规格", "一"))]
        )
        out[name] = made.id
    return out


async def paid_order(
    ctx: AppContext,
    member_id: int,
    *,
    days_ago: float,
    lines: list[tuple[int, int]],
    refunded: int = 0,
    discount: int = 0,
    region: str = "110101",
    now: datetime | None = None,
) -> str:
    """A paid order of (product id, payable fen) lines; ``discount`` already taken off them."""
    number = f"P{next(_numbers):012d}"
    paid_at = (now or utcnow()) - timedelta(days=days_ago)
    payable = sum(p for _, p in lines)
    async with unit_of_work(ctx.sessionmaker) as s:
        order_id = (
            await s.execute(
                insert(Order)
                .values(
                    order_no=number,
                    member_id=member_id,
                    status="refunded" if refunded and refunded == payable else "completed",
                    source="cart",
                    items_total=payable + discount,
                    shipping_fee=0,
                    discount_total=discount,
                    payable_total=payable,
                    refunded_total=refunded,
                    aftersale_claimed_total=refunded,
                    address_encrypted="x",
                    phone_index="x",
                    region_code=region,
                    idempotency_key=number,
                    request_hash=number,
                    created_at=paid_at - timedelta(minutes=5),
                    expires_at=paid_at + timedelta(minutes=25),
                    paid_at=paid_at,
                    updated_at=paid_at,
                )
                .returning(Order.id)
            )
        ).scalar_one()
        for i, (product_id, fen) in enumerate(lines):
            await s.execute(
                insert(OrderLine).values(
                    order_id=order_id,
                    sku_id=product_id * 100 + i,
                    product_id=product_id,
                    title="x",
                    spec_text="",
                    image=None,
                    unit_price=fen,
                    quantity=1,
                    line_total=fen,
                    discount=0,
                    payable=fen,
                )
            )
    return number
