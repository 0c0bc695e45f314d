"""A member's profile from their paid orders and tracked events (pure: no database, no I/O).

Orders count as RFM counts them: paid, and not refunded in full; spend is net of refunds.
Categories are the top-level categories of the lines bought, ranked by the lines' payable
(refunds are per order, not per line, so a partial refund does not move a category).
``price_sensitivity`` is the share of counted orders that had any discount, in permille.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RECENT_DAYS = 90
FAVOURITES = 3


@dataclass(frozen=True, slots=True)
class OrderFact:
    order_no: str
    paid_at: datetime
    payable: int
    refunded: int
    discount: int
    region_code: str
    lines: tuple[tuple[int, int], ...]  # (product id, payable fen)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the event store says of a member: their first event's platform and channel, their
    last event, whether they ever shared."""

    platform: str | None
    channel: str | None
    last_seen_at: datetime | None
    has_shared: bool


NO_EVENTS = EventFacts(None, None, None, False)


def profile_row(
    member_id: int,
    orders: Sequence[OrderFact],
    *,
    categories: Mapping[int, tuple[str, str]],
    coupon_orders: Set[str],
    events: EventFacts,
    default_region: str | None,
    rfm_class: str | None,
    now: datetime,
    promoter: bool = False,
) -> dict[str, Any]:
    """The ``analytics_profile`` row of one member (``promoter``: an active promoter in social's
    distribution, which outranks a sharer)."""
    counted = [o for o in orders if o.payable - o.refunded > 0]
    spend = sum(o.payable - o.refunded for o in counted)
    recent_from = now - timedelta(days=RECENT_DAYS)
    recent = [o for o in counted if o.paid_at >= recent_from]
    by_top: Counter[str] = Counter()
    names: set[str] = set()
    for o in counted:
        for product_id, payable in o.lines:
            leaf, top = categories.get(product_id, (None, None))
            if top is not None and leaf is not None:
                by_top[top] += payable
                names.update((leaf, top))
    favourites = [n for n, _ in sorted(by_top.items(), key=lambda kv: (-kv[1], kv[0]))]
    last_order = max(counted, key=lambda o: o.paid_at, default=None)
    last_purchase = None if last_order is None else last_order.paid_at
    candidates = [t for t in (last_purchase, events.last_seen_at) if t is not None]
    return {
        "member_id": member_id,
        "region_code": default_region or (None if last_order is None else last_order.region_code),
        "platform": events.platform,
        "channel": events.channel,
        "first_purchase_at": min((o.paid_at for o in counted), default=None),
        "last_purchase_at": last_purchase,
        "order_count": len(counted),
        "orders_90d": len(recent),
        "spend": spend,
        "spend_90d": sum(o.payable - o.refunded for o in recent),
        "aov": spend // len(counted) if counted else 0,
        "favourite_categories": favourites[:FAVOURITES],
        "categories": sorted(names),
        "price_sensitivity": (
            1000 * sum(1 for o in counted if o.discount > 0) // len(counted) if counted else 0
        ),
        "coupon_count": sum(1 for o in counted if o.order_no in coupon_orders),
        "social_role": "promoter" if promoter else ("sharer" if events.has_shared else None),
        "has_shared": events.has_shared,
        "last_active_at": max(candidates) if candidates else None,
        "rfm_class": rfm_class,
        "computed_at": now,
    }


def _days(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, (now - since).days)


def facts(row: Mapping[str, Any], now: datetime) -> dict[str, int | str | tuple[str, ...] | None]:
    """A profile row as the condition language sees it (``conditions.FIELDS``)."""
    return {
        "order_count": row["order_count"],
        "orders_90d": row["orders_90d"],
        "spend": row["spend"],
        "spend_90d": row["spend_90d"],
        "aov": row["aov"],
        "days_since_last_purchase": _days(row["last_purchase_at"], now),
        "days_since_first_purchase": _days(row["first_purchase_at"], now),
        "price_sensitivity": row["price_sensitivity"],
        "coupon_count": row["coupon_count"],
        "days_since_active": _days(row["last_active_at"], now),
        "region": row["region_code"],
        "platform": row["platform"],
        "channel": row["channel"],
        "rfm_class": row["rfm_class"],
        "social_role": row["social_role"],
        "categories": tuple(row["categories"] or ()),
    }
