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
