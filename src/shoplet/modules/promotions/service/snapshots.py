"""The coupon and the promotions an order used, for the order pages (storefront and console):
orders sits below promotions and cannot ask for them, so promotions serves them by order
number."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.schemas import AppliedCouponOut, OrderPromotion


async def order_coupon(
    session: AsyncSession, order_no: str, *, member_id: int | None
) -> AppliedCouponOut | None:
    """The redemption snapshot of ``order_no`` (only the shopper's own when ``member_id`` is
    given), or None when the order used no coupon."""
    row = await repo.get_member_redemption(session, order_no, member_id)
    if row is None:
        return None
    rule = dict(row.rule)
    return AppliedCouponOut(
        coupon_id=row.coupon_id,
        name=str(rule.get("name", "")),
        kind=str(rule.get("kind", "")),
        rule=rule,
        discount=row.discount,
        shipping_discount=row.shipping_discount,
        returned=row.returned_at is not None,
    )


async def order_promotions(
    session: AsyncSession, order_no: str, *, member_id: int | None
) -> list[OrderPromotion]:
    """The store-wide promotions ``order_no`` was placed with, in the order they applied (none:
    an empty list). 404 ``orders.not_found`` for an unknown order and, when ``member_id`` is
    given, for another shopper's: the same answer, so an order number reveals nothing."""
    await orders.require_order(session, order_no, member_id=member_id)
    return [
        OrderPromotion(
            promotion_id=r.promotion_id,
            name=str(r.rule.get("name", "")),
            kind=r.rule.get("kind", "full_reduction"),
            label=r.label,
            saving=r.saving,
            trimmed=r.trimmed,
            lines={int(k): int(v) for k, v in r.line_discounts.items()},
            returned=r.returned_at is not None,
        )
        for r in await repo.order_rules(session, order_no)
    ]
