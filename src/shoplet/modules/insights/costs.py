"""The benefit cost model's arithmetic: pure functions, no I/O, no clock.

Definitions (docs/membership.md, "Benefit cost model"):

- a *group* is a tier (by level, the tier the member held when paying) or the paid plan
  (``PLAN_KEY``: orders paid while a paid grant was active);
- gross margin = the lines' payable − quantity × the SKU's cost price;
- benefit cost = promotion savings + coupon discounts + shipping waived by coupons + points
  earned × the redemption rate (spent ÷ issued over the trailing year) × the value of a point;
- incremental margin = (the group's margin per member − the base group's margin per member)
  × the group's members (0 for the base group; None without a base group);
- retention = members who ordered in the previous period (in that group) and ordered again;
- ROI = incremental margin ÷ benefit cost.

Ratios are integer permille (‰), rounded half up; money is fen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shoplet.modules.membership.public import Benefits, TierRule

PLAN_KEY = -1
PLAN_CODE = "SVIP"
PLAN_NAME = "付费会员"
TOTAL_KEY = -2


def div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (denominator > 0)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def permille(part: int, whole: int) -> int | None:
    """``part / whole`` in ‰, None when ``whole`` is 0."""
    return None if whole <= 0 else div_round(part * 1000, whole)


@dataclass(frozen=True, slots=True)
class PointsValue:
    """Points issued and spent over the trailing year and ``points_per_yuan`` (what ¥1 costs
    in points) and ``earn_per_yuan`` (points earned per whole ¥1 of goods paid)."""

    issued: int = 0
    spent: int = 0
    points_per_yuan: int = 100
    earn_per_yuan: int = 1

    @property
    def redemption_permille(self) -> int:
        """Share of issued points that get spent (‰, 0..1000; 0 when none were issued)."""
        if self.issued <= 0:
            return 0
        return min(1000, div_round(max(0, self.spent) * 1000, self.issued))

    def cost(self, points: int) -> int:
        """Fen that ``points`` will cost once the expected share of them is spent."""
        if points <= 0:
            return 0
        return div_round(points * self.redemption_permille * 100, 1000 * self.points_per_yuan)

    def base_points(self, goods_paid: int) -> int:
        """Points an order earns before any tier multiplier (loyalty's rule)."""
        return max(0, goods_paid) // 100 * self.earn_per_yuan


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One group's sums over the period, as the SQL aggregation returns them."""

    key: int
    members: int = 0
    orders: int = 0
    gmv: int = 0
    goods_payable: int = 0
    goods_cost: int = 0
    promotion_saving: int = 0
    coupon_discount: int = 0
    shipping_waived: int = 0
    points_earned: int = 0
    lines_without_cost: int = 0
    previous_members: int = 0
    retained: int = 0

    @property
    def gross_margin(self) -> int:
        return self.goods_payable - self.goods_cost


@dataclass(frozen=True, slots=True)
class CostRow:
    key: int
    code: str
    name: str
    members: int
    orders: int
    gmv: int
    gross_margin: int
    promotion_cost: int
    coupon_cost: int
    shipping_cost: int
    points_cost: int
    total_cost: int
    cost_ratio_permille: int | None
    margin_per_member: int | None
    incremental_margin: int | None
    retention_permille: int | None
    roi_permille: int | None
    lines_without_cost: int


def _label(key: int, tiers: Sequence[TierRule]) -> tuple[str, str]:
    if key == TOTAL_KEY:
        return "ALL", "合计"
    if key == PLAN_KEY:
        return PLAN_CODE, PLAN_NAME
    for t in tiers:
        if t.level == key:
            return t.code, t.name
    return f"V{key}", f"V{key}"


def cost_rows(
    figures: Iterable[GroupFigures], tiers: Sequence[TierRule], points: PointsValue
) -> list[CostRow]:
    """One row per tier of ``tiers`` (zeros where nobody ordered), then the plan row when the
    plan had orders or members in either period."""
    by_key = {f.key: f for f in figures}
    keys = [t.level for t in tiers] + sorted(k for k in by_key if k not in {t.level for t in tiers})
    if PLAN_KEY in keys:
        keys = [k for k in keys if k != PLAN_KEY] + [PLAN_KEY]
    base = by_key.get(tiers[0].level if tiers else 0)
    rows = []
    for key in keys:
        f = by_key.get(key, GroupFigures(key))
        code, name = _label(key, tiers)
        points_cost = points.cost(f.points_earned)
        total = f.promotion_saving + f.coupon_discount + f.shipping_waived + points_cost
        incremental: int | None
        if base is None or base.members == 0:
            incremental = None
        elif key == base.key:
            incremental = 0
        else:
            incremental = f.gross_margin - div_round(base.gross_margin * f.members, base.members)
        rows.append(_row(key, code, name, f, points_cost, total, incremental))
    return rows


def _row(  # noqa: PLR0917 - one private constructor, called once
    key: int,
    code: str,
    name: str,
    f: GroupFigures,
    points_cost: int,
    total: int,
    incremental: int | None,
) -> CostRow:
    return CostRow(
        key=key,
        code=code,
        name=name,
        members=f.members,
        orders=f.orders,
        gmv=f.gmv,
        gross_margin=f.gross_margin,
        promotion_cost=f.promotion_saving,
        coupon_cost=f.coupon_discount,
        shipping_cost=f.shipping_waived,
        points_cost=points_cost,
        total_cost=total,
        cost_ratio_permille=permille(total, f.gmv),
        margin_per_member=None if f.members == 0 else div_round(f.gross_margin, f.members),
        incremental_margin=incremental,
        retention_permille=permille(f.retained, f.previous_members),
        roi_permille=None if incremental is None else permille(incremental, total),
        lines_without_cost=f.lines_without_cost,
    )


# -- projection of a draft tier table -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderSample:
    """What re-pricing needs of one paid order: the member's growth just before paying, the
    level a paid plan granted then (None), the goods total, the shipping fee, the payable."""

    growth: int
    granted_level: int | None
    items_total: int
    shipping_fee: int
    payable_total: int


@dataclass(frozen=True, slots=True)
class BenefitCost:
    orders: int = 0
    discount: int = 0
    shipping: int = 0
    points: int = 0

    @property
    def total(self) -> int:
        return self.discount + self.shipping + self.points

    def __add__(self, other: BenefitCost) -> BenefitCost:
        return BenefitCost(
            self.orders + other.orders,
            self.discount + other.discount,
            self.shipping + other.shipping,
            self.points + other.points,
        )


@dataclass(frozen=True, slots=True)
class Projection:
    level: int
    code: str
    name: str
    current: BenefitCost = field(default_factory=BenefitCost)
    draft: BenefitCost = field(default_factory=BenefitCost)

    @property
    def change(self) -> int:
        return self.draft.total - self.current.total


def level_for(growth: int, granted_level: int | None, tiers: Sequence[TierRule]) -> int:
    """The level a member with ``growth`` holds under ``tiers`` (the highest threshold
    reached), raised to a paid grant's level while it lasts (capped at the table's top)."""
    earned = tiers[0].level
    for t in tiers:
        if growth >= t.threshold:
            earned = t.level
    if granted_level is None:
        return earned
    return max(earned, min(granted_level, tiers[-1].level))


def order_cost(benefits: Benefits, order: OrderSample, points: PointsValue) -> BenefitCost:
    """What one order's tier benefits cost: the member-price discount on its goods, its
    shipping fee when the tier ships it free, and the points it earns under the tier's
    multiplier valued at the redemption rate (like the report's points cost)."""
    goods_paid = order.payable_total - order.shipping_fee
    earned = benefits.points(points.base_points(goods_paid))
    return BenefitCost(
        orders=1,
        discount=benefits.goods_discount(order.items_total),
        shipping=order.shipping_fee if benefits.ships_free(order.items_total) else 0,
        points=points.cost(earned),
    )


def _cost_by_level(
    samples: Sequence[OrderSample], tiers: Sequence[TierRule], points: PointsValue
) -> dict[int, BenefitCost]:
    by_level = {t.level: t for t in tiers}
    out: dict[int, BenefitCost] = {}
    for s in samples:
        level = level_for(s.growth, s.granted_level, tiers)
        cost = order_cost(by_level[level].benefits, s, points)
        out[level] = out.get(level, BenefitCost()) + cost
    return out


def project(
    samples: Iterable[OrderSample],
    current: Sequence[TierRule],
    draft: Sequence[TierRule],
    points: PointsValue,
) -> list[Projection]:
    """Re-price the orders under the tier table in force and under ``draft``: one projection
    per level of either table (names from the draft where it has the level)."""
    orders = list(samples)
    now = _cost_by_level(orders, current, points)
    then = _cost_by_level(orders, draft, points)
    labels = {t.level: (t.code, t.name) for t in current} | {
        t.level: (t.code, t.name) for t in draft
    }
    return [
        Projection(
            level, *labels[level], now.get(level, BenefitCost()), then.get(level, BenefitCost())
        )
        for level in sorted(labels)
    ]


def total_figures(figures: Iterable[GroupFigures]) -> GroupFigures:
    """Every group summed (members are counted once per group they ordered in)."""
    sums = GroupFigures(key=TOTAL_KEY)
    for f in figures:
        sums = GroupFigures(
            key=TOTAL_KEY,
            members=sums.members + f.members,
            orders=sums.orders + f.orders,
            gmv=sums.gmv + f.gmv,
            goods_payable=sums.goods_payable + f.goods_payable,
            goods_cost=sums.goods_cost + f.goods_cost,
            promotion_saving=sums.promotion_saving + f.promotion_saving,
            coupon_discount=sums.coupon_discount + f.coupon_discount,
            shipping_waived=sums.shipping_waived + f.shipping_waived,
            points_earned=sums.points_earned + f.points_earned,
            lines_without_cost=sums.lines_without_cost + f.lines_without_cost,
            previous_members=sums.previous_members + f.previous_members,
            retained=sums.retained + f.retained,
        )
    return sums
