"""Plain async factories for the insights tests (no tests here): a shop whose paid orders,
promotion and coupon snapshots, points and growth ledgers are written straight into the owning
modules' tables, so a test (or the benchmark) can lay out thousands of orders at known times
with known figures. Member ids need no member rows: none of these tables refers to one."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.security import PiiCipher
from shoplet.modules.catalog.models import Sku
from shoplet.modules.loyalty.models import PointsEntry
from shoplet.modules.membership.models import Account, GrowthEntry
from shoplet.modules.orders.models import Order, OrderLine
from shoplet.modules.promotions.models import (
    Coupon,
    CouponTemplate,
    OrderRule,
    Promotion,
    Redemption,
)
from tests.modules.catalog.factories import make_category, make_product, sku

COSTS = "/api/v1/console/insights/benefit-costs"
SIMULATE = f"{COSTS}/simulate"

_numbers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Shop:
    costed_sku: int  # cost price known (COST fen)
    uncosted_sku: int  # no cost price
    promotion_id: int
    coupon_id: int


COST = 3000


async def make_shop(ctx: AppContext) -> Shop:
    category_id = await make_category(ctx, "服饰")
    made = await make_product(
        ctx, category_id, skus=[sku(10000, ("尺码", "M"), stock=10), sku(5000, ("尺码", "L"))]
    )
    costed, uncosted = (s.id for s in made.skus)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Sku).where(Sku.id == costed).values(cost_price=COST))
        promotion_id = await s.scalar(
            insert(Promotion)
            .values(
                name="满减",
                kind="full_reduction",
                # Its own product only, and stopped (orders carry their savings): the browser
                # tests share one shop with this data.
                scope="products",
                scope_ids=[made.id],
                config={"tiers": [[10000, 1000]]},  # the shape campaigns.create writes
                per_shopper_limit=None,
                starts_at=now - timedelta(days=400),
                ends_at=now + timedelta(days=10),
                status="stopped",
                created_by="test",
                created_at=now,
                updated_at=now,
            )
            .returning(Promotion.id)
        )
        template_id = await s.scalar(
            insert(CouponTemplate).values(**_template(now)).returning(CouponTemplate.id)
        )
        coupon_id = await s.scalar(
            insert(Coupon)
            .values(
                template_id=template_id,
                member_id=1,
                seq=1,
                source="claim",
                state="unused",
                valid_from=now - timedelta(days=400),
                valid_to=now + timedelta(days=10),
                claimed_at=now,
                updated_at=now,
            )
            .returning(Coupon.id)
        )
    assert promotion_id is not None
    assert coupon_id is not None
    return Shop(costed, uncosted, promotion_id, coupon_id)


def _template(now: datetime) -> dict[str, Any]:
    return {
        "name": "满100减20",
        "kind": "threshold",
        "scope": "all",
        "scope_ids": [],
        "threshold": 10000,
        "amount": 2000,
        "valid_days": 7,
        "total_quota": 100,
        "per_shopper_limit": 1,
        "is_new_customer_only": False,
        "is_claimable": False,
        "status": "stopped",
        "created_by": "test",
        "created_at": now,
        "updated_at": now,
    }


@dataclass(frozen=True, slots=True)
class Paid:
    """One paid order: ``quantity`` of the costed SKU at 100 yuan (and ``uncosted`` of the
    other at 50), paid at ``paid_at``, with its snapshots."""

    member_id: int
    paid_at: datetime
    quantity: int = 1
    uncosted: int = 0
    shipping_fee: int = 0
    promotion_saving: int = 0
    coupon_discount: int = 0
    coupon_shipping: int = 0
    points: int = 0


ADDRESS = {
    "recipient": "王成本",
    "phone": "13800138000",
    "province": "北京市",
    "city": "北京市",
    "district": "东城区",
    "region_code": "110101",
    "detail": "东长安街 1 号",
    "postal_code": None,
}


async def add_orders(
    session: AsyncSession, shop: Shop, orders: Sequence[Paid], *, pii: PiiCipher | None = None
) -> list[str]:
    """Write the orders (status completed) and their snapshots in bulk; their numbers. With
    ``pii``, each carries a readable address (the console's order lists show them)."""
    address = pii.encrypt(orjson.dumps(ADDRESS).decode()) if pii is not None else "x"
    order_rows: list[dict[str, Any]] = []
    numbers = []
    for o in orders:
        number = f"T{next(_numbers):012d}"
        numbers.append(number)
        items = o.quantity * 10000 + o.uncosted * 5000
        discount = o.promotion_saving + o.coupon_discount
        shipping = o.shipping_fee - min(o.coupon_shipping, o.shipping_fee)
        order_rows.append(
            {
                "order_no": number,
                "member_id": o.member_id,
                "status": "completed",
                "source": "cart",
                "items_total": items,
                "shipping_fee": shipping,
                "discount_total": discount,
                "payable_total": items - discount + shipping,
                "refunded_total": 0,
                "aftersale_claimed_total": 0,
                "address_encrypted": address,
                "phone_index": "x",
                "region_code": "110101",
                "idempotency_key": number,
                "request_hash": number,
                "created_at": o.paid_at - timedelta(minutes=5),
                "expires_at": o.paid_at + timedelta(minutes=25),
                "paid_at": o.paid_at,
                "updated_at": o.paid_at,
            }
        )
    ids = list(
        await session.scalars(
            insert(Order).returning(Order.id, sort_by_parameter_order=True), order_rows
        )
    )
    # Each line names its SKU's own product (the browser tests share one seeded shop, where
    # product 1 is a demo product of another category).
    skus = select(Sku.id, Sku.product_id).where(Sku.id.in_((shop.costed_sku, shop.uncosted_sku)))
    product_of = {row[0]: row[1] for row in (await session.execute(skus)).all()}
    lines: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    coupons: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    for order_id, number, o, row in zip(ids, numbers, orders, order_rows, strict=True):
        discount = row["discount_total"]
        costed_total = o.quantity * 10000
        costed_discount = discount * costed_total // row["items_total"] if row["items_total"] else 0
        for sku_id, qty, unit, off in (
            (shop.costed_sku, o.quantity, 10000, costed_discount),
            (shop.uncosted_sku, o.uncosted, 5000, discount - costed_discount),
        ):
            if qty:
                lines.append(_line(order_id, sku_id, qty, unit, off, product_id=product_of[sku_id]))
        placed = row["created_at"]
        if o.promotion_saving:
            rules.append(_rule(shop, number, o, placed))
        if o.coupon_discount or o.coupon_shipping:
            coupons.append(_redemption(shop, number, o, placed))
        if o.points:
            points.append(_points(number, o))
    await session.execute(insert(OrderLine), lines)
    if rules:
        await session.execute(insert(OrderRule), rules)
    if coupons:
        await session.execute(insert(Redemption), coupons)
    if points:
        await session.execute(insert(PointsEntry), points)
    return numbers


def _line(
    order_id: int, sku_id: int, qty: int, unit: int, discount: int, *, product_id: int
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "sku_id": sku_id,
        "product_id": product_id,
        "title": "T恤",
        "spec_text": "",
        "unit_price": unit,
        "quantity": qty,
        "line_total": unit * qty,
        "discount": discount,
        "payable": unit * qty - discount,
    }


def _rule(shop: Shop, number: str, o: Paid, placed: datetime) -> dict[str, Any]:
    return {
        "order_no": number,
        "promotion_id": shop.promotion_id,
        "member_id": o.member_id,
        "seq": 1,
        "rule": {},
        "label": "满减",
        "saving": o.promotion_saving,
        "trimmed": 0,
        "units": 0,
        "line_discounts": {},
        "created_at": placed,
    }


def _redemption(shop: Shop, number: str, o: Paid, placed: datetime) -> dict[str, Any]:
    return {
        "coupon_id": shop.coupon_id,
        "member_id": o.member_id,
        "order_no": number,
        "rule": {},
        "discount": o.coupon_discount,
        "shipping_discount": o.coupon_shipping,
        "line_discounts": {},
        "created_at": placed,
    }


def _points(number: str, o: Paid) -> dict[str, Any]:
    return {
        "member_id": o.member_id,
        "kind": "earn",
        "reason": "order",
        "points": o.points,
        "ref": number,
        "order_no": number,
        "remaining": o.points,
        "detail": {},
        "created_at": o.paid_at + timedelta(days=1),
    }


async def add_points(session: AsyncSession, kind: str, points: int, at: datetime) -> None:
    """A ledger entry of any member (for the redemption rate): earn (signin) or spend."""
    n = next(_numbers)
    await session.execute(
        insert(PointsEntry).values(
            member_id=999_999,
            kind=kind,
            reason="signin" if kind == "earn" else "order",
            points=points,
            ref=f"rate-{n}",
            order_no=None if kind == "earn" else f"S{n}",
            remaining=max(0, points),
            detail={},
            created_at=at,
        )
    )


async def add_growth(session: AsyncSession, member_id: int, amount: int, at: datetime) -> None:
    n = next(_numbers)
    await session.execute(
        insert(GrowthEntry).values(
            member_id=member_id, amount=amount, reason="adjust", ref=f"g-{n}", created_at=at
        )
    )


async def grant_plan(session: AsyncSession, member_id: int, level: int, until: datetime) -> None:
    await session.execute(
        insert(Account).values(
            member_id=member_id,
            growth_total=0,
            level=0,
            tier_since=until - timedelta(days=400),
            period_start=until - timedelta(days=400),
            granted_level=level,
            granted_until=until,
            updated_at=until - timedelta(days=400),
        )
    )
