"""Plain async factories for the 智能问数 tests (no tests here): a small shop (服饰 with its
sub-category 女装, 数码; a product in each) and orders written straight into orders' tables at
known times, regions, channels and amounts. Member ids need no member rows for orders."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.members.models import Member
from shoplet.modules.orders.models import Order, OrderLine
from tests.modules.catalog.factories import make_category, make_product, sku

ASK = "/api/v1/console/insights/ask"
_numbers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Store:
    apparel: int  # 服饰
    dresses: int  # 女装, under 服饰
    digital: int  # 数码
    tee: int  # product in 服饰
    dress: int  # product in 女装
    phone: int  # product in 数码
    sku: int


async def make_store(ctx: AppContext, suffix: str = "") -> Store:
    apparel = await make_category(ctx, f"服饰{suffix}")
    dresses = await make_category(ctx, f"女装{suffix}", parent_id=apparel)
    digital = await make_category(ctx, f"数码{suffix}")
    tee = await make_product(ctx, apparel, title=f"纯棉T恤{suffix}", skus=[sku(9900)])
    dress = await make_product(ctx, dresses, title=f"碎花连衣裙{suffix}", skus=[sku(19900)])
    phone = await make_product(ctx, digital, title=f"拍照手机{suffix}", skus=[sku(199900)])
    return Store(apparel, dresses, digital, tee.id, dress.id, phone.id, tee.skus[0].id)


@dataclass(frozen=True, slots=True)
class Line:
    product_id: int
    quantity: int
    payable: int
    title: str = "商品"


@dataclass(frozen=True, slots=True)
class Placed:
    """One order: lines, paid at ``paid_at`` (None: placed at ``created_at`` and never paid),
    delivered to ``region`` (a district code), through ``source``, refunded ``refunded``."""

    member_id: int
    lines: Sequence[Line]
    paid_at: datetime | None
    region: str = "310101"  # 上海 黄浦区 (华东)
    source: str = "cart"
    shipping: int = 0
    refunded: int = 0
    created_at: datetime | None = None


async def add_orders(session: AsyncSession, orders: Sequence[Placed], sku_id: int) -> None:
    for o in orders:
        number = f"Q{next(_numbers):012d}"
        items = sum(line.payable for line in o.lines)
        created = o.created_at or (o.paid_at - timedelta(minutes=5) if o.paid_at else None)
        assert created is not None
        row: dict[str, Any] = {
            "order_no": number,
            "member_id": o.member_id,
            "status": "completed" if o.paid_at else "cancelled",
            "source": o.source,
            "items_total": items,
            "shipping_fee": o.shipping,
            "discount_total": 0,
            "payable_total": items + o.shipping,
            "refunded_total": o.refunded,
            "aftersale_claimed_total": 0,
            "address_encrypted": "x",
            "phone_index": "x",
            "region_code": o.region,
            "idempotency_key": number,
            "request_hash": number,
            "created_at": created,
            "expires_at": created + timedelta(minutes=30),
            "paid_at": o.paid_at,
            "updated_at": created,
        }
        order_id = await session.scalar(insert(Order).values(**row).returning(Order.id))
        await session.execute(
            insert(OrderLine),
            [
                {
                    "order_id": order_id,
                    "sku_id": sku_id,
                    "product_id": line.product_id,
                    "title": line.title,
                    "spec_text": "",
                    "unit_price": line.payable // line.quantity,
                    "quantity": line.quantity,
                    "line_total": line.payable,
                    "discount": 0,
                    "payable": line.payable,
                }
                for line in o.lines
            ],
        )


async def add_members(session: AsyncSession, created: Sequence[datetime]) -> None:
    for i, at in enumerate(created):
        await session.execute(
            insert(Member).values(nickname=f"新会员{i}", created_at=at, last_login_at=at)
        )
