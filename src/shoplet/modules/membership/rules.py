"""Pure membership rules: the default tiers, validating a tier table, the level a growth total
reaches, progress to the next tier, order growth and its proportional reversal, tier periods,
and what a tier's benefits take off. No I/O and no clock (``now`` is passed in)."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

MAX_TIERS = 10
MAX_GROWTH = 1_000_000_000
MAX_FEN = 10_000_000_000
MAX_EXCLUSIVE_COUPONS = 20
MAX_MULTIPLIER = 10_000
MAX_EXCLUDED_PRODUCTS = 500
MAX_EXCLUDED_CATEGORIES = 100
MAX_PACK_ACTIVE_DAYS = 366
MAX_PACK_CAP = 10_000_000


@dataclass(frozen=True, slots=True)
class Benefits:
    """What a tier gives. ``discount_permille``: what goods cost (980 = 9.8 折; 1000 none);
    ``free_shipping`` (``free_shipping_threshold``: goods total in fen it needs, None = always);
    ``points_multiplier_permille`` (1000 = ×1); coupon template ids for the birthday gift and
    the tier's exclusive coupons; ``priority_service``: 专属客服."""

    discount_permille: int = 1000
    free_shipping: bool = False
    free_shipping_threshold: int | None = None
    points_multiplier_permille: int = 1000
    birthday_coupon_template_id: int | None = None
    exclusive_coupon_template_ids: tuple[int, ...] = ()
    priority_service: bool = False

    def member_price(self, price: int) -> int:
        """A goods price (fen) at this tier's discount, rounded half up to the fen, never
        below 0 and never above the price."""
        if self.discount_permille >= 1000:
            return price
        return max(0, min(price, (price * self.discount_permille + 500) // 1000))

    def goods_discount(self, goods_total: int) -> int:
        """Fen off a goods total (what checkout will subtract)."""
        return goods_total - self.member_price(goods_total)

    def ships_free(self, goods_total: int) -> bool:
        if not self.free_shipping:
            return False
        return self.free_shipping_threshold is None or goods_total >= self.free_shipping_threshold

    def points(self, base_points: int) -> int:
        """Points after the multiplier (rounded down), for loyalty."""
        return base_points * self.points_multiplier_permille // 1000


@dataclass(frozen=True, slots=True)
class TierRule:
    level: int
    code: str
    name: str
    threshold: int
    keep_threshold: int
    benefits: Benefits = field(default_factory=Benefits)
    # Who gets the monthly exclusive pack: members who signed in within ``pack_active_days``
    # days, at most ``pack_monthly_cap`` members a month (None: no limit). A V0 pack needs one.
    pack_active_days: int | None = None
    pack_monthly_cap: int | None = None

    @property
    def pack_limited(self) -> bool:
        return self.pack_active_days is not None or self.pack_monthly_cap is not None


@dataclass(frozen=True, slots=True)
class PriceExclusions:
    """Goods the member price skips (already discounted): products by id, and categories with
    their subcategories (``category_ids`` holds the whole subtree)."""

    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()

    def covers(self, product_id: int, category_id: int | None) -> bool:
        return product_id in self.product_ids or (
            category_id is not None and category_id in self.category_ids
        )

    def __bool__(self) -> bool:
        return bool(self.product_ids or self.category_ids)


NO_EXCLUSIONS = PriceExclusions()


@dataclass(frozen=True, slots=True)
class MembershipSettings:
    """``fen_per_growth``: fen paid per growth point (100 = 1 per ¥1); ``period_months``: a tier
    period; ``warn_days``: days before a downgrade the member is told."""

    fen_per_growth: int = 100
    period_months: int = 12
    warn_days: int = 7


DEFAULT_SETTINGS = MembershipSettings()

DEFAULT_TIERS: tuple[TierRule, ...] = (
    TierRule(0, "V0", "普通会员", 0, 0),
    TierRule(
        1,
        "V1",
        "白银会员",
        500,
        200,
        Benefits(discount_permille=995, free_shipping=True, free_shipping_threshold=9900),
    ),
    TierRule(
        2,
        "V2",
        "黄金会员",
        2000,
        800,
        Benefits(
            discount_permille=980,
            free_shipping=True,
            free_shipping_threshold=4900,
            points_multiplier_permille=1200,
        ),
    ),
    TierRule(
        3,
        "V3",
        "铂金会员",
        6000,
        2500,
        Benefits(
            discount_permille=960,
            free_shipping=True,
            points_multiplier_permille=1500,
            priority_service=True,
        ),
    ),
    TierRule(
        4,
        "V4",
        "钻石会员",
        15000,
        6000,
        Benefits(
            discount_permille=950,
            free_shipping=True,
            points_multiplier_permille=2000,
            priority_service=True,
        ),
    ),
)


def tier_problems(tiers: Sequence[TierRule]) -> list[str]:
    """Why a tier table is not acceptable (empty: it is). Levels 0..n-1 in order, V0 at growth
    0 keeping 0, thresholds strictly increasing, keep thresholds within the tier's own
    threshold, unique codes and names, benefits within range."""
    problems: list[str] = []
    if not 1 <= len(tiers) <= MAX_TIERS:
        return [f"give 1..{MAX_TIERS} tiers"]
    if [t.level for t in tiers] != list(range(len(tiers))):
        problems.append("levels must be 0, 1, 2, … in order")
    if tiers[0].threshold != 0 or tiers[0].keep_threshold != 0:
        problems.append("the lowest tier (level 0) starts at growth 0 and keeps with 0")
    for lower, higher in itertools.pairwise(tiers):
        if higher.threshold <= lower.threshold:
            problems.append(
                f"{higher.code}: threshold must be above {lower.code}'s ({lower.threshold})"
            )
    if len({t.code for t in tiers}) != len(tiers):
        problems.append("codes must be unique")
    if len({t.name for t in tiers}) != len(tiers):
        problems.append("names must be unique")
    for t in tiers:
        problems.extend(_tier_problems(t))
    return problems


def _tier_problems(t: TierRule) -> list[str]:
    """One tier's own ranges."""
    problems: list[str] = []
    b = t.benefits
    if not 0 <= t.threshold <= MAX_GROWTH:
        problems.append(f"{t.code}: threshold must be 0..{MAX_GROWTH}")
    if not 0 <= t.keep_threshold <= t.threshold:
        problems.append(f"{t.code}: keep_threshold must be 0..its threshold")
    if not 1 <= b.discount_permille <= 1000:
        problems.append(f"{t.code}: discount_permille must be 1..1000 (1000 = none)")
    if not 0 <= b.points_multiplier_permille <= MAX_MULTIPLIER:
        problems.append(f"{t.code}: points_multiplier_permille must be 0..{MAX_MULTIPLIER}")
    if b.free_shipping_threshold is not None and (
        not b.free_shipping or not 0 <= b.free_shipping_threshold <= MAX_FEN
    ):
        problems.append(f"{t.code}: free_shipping_threshold needs free_shipping, 0..{MAX_FEN}")
    if len(b.exclusive_coupon_template_ids) > MAX_EXCLUSIVE_COUPONS:
        problems.append(f"{t.code}: at most {MAX_EXCLUSIVE_COUPONS} exclusive coupons")
    if len(set(b.exclusive_coupon_template_ids)) != len(b.exclusive_coupon_template_ids):
        problems.append(f"{t.code}: exclusive coupons listed twice")
    if t.pack_active_days is not None and not 1 <= t.pack_active_days <= MAX_PACK_ACTIVE_DAYS:
        problems.append(f"{t.code}: pack_active_days must be 1..{MAX_PACK_ACTIVE_DAYS}")
    if t.pack_monthly_cap is not None and not 1 <= t.pack_monthly_cap <= MAX_PACK_CAP:
        problems.append(f"{t.code}: pack_monthly_cap must be 1..{MAX_PACK_CAP}")
    if t.level == 0 and b.exclusive_coupon_template_ids and not t.pack_limited:
        # Every shopper is V0: an unlimited pack would go to every account ever made.
        problems.append(
            f"{t.code}: exclusive coupons for the entry tier need pack_active_days or "
            "pack_monthly_cap"
        )
    return problems


def level_for(total: int, tiers: Sequence[TierRule]) -> int:
    """The highest level whose threshold ``total`` reaches (0 below every threshold)."""
    level = 0
    for t in tiers:
        if total >= t.threshold:
            level = max(level, t.level)
    return level


def tier_at(level: int, tiers: Sequence[TierRule]) -> TierRule:
    """The tier of ``level``, or the highest one below it (a level the table no longer has)."""
    found = tiers[0]
    for t in tiers:
        if t.level <= level:
            found = t
    return found


def progress_permille(total: int, current: TierRule, following: TierRule | None) -> int:
    """How far ``total`` is from the current tier's threshold to the next one's (‰, 0..1000);
    1000 at the top tier."""
    if following is None:
        return 1000
    span = following.threshold - current.threshold
    done = min(max(total - current.threshold, 0), span)
    return done * 1000 // span


def growth_for_payment(amount: int, fen_per_growth: int) -> int:
    """Growth for ``amount`` fen paid: whole growth points, rounded down."""
    return max(amount, 0) // fen_per_growth


def reversal_for(earned: int, refunded: int, paid: int, reversed_already: int) -> int:
    """Growth (positive) to take back for a refund of ``refunded`` of ``paid`` fen, given what
    the order ``earned`` and what was taken back already: proportional, rounded up, never more
    than is left."""
    left = max(earned - reversed_already, 0)
    if paid <= 0 or refunded >= paid:
        return left
    share = -(-earned * max(refunded, 0) // paid)
    return min(share, left)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole months (negative: minus), on the same day or the month's last."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# -- paid plans (SVIP) -----------------------------------------------------------------------

FULL_REFUND_DAYS = 7
RENEWAL_REMIND_DAYS = 7
SAVINGS_LOOKBACK_DAYS = 90
# What a shopper with no paid order in the look-back window is assumed to spend a month on
# goods (fen) for the "开通省¥xx" estimate: ¥300.
ASSUMED_MONTHLY_SPEND = 30000
MAX_PLAN_MONTHS = 36
MAX_PLAN_PRICE = 100_000_000


def best_of(tier: Benefits, plan: Benefits | None) -> Benefits:
    """The benefits a member gets from their tier and an active plan together: each benefit the
    better of the two — the lower price (discount), free shipping from either with the lower
    goods threshold (None = always, the lowest), the higher points multiplier, the tier's
    birthday coupon (or the plan's), both sets of coupons (the tier's first), priority service
    from either. Never worse than either side alone."""
    if plan is None:
        return tier
    free_shipping = tier.free_shipping or plan.free_shipping
    thresholds = [b.free_shipping_threshold for b in (tier, plan) if b.free_shipping]
    threshold: int | None = None
    if thresholds and None not in thresholds:
        threshold = min(t for t in thresholds if t is not None)
    coupons = tuple(
        dict.fromkeys(tier.exclusive_coupon_template_ids + plan.exclusive_coupon_template_ids)
    )
    return Benefits(
        discount_permille=min(tier.discount_permille, plan.discount_permille),
        free_shipping=free_shipping,
        free_shipping_threshold=threshold if free_shipping else None,
        points_multiplier_permille=max(
            tier.points_multiplier_permille, plan.points_multiplier_permille
        ),
        birthday_coupon_template_id=tier.birthday_coupon_template_id
        or plan.birthday_coupon_template_id,
        exclusive_coupon_template_ids=coupons,
        priority_service=tier.priority_service or plan.priority_service,
    )


def plan_problems(
    *, name: str, price: int, list_price: int | None, months: int, benefits: Benefits
) -> list[str]:
    """Why a plan cannot be saved (empty: it can)."""
    problems: list[str] = []
    if not name.strip():
        problems.append("name is required")
    if not 1 <= price <= MAX_PLAN_PRICE:
        problems.append(f"price must be 1..{MAX_PLAN_PRICE} fen")
    if list_price is not None and not price <= list_price <= MAX_PLAN_PRICE:
        problems.append("list_price must be at least the price")
    if not 1 <= months <= MAX_PLAN_MONTHS:
        problems.append(f"months must be 1..{MAX_PLAN_MONTHS}")
    rule = TierRule(
        level=0, code="plan", name=name, threshold=0, keep_threshold=0, benefits=benefits
    )
    problems.extend(p.removeprefix("plan: ") for p in _tier_problems(rule))
    if benefits == Benefits(birthday_coupon_template_id=benefits.birthday_coupon_template_id):
        problems.append("a plan must grant at least one benefit")
    return problems


def period_bounds(
    now: datetime, current_end: datetime | None, months: int
) -> tuple[datetime, datetime]:
    """Where a newly paid period runs: from now, or from the end of the running one (a renewal
    extends it), for ``months``."""
    start = current_end if current_end is not None and current_end > now else now
    return start, add_months(start, months)


def refundable(
    *,
    price: int,
    paid_at: datetime,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    benefit_used: bool,
) -> int:
    """What a plan period may be refunded (fen): the whole price within ``FULL_REFUND_DAYS`` of
    the payment while no benefit was used (no other order paid since the period began);
    otherwise the unused share, pro rata by the second, rounded down to the fen (0 once it
    ended). A period not started yet is unused: its whole price."""
    if now >= ends_at:
        return 0
    if now <= starts_at:
        return price
    if not benefit_used and (now - paid_at).total_seconds() <= FULL_REFUND_DAYS * 86400:
        return price
    total = (ends_at - starts_at).total_seconds()
    left = (ends_at - now).total_seconds()
    return int(price * left // total)


def plan_saving(monthly_spend: int, months: int, tier: Benefits, plan: Benefits) -> int:
    """Fen a plan would save over ``months`` on ``monthly_spend`` of goods a month, beyond
    what the member's tier saves already (goods discount only: shipping and points are not
    counted, so the figure is never overstated)."""
    with_plan = best_of(tier, plan)
    extra = with_plan.goods_discount(monthly_spend) - tier.goods_discount(monthly_spend)
    return max(extra, 0) * months
