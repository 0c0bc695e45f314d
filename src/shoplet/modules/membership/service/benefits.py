"""Benefits as other modules use them beyond pricing: the snapshot of what an order got from
the member's tier (checkout writes it in the order's transaction; loyalty reads its points
multiplier at completion), and the members above V0 by tier, for the coupon gifts job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.members import public as members
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.rules import TierRule

from ._common import MemberTier, load_rules


@dataclass(frozen=True, slots=True)
class OrderBenefit:
    """What one order got from the member's tier: ``goods_discount`` (member price, split over
    the lines as ``lines`` {sku_id: fen}), ``shipping_discount`` (会员包邮) and the points
    multiplier in force when it was placed."""

    order_no: str
    member_id: int
    level: int
    tier_code: str
    tier_name: str
    discount_permille: int
    goods_discount: int
    shipping_discount: int
    points_multiplier_permille: int
    lines: Mapping[int, int] = field(default_factory=dict)


async def record_order_benefit(
    session: AsyncSession,
    *,
    order_no: str,
    member_id: int,
    tier: MemberTier,
    goods_discount: int,
    shipping_discount: int,
    lines: Mapping[int, int],
) -> None:
    """Snapshot the tier benefits on ``order_no`` (in the order's transaction), so the order
    never recomputes them from a tier table that changed since."""
    await members.hold_member(session, member_id)
    b = tier.benefits
    await repo.insert_order_benefit(
        session,
        {
            "order_no": order_no,
            "member_id": member_id,
            "level": tier.level,
            "tier_code": tier.code,
            "tier_name": tier.name,
            "discount_permille": b.discount_permille,
            "goods_discount": goods_discount,
            "shipping_discount": shipping_discount,
            "points_multiplier_permille": b.points_multiplier_permille,
            "line_discounts": {str(k): v for k, v in sorted(lines.items()) if v > 0},
            "created_at": utcnow(),
        },
    )


async def order_benefit(session: AsyncSession, order_no: str) -> OrderBenefit | None:
    row = await repo.get_order_benefit(session, order_no)
    if row is None:
        return None
    return OrderBenefit(
        order_no=row.order_no,
        member_id=row.member_id,
        level=row.level,
        tier_code=row.tier_code,
        tier_name=row.tier_name,
        discount_permille=row.discount_permille,
        goods_discount=row.goods_discount,
        shipping_discount=row.shipping_discount,
        points_multiplier_permille=row.points_multiplier_permille,
        lines={int(k): int(v) for k, v in row.line_discounts.items()},
    )


async def tier_table(session: AsyncSession) -> tuple[TierRule, ...]:
    """The tier table in force (with each tier's coupon templates)."""
    return await load_rules(session)


async def levels_of(
    session: AsyncSession, member_ids: Sequence[int], *, now: datetime | None = None
) -> dict[int, int]:
    """{member_id: effective level now} for ``member_ids`` (0 for those with no account)."""
    now = now or utcnow()
    out = dict.fromkeys(member_ids, 0)
    for member_id, earned, granted, until in await repo.accounts_of(session, member_ids):
        lasts = granted is not None and (until is None or until > now)
        out[member_id] = max(earned, granted) if lasts and granted is not None else earned
    return out


async def members_above_v0(
    session: AsyncSession, *, after_id: int, limit: int, now: datetime | None = None
) -> list[tuple[int, int]]:
    """(member_id, effective level) of up to ``limit`` members after ``after_id`` whose tier
    is above V0 now (earned or granted by a paid plan), by member id."""
    now = now or utcnow()
    rows = await repo.accounts_above_v0(session, after_id=after_id, limit=limit)
    out: list[tuple[int, int]] = []
    for member_id, earned, granted, until in rows:
        lasts = granted is not None and (until is None or until > now)
        out.append((member_id, max(earned, granted) if lasts and granted is not None else earned))
    return out
