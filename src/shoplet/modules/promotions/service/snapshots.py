"""The coupon an order used, for the order pages (storefront and console): orders sits below
promotions and cannot ask for it, so promotions serves it by order number."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.schemas import AppliedCouponOut


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
