"""The pure rules of a campaign (no database): who is held out, when quiet hours end, and the
incremental figures of the treated group against the holdout with their 95 % interval."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from statistics import NormalDist
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUCKETS = 10_000


def bucket(campaign_id: int, member_id: int) -> int:
    """A stable number 0..9999 for (campaign, member): SHA-256, never Python's ``hash``."""
    digest = hashlib.sha256(f"campaign:{campaign_id}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def is_holdout(campaign_id: int, member_id: int, percent: int) -> bool:
    return bucket(campaign_id, member_id) < percent * BUCKETS // 100


def parse_clock(text: str) -> int | None:
    """``"22:00"`` → 1320 minutes after midnight; None when it is not a time."""
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        return None
    if len(text) != 5 or parsed.second or parsed.tzinfo is not None:
        return None
    return parsed.hour * 60 + parsed.minute


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quiet_until(now: datetime, start_minute: int, end_minute: int) -> datetime | None:
    """The end of the quiet window ``now`` falls in (Asia/Shanghai), or None outside it. The
    window may wrap midnight (22:00–08:00); equal ends mean no quiet hours."""
    if start_minute == end_minute:
        return None
    local = now.astimezone(SHANGHAI)
    minute = local.hour * 60 + local.minute
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if start_minute < end_minute:
        inside = start_minute <= minute < end_minute
        end_day = midnight
    else:
        inside = minute >= start_minute or minute < end_minute
        end_day = midnight + timedelta(days=1) if minute >= start_minute else midnight
    if not inside:
        return None
    # Day arithmetic in local time: Asia/Shanghai has no daylight saving.
    return (end_day + timedelta(minutes=end_minute)).astimezone(now.tzinfo)


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One group: shoppers, how many ordered, orders and revenue (fen) in the window."""

    shoppers: int
    ordering: int
    orders: int
    revenue: int


@dataclass(frozen=True, slots=True)
class Lift:
    """Incremental orders or revenue of the treated group: (treated rate − holdout rate) ×
    treated shoppers, and its 95 % interval (normal approximation, unequal variances)."""

    value: float
    ci_low: float | None
    ci_high: float | None


def _moments(values: Sequence[int], n: int) -> tuple[float, float]:
    """Mean and sample variance of per-shopper values (zeros for shoppers not listed)."""
    if n == 0:
        return 0.0, 0.0
    total = sum(values)
    mean = total / n
    if n < 2:
        return mean, 0.0
    squares = sum(v * v for v in values)
    return mean, max(0.0, (squares - n * mean * mean) / (n - 1))


def lift(treated: Sequence[int], treated_n: int, holdout: Sequence[int], holdout_n: int) -> Lift:
    """``treated``/``holdout``: the per-shopper values of the shoppers with any (orders or
    fen); the other shoppers of each group count as 0."""
    if treated_n == 0 or holdout_n == 0:
        return Lift(0.0, None, None)
    mean_t, var_t = _moments(treated, treated_n)
    mean_h, var_h = _moments(holdout, holdout_n)
    value = (mean_t - mean_h) * treated_n
    if treated_n < 2 or holdout_n < 2:
        return Lift(value, None, None)
    z = NormalDist().inv_cdf(0.975)  # the standard library's: no SciPy on the API's start-up
    margin = z * math.sqrt(var_t / treated_n + var_h / holdout_n) * treated_n
    return Lift(value, value - margin, value + margin)
