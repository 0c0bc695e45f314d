"""Every query of insights. Insights owns no table: it composes the subqueries other modules
publish for reports (orders' paid orders with goods cost, promotions' savings, loyalty's
earned points, membership's growth before a moment) into one statement per figure, so the
aggregation runs in the database (GROUP BY), never over orders loaded into Python."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, distinct, exists, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.insights.costs import PLAN_KEY, GroupFigures, OrderSample
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.membership import public as membership
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

# Promotion and coupon snapshots are written when the order is placed, before it is paid.
SNAPSHOT_LEAD = timedelta(days=2)


def _level(growth: Any, tiers: Sequence[membership.TierRule]) -> Any:
    """SQL: the level whose threshold ``growth`` reached (highest first)."""
    whens = [(growth >= t.threshold, t.level) for t in sorted(tiers, key=lambda t: -t.level)]
    return case(*whens[:-1], else_=literal(whens[-1][1])) if len(whens) > 1 else literal(0)


def _attributed(since: datetime, until: datetime, tiers: Sequence[membership.TierRule]) -> Any:
    facts = orders.paid_order_facts(since, until)
    savings = promotions.order_savings(since - SNAPSHOT_LEAD, until)
    earned = loyalty.order_points(since)
    growth = membership.growth_before(facts.c.member_id, facts.c.paid_at)
    granted = membership.granted_level_at(facts.c.member_id, facts.c.paid_at)
    group = case((granted.is_not(None), PLAN_KEY), else_=_level(growth, tiers))
    return (
        select(
            facts.c.member_id,
            facts.c.paid_at,
            facts.c.payable_total,
            facts.c.goods_payable,
            facts.c.goods_cost,
            facts.c.lines_without_cost,
            group.label("group_key"),
            func.coalesce(savings.c.promotion_saving, 0).label("promotion_saving"),
            func.coalesce(savings.c.coupon_discount, 0).label("coupon_discount"),
            func.coalesce(savings.c.coupon_shipping, 0).label("coupon_shipping"),
            func.coalesce(earned.c.points, 0).label("points"),
        )
        .select_from(facts)
        .outerjoin(savings, savings.c.order_no == facts.c.order_no)
        .outerjoin(earned, earned.c.order_no == facts.c.order_no)
        .cte("attributed")
    )


async def group_figures(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    previous_since: datetime,
    tiers: Sequence[membership.TierRule],
) -> list[GroupFigures]:
    """Per group (tier level at payment, or ``PLAN_KEY``): the sums of orders paid in
    ``[since, until)``, and the retention of the members who ordered in ``[previous_since,
    since)`` (each in the highest group they ordered in then)."""
    a = _attributed(previous_since, until, tiers)
    zero = literal(0)
    current = (
        select(
            literal("period").label("part"),
            a.c.group_key,
            func.count(distinct(a.c.member_id)),
            func.count(),
            func.sum(a.c.payable_total),
            func.sum(a.c.goods_payable),
            func.sum(a.c.goods_cost),
            func.sum(a.c.promotion_saving),
            func.sum(a.c.coupon_discount),
            func.sum(a.c.coupon_shipping),
            func.sum(a.c.points),
            func.sum(a.c.lines_without_cost),
        )
        .where(a.c.paid_at >= since)
        .group_by(a.c.group_key)
    )
    before = (
        select(a.c.member_id, func.max(a.c.group_key).label("group_key"))
        .where(a.c.paid_at < since)
        .group_by(a.c.member_id)
        .subquery("before")
    )
    again = exists().where(a.c.member_id == before.c.member_id, a.c.paid_at >= since)
    retention = select(
        literal("before").label("part"),
        before.c.group_key,
        func.count(),
        func.sum(case((again, 1), else_=0)),
        *([zero] * 8),
    ).group_by(before.c.group_key)
    # One statement, so the attributed orders (a CTE used by both parts) are computed once.
    figures: dict[int, dict[str, int]] = {}
    for part, key, *values in await session.execute(union_all(current, retention)):
        row = figures.setdefault(int(key), {})
        if part == "period":
            row.update({n: int(v or 0) for n, v in zip(_PERIOD_SUMS, values, strict=True)})
        else:
            row["previous_members"] = int(values[0] or 0)
            row["retained"] = int(values[1] or 0)
    return [GroupFigures(key=k, **v) for k, v in sorted(figures.items())]


_PERIOD_SUMS = (
    "members",
    "orders",
    "gmv",
    "goods_payable",
    "goods_cost",
    "promotion_saving",
    "coupon_discount",
    "shipping_waived",
    "points_earned",
    "lines_without_cost",
)


async def order_samples(
    session: AsyncSession, since: datetime, until: datetime
) -> list[OrderSample]:
    """The orders paid in ``[since, until)`` as re-pricing needs them (five integers each)."""
    facts = orders.paid_order_facts(since, until)
    stmt = select(
        membership.growth_before(facts.c.member_id, facts.c.paid_at),
        membership.granted_level_at(facts.c.member_id, facts.c.paid_at),
        facts.c.items_total,
        facts.c.shipping_fee,
        facts.c.payable_total,
    ).select_from(facts)
    return [
        OrderSample(int(g or 0), None if lv is None else int(lv), int(i), int(s), int(p))
        for g, lv, i, s, p in await session.execute(stmt)
    ]
