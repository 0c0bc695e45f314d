"""Pure rules of the points programme: no I/O, no clock (``now`` is passed in).

- earning: ``earn_per_yuan`` points per whole yuan of the goods paid (payable total minus the
  shipping fee, minus what was refunded before completion), rounded down;
- value: ``points_per_yuan`` points are worth ¥1, so ``n`` points take ``n * 100 //
  points_per_yuan`` fen off; only amounts worth a whole number of fen are accepted;
- cap: points pay at most ``max_share_permille``‰ of the goods after coupons (never shipping);
- expiry: ``expiry_days`` after earning, or (None, the default) at the end of the calendar year
  after the year of earning, Asia/Shanghai (earned in 2026 → expire 2028-01-01 00:00 +08:00);
- sign-in: ``signin_base`` points a day, plus ``signin_bonus`` on every ``signin_bonus_every``-th
  day of an unbroken streak, and ``signin_growth`` growth (成长值, membership) once a day;
- reviews: ``review_growth`` growth once per product review (the review module grants it), and
  ``review_points`` points for each of a shopper's first ``review_points_daily`` reviews of an
  Asia/Shanghai day (the daily cap);
- tiers: an order earns its points × the tier's multiplier (the tier it was placed with).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Rules:
    enabled: bool = True
    earn_per_yuan: int = 1
    points_per_yuan: int = 100
    max_share_permille: int = 500
    expiry_days: int | None = None
    signin_base: int = 5
    signin_bonus: int = 20
    signin_bonus_every: int = 7
    signin_growth: int = 1
    review_growth: int = 5
    review_points: int = 10
    review_points_daily: int = 3


DEFAULT_RULES = Rules()


def earned_points(rules: Rules, goods_paid: int, multiplier_permille: int = 1000) -> int:
    """Points an order earns for ``goods_paid`` fen (shipping excluded), times the tier's
    multiplier (1500‰ = ×1.5), rounded down."""
    return max(0, goods_paid) // 100 * rules.earn_per_yuan * multiplier_permille // 1000


def points_value(rules: Rules, points: int) -> int:
    """Fen that ``points`` take off (rounded down)."""
    return points * 100 // rules.points_per_yuan


def points_step(rules: Rules) -> int:
    """The smallest number of points worth a whole number of fen: amounts used are multiples."""
    return rules.points_per_yuan // math.gcd(rules.points_per_yuan, 100)


def cap_fen(rules: Rules, goods_after_coupons: int) -> int:
    return max(0, goods_after_coupons) * rules.max_share_permille // 1000


def usable_max(rules: Rules, *, balance: int, goods_after_coupons: int) -> int:
    """The most points an order may use: the balance, within the cap, in whole steps."""
    if not rules.enabled:
        return 0
    by_cap = cap_fen(rules, goods_after_coupons) * rules.points_per_yuan // 100
    step = points_step(rules)
    return min(balance, by_cap) // step * step


def expires_at(rules: Rules, earned_at: datetime) -> datetime:
    if rules.expiry_days is not None:
        return earned_at + timedelta(days=rules.expiry_days)
    year = earned_at.astimezone(SHANGHAI).year
    return datetime.combine(date(year + 2, 1, 1), time.min, SHANGHAI).astimezone(UTC)


def local_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def signin_reward(rules: Rules, streak: int) -> int:
    bonus = rules.signin_bonus if streak % rules.signin_bonus_every == 0 else 0
    return rules.signin_base + bonus


def next_bonus_in(rules: Rules, streak: int) -> int:
    """Sign-ins until the next bonus day, counting from a streak of ``streak`` (1..every)."""
    return rules.signin_bonus_every - streak % rules.signin_bonus_every


def fifo_take(batches: list[tuple[int, int]], points: int) -> list[tuple[int, int]]:
    """From ``batches`` [(batch id, remaining)] in consumption order (earliest expiry first),
    the [(batch id, points)] that make up ``points`` (all of them when there are fewer)."""
    taken = []
    left = points
    for batch_id, remaining in batches:
        if left <= 0:
            break
        part = min(left, remaining)
        if part > 0:
            taken.append((batch_id, part))
            left -= part
    return taken


def day_start(now: datetime) -> datetime:
    """The start of ``now``'s Asia/Shanghai day, in UTC (the daily caps count from it)."""
    return datetime.combine(local_day(now), time.min, SHANGHAI).astimezone(UTC)
