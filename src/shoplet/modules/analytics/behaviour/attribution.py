"""Attribution of paid orders to the touches before them: pure functions, no I/O.

A **touch** is a page view that opens a session (the SDK's session rule, ``sessions.py``) or
that carries a marker of its own: a share code (a share link's landing page: channel ``share``,
campaign the share code, as ``docs/sharing.md`` counts a visit), ``utm_source`` (channel the
source, campaign ``utm_campaign``) or ``campaign`` (channel ``campaign``). Other session
openers are classified as the funnels' breakdown does: ``scene:<value>``, the referrer's host,
or ``direct``.

An order's touches are its person's (identities merged) in ``[paid − lookback, paid)``. Models
give each touch a weight; the weights of an order sum to exactly 1 (``Fraction``), and its
amount is split in fen with ``core.money.split_proportionally`` (largest remainder), so the
parts sum exactly to the amount. An order with no touch is credited to ``unattributed``.

| model | one touch | two | n ≥ 3 |
| --- | --- | --- | --- |
| ``last_touch`` | 1 | 0, 1 | the last 1 |
| ``first_touch`` | 1 | 1, 0 | the first 1 |
| ``linear`` | 1 | ½, ½ | 1/n each |
| ``position_based`` | 1 | ½, ½ | 40 % first, 40 % last, 20 % shared by the middle |

**Share links, social's rule** (``social_share_credit``): the social module credits a link with
an order when the buyer was attributed to it (first touch; a later link takes over only once the
attribution is ``ATTRIBUTION_WINDOW`` old) and the order is paid within that window of the
attribution. The function replays exactly that over the share touches, so 归因分析's share-link
table agrees with 分享统计 and commissions for signed-in visitors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Final, Literal

from shoplet.core.money import split_proportionally

Model = Literal["last_touch", "first_touch", "linear", "position_based"]
MODELS: Final[tuple[Model, ...]] = ("last_touch", "first_touch", "linear", "position_based")
UNATTRIBUTED: Final = "unattributed"
SHARE_CHANNEL: Final = "share"
SOCIAL_ATTRIBUTION_WINDOW: Final = timedelta(days=7)  # social's ATTRIBUTION_WINDOW


@dataclass(frozen=True, slots=True)
class Touch:
    ts: datetime
    channel: str
    campaign: str = ""


@dataclass(frozen=True, slots=True)
class Order:
    order_no: str
    person: str
    paid_at: datetime
    amount: int


@dataclass(frozen=True, slots=True)
class Credit:
    channel: str
    campaign: str
    weight: Fraction
    revenue: int


@dataclass(slots=True)
class Bucket:
    channel: str
    campaign: str
    orders: Fraction
    revenue: int
    touches: int


def weights(model: Model, n: int) -> list[Fraction]:
    """The weight of each of ``n`` touches (oldest first); they sum to exactly 1."""
    if n <= 0:
        return []
    if n == 1:
        return [Fraction(1)]
    if model == "last_touch":
        return [Fraction(0)] * (n - 1) + [Fraction(1)]
    if model == "first_touch":
        return [Fraction(1)] + [Fraction(0)] * (n - 1)
    if model == "linear" or n == 2:
        return [Fraction(1, n)] * n
    middle = Fraction(1, 5) / (n - 2)
    return [Fraction(2, 5)] + [middle] * (n - 2) + [Fraction(2, 5)]


def split_amount(amount: int, shares: Sequence[Fraction]) -> list[int]:
    """``amount`` fen over ``shares`` (summing to 1) with the project's largest-remainder split:
    the parts sum exactly to ``amount``."""
    if not shares:
        return []
    common = math.lcm(*(s.denominator for s in shares))
    return split_proportionally(amount, [int(s * common) for s in shares])


def attribute_order(amount: int, touches: Sequence[Touch], model: Model) -> list[Credit]:
    """One order's credits: a touch each with a weight above 0 (oldest first), or
    ``unattributed`` with none."""
    if not touches:
        return [Credit(UNATTRIBUTED, "", Fraction(1), amount)]
    ordered = sorted(touches, key=lambda t: t.ts)
    shares = weights(model, len(ordered))
    fen = split_amount(amount, shares)
    return [
        Credit(t.channel, t.campaign, w, f)
        for t, w, f in zip(ordered, shares, fen, strict=True)
        if w  # last/first touch: the other touches get nothing, not a row of zeros
    ]


def touches_in_lookback(
    touches: Sequence[Touch], paid_at: datetime, lookback: timedelta
) -> list[Touch]:
    """The touches in ``[paid_at − lookback, paid_at)``, oldest first."""
    return sorted((t for t in touches if paid_at - lookback <= t.ts < paid_at), key=lambda t: t.ts)


def attribute(
    orders: Sequence[Order],
    touches_by_person: dict[str, list[Touch]],
    *,
    model: Model,
    lookback: timedelta,
    group_by: Literal["channel", "campaign"] = "channel",
) -> list[Bucket]:
    """Orders and revenue credited per channel (or per channel and campaign), biggest revenue
    first. ``orders`` are fractional credits: under ``linear`` an order with 4 touches gives a
    quarter of an order to each."""
    buckets: dict[tuple[str, str], Bucket] = {}
    for order in orders:
        mine = touches_in_lookback(touches_by_person.get(order.person, []), order.paid_at, lookback)
        for credit in attribute_order(order.amount, mine, model):
            key = (credit.channel, credit.campaign if group_by == "campaign" else "")
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = Bucket(key[0], key[1], Fraction(0), 0, 0)
            bucket.orders += credit.weight
            bucket.revenue += credit.revenue
            bucket.touches += 0 if credit.channel == UNATTRIBUTED else 1
    return sorted(buckets.values(), key=lambda b: (-b.revenue, -b.orders, b.channel, b.campaign))


def social_share_credit(
    share_touches: Sequence[Touch],
    paid_at: datetime,
    window: timedelta = SOCIAL_ATTRIBUTION_WINDOW,
) -> str | None:
    """The share code social credits with an order paid at ``paid_at``: replay its attribution
    (the first link; a later link takes over only when the current attribution is older than
    ``window``), then count the order when it is paid within ``window`` of the attribution."""
    current: Touch | None = None
    for touch in sorted(share_touches, key=lambda t: t.ts):
        if touch.ts >= paid_at:
            break
        if current is None or current.ts < touch.ts - window:
            current = touch
    if current is None or paid_at - current.ts > window:
        return None
    return current.campaign


@dataclass(slots=True)
class ShareLink:
    share_code: str
    orders: int
    revenue: int


def share_links(
    orders: Sequence[Order], touches_by_person: dict[str, list[Touch]]
) -> list[ShareLink]:
    """Orders and revenue per share code under social's rule (``social_share_credit``)."""
    out: dict[str, ShareLink] = {}
    for order in orders:
        shares = [t for t in touches_by_person.get(order.person, []) if t.channel == SHARE_CHANNEL]
        code = social_share_credit(shares, order.paid_at)
        if code is None:
            continue
        link = out.setdefault(code, ShareLink(code, 0, 0))
        link.orders += 1
        link.revenue += order.amount
    return sorted(out.values(), key=lambda s: (-s.revenue, -s.orders, s.share_code))
