"""How checkout turns promotions, coupons and points into pricing's terms.

``promotions`` plans the store-wide promotions and the coupon together (``plan_cart``); its
plan becomes one pricing ``Discount`` per rule and line, so the breakdown splits exactly as the
plan did. Points go last, after both, as one more discount over the whole order, capped by the
loyalty programme. Nothing here writes except :func:`spend_points` (in the order's
transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout.pricing import (
    Discount,
    PriceBreakdown,
    PricingLine,
    ShippingRules,
    price,
)
from shoplet.modules.checkout.schemas import AppliedCoupon
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.promotions import public as promotions

# -- coupons ---------------------------------------------------------------------------------


def pricing_lines(priced: Sequence[tuple[catalog.SkuSnapshot, int]]) -> list[PricingLine]:
    return [
        PricingLine(sku_id=s.sku_id, unit_price=s.price, quantity=q, weight_grams=s.weight_grams)
        for s, q in priced
    ]


def coupon_lines(priced: Sequence[tuple[catalog.SkuSnapshot, int]]) -> list[promotions.CartLine]:
    return [
        promotions.CartLine(
            sku_id=s.sku_id,
            product_id=s.product_id,
            category_id=s.category_id,
            line_total=s.price * q,
        )
        for s, q in priced
    ]


def options(entries: Sequence[promotions.WalletEntry]) -> list[promotions.CouponOption]:
    usable = sorted(
        (e for e in entries if e.offer is not None),
        key=lambda e: (-(e.offer.saving if e.offer else 0), e.coupon.valid_to, e.coupon.id),
    )
    unusable = [e for e in entries if e.offer is None]
    return [
        promotions.CouponOption(
            coupon=e.coupon,
            usable=e.offer is not None,
            saving=e.offer.saving if e.offer is not None else 0,
            code=e.refusal.code if e.refusal is not None else None,
            reason=e.refusal.message if e.refusal is not None else None,
        )
        for e in [*usable, *unusable]
    ]


def applied(
    entry: promotions.WalletEntry | None, breakdown: PriceBreakdown, plan: promotions.Plan
) -> AppliedCoupon | None:
    if entry is None:
        return None
    step = plan.coupon_step
    return AppliedCoupon(
        coupon_id=entry.coupon.id,
        name=entry.coupon.name,
        kind=entry.coupon.kind,
        discount=step.saving if step is not None else 0,
        shipping_discount=breakdown.shipping_discount,
    )


# -- points ----------------------------------------------------------------------------------


async def apply_points(
    session: AsyncSession,
    *,
    member_id: int,
    lines: Sequence[PricingLine],
    region_code: str | None,
    rules: ShippingRules,
    discounts: Sequence[Discount],
    shipping_off: int,
    breakdown: PriceBreakdown,
    points: int | None,
) -> tuple[PriceBreakdown, loyalty.PointsQuote]:
    """Points go last, after coupons: their value is one more ``Discount`` (source "points")
    over the whole order, capped by the programme's share of the goods left to pay."""
    quote = await loyalty.quote(
        session,
        member_id=member_id,
        goods_after_coupons=breakdown.items_total - breakdown.discount_total,
        points=points,
    )
    if quote.value == 0:
        return breakdown, quote
    repriced = price(
        lines,
        region_code=region_code,
        shipping=rules,
        discounts=[*discounts, Discount(source="points", code="points", amount=quote.value)],
        shipping_discount=shipping_off,
    )
    return repriced, quote


async def spend_points(
    session: AsyncSession, *, member_id: int, order_no: str, quote: loyalty.PointsQuote | None
) -> None:
    """In the order's transaction, after the order row: a balance another order emptied
    first raises 409 and the whole order rolls back."""
    if quote is not None and quote.used > 0:
        await loyalty.spend(
            session, member_id=member_id, order_no=order_no, points=quote.used, value=quote.value
        )


# -- store-wide promotions -------------------------------------------------------------------


def promotion_lines(priced: Sequence[tuple[catalog.SkuSnapshot, int]]) -> list[promotions.Line]:
    return [
        promotions.Line(
            sku_id=s.sku_id,
            product_id=s.product_id,
            category_id=s.category_id,
            unit_price=s.price,
            quantity=q,
            # The subsidy floor: promotions and coupons never take a line below its cost.
            floor=min(s.cost_price, s.price) * q if s.cost_price is not None else None,
        )
        for s, q in priced
    ]


def plan_terms(plan: promotions.Plan) -> tuple[list[Discount], int]:
    """Pricing's terms for a plan: each step's allocation as one discount per line (so the
    breakdown splits exactly as the plan did) and the shipping reduction."""
    discounts = [
        Discount(source=step.source, code=str(step.id), amount=part, sku_ids=frozenset({sku_id}))
        for step in plan.steps
        for sku_id, part in step.lines.items()
    ]
    return discounts, plan.shipping_off


async def promotion_plan(
    session: AsyncSession,
    *,
    member_id: int,
    priced: Sequence[tuple[catalog.SkuSnapshot, int]],
    coupons: Sequence[promotions.WalletEntry],
    coupon_forced: bool,
    shipping_fee: int,
) -> promotions.CartPlan:
    return await promotions.plan_cart(
        session,
        member_id=member_id,
        lines=promotion_lines(priced),
        coupons=coupons,
        coupon_forced=coupon_forced,
        shipping_fee=shipping_fee,
    )


# -- the whole sequence ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Terms:
    """A cart priced with its promotions, coupon and points: ``before_points`` is what the
    coupon's redemption and its preview row see; ``breakdown`` is what the shopper pays."""

    plan: promotions.CartPlan
    before_points: PriceBreakdown
    breakdown: PriceBreakdown
    points: loyalty.PointsQuote | None


async def price_cart(
    session: AsyncSession,
    *,
    member_id: int,
    priced: Sequence[tuple[catalog.SkuSnapshot, int]],
    region_code: str | None,
    rules: ShippingRules,
    shipping_fee: int,
    coupons: Sequence[promotions.WalletEntry],
    coupon_forced: bool,
    points: int | None,
    quote_points: bool,
) -> Terms:
    """Plan the promotions with ``coupons`` on top, price exactly that plan, then the points
    (quoted when ``quote_points``, so a preview shows the balance even when none are used)."""
    cart_plan = await promotion_plan(
        session,
        member_id=member_id,
        priced=priced,
        coupons=coupons,
        coupon_forced=coupon_forced,
        shipping_fee=shipping_fee,
    )
    discounts, shipping_off = plan_terms(cart_plan.plan)
    lines = pricing_lines(priced)
    before_points = price(
        lines,
        region_code=region_code,
        shipping=rules,
        discounts=discounts,
        shipping_discount=shipping_off,
    )
    if not quote_points:
        return Terms(cart_plan, before_points, before_points, None)
    breakdown, quote = await apply_points(
        session,
        member_id=member_id,
        lines=lines,
        region_code=region_code,
        rules=rules,
        discounts=discounts,
        shipping_off=shipping_off,
        breakdown=before_points,
        points=points,
    )
    return Terms(cart_plan, before_points, breakdown, quote)
