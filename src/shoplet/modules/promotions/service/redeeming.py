"""The wallet a checkout prices against, redemption, and the reactions to orders (used on
payment, given back on cancellation and full refund)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import events as ev
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions import rules
from shoplet.modules.promotions.errors import (
    REFUSALS,
    CouponNotFound,
)
from shoplet.modules.promotions.models import Coupon as CouponRow
from shoplet.modules.promotions.models import CouponTemplate
from shoplet.modules.promotions.schemas import Coupon

from ._common import (
    WALLET_SIZE,
    coupon_view,
)

# -- the wallet at checkout ------------------------------------------------------------------


def rule_of(template: CouponTemplate) -> rules.Rule:
    return rules.Rule(
        name=template.name,
        kind=template.kind,
        threshold=template.threshold,
        amount=template.amount,
        rate_permille=template.rate_permille,
        scope=template.scope,
        scope_ids=tuple(template.scope_ids),
        is_new_customer_only=template.is_new_customer_only,
        stackable_with_promotions=template.stackable_with_promotions,
    )


@dataclass(frozen=True, slots=True)
class WalletEntry:
    """A held coupon against a cart: ``offer`` when usable, else ``refusal``."""

    coupon: Coupon
    rule: rules.Rule
    offer: rules.Offer | None
    refusal: rules.Refusal | None


def _entry(
    row: CouponRow,
    template: CouponTemplate,
    lines: Sequence[rules.CartLine],
    *,
    shipping_fee: int,
    is_new_customer: bool,
    now: datetime,
) -> WalletEntry:
    rule = rule_of(template)
    result = rules.evaluate(
        rule,
        lines,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        state=row.state,
        now=now,
        shipping_fee=shipping_fee,
        is_new_customer=is_new_customer,
    )
    view = coupon_view(row, template, now)
    if isinstance(result, rules.Offer):
        return WalletEntry(coupon=view, rule=rule, offer=result, refusal=None)
    return WalletEntry(coupon=view, rule=rule, offer=None, refusal=result)


async def wallet(
    session: AsyncSession,
    *,
    member_id: int,
    lines: Sequence[rules.CartLine],
    shipping_fee: int,
) -> list[WalletEntry]:
    """Every unused coupon the shopper holds (newest first, at most 200), priced against
    ``lines``; ``shipping_fee`` is the fee before any coupon. Reads only."""
    now = utcnow()
    rows = await repo.list_member_coupons(
        session, member_id=member_id, tab="usable", now=now, before_id=None, limit=WALLET_SIZE
    )
    if not rows:
        return []
    # Asked only when a held coupon is for new customers: nothing else depends on it.
    is_new = (
        not await orders.has_paid_order(session, member_id)
        if any(t.is_new_customer_only for _, t in rows)
        else True
    )
    return [
        _entry(c, t, lines, shipping_fee=shipping_fee, is_new_customer=is_new, now=now)
        for c, t in rows
    ]


def best_entry(entries: Sequence[WalletEntry]) -> WalletEntry | None:
    """Largest saving, then soonest expiry (``rules.best``)."""
    chosen = rules.best(
        [(e.coupon.id, e.coupon.valid_to, e.offer) for e in entries if e.offer is not None]
    )
    return next((e for e in entries if e.coupon.id == chosen), None)


async def coupon_for_cart(
    session: AsyncSession,
    *,
    member_id: int,
    coupon_id: int,
    lines: Sequence[rules.CartLine],
    shipping_fee: int,
) -> WalletEntry:
    """The shopper's chosen coupon with its offer, or the typed 4xx saying why it cannot be
    used (404 for an unknown or another shopper's coupon)."""
    found = await repo.get_member_coupon(session, coupon_id, member_id)
    if found is None:
        raise CouponNotFound(coupon_id=coupon_id)
    row, template = found
    is_new = (
        not await orders.has_paid_order(session, member_id)
        if template.is_new_customer_only
        else True
    )
    entry = _entry(
        row, template, lines, shipping_fee=shipping_fee, is_new_customer=is_new, now=utcnow()
    )
    if entry.refusal is not None:
        raise REFUSALS[entry.refusal.code](entry.refusal.message, coupon_id=coupon_id)
    return entry


async def redeem(
    session: AsyncSession,
    *,
    member_id: int,
    entry: WalletEntry,
    order_no: str,
    discount: int,
    shipping_discount: int,
    line_discounts: Mapping[int, int],
) -> None:
    """Lock the coupon for ``order_no`` and record the redemption (rule and per-line split).
    409 ``promotions.coupon_unavailable`` when another order locked it first: the caller's
    transaction rolls back and its order is not created."""
    await members.hold_member(session, member_id)
    now = utcnow()
    if not await repo.lock_coupon(
        session, coupon_id=entry.coupon.id, member_id=member_id, order_no=order_no, now=now
    ):
        raise REFUSALS[rules.UNAVAILABLE](coupon_id=entry.coupon.id)
    await repo.insert_redemption(
        session,
        {
            "coupon_id": entry.coupon.id,
            "member_id": member_id,
            "order_no": order_no,
            "rule": {
                "template_id": entry.coupon.template_id,
                "name": entry.rule.name,
                "kind": entry.rule.kind,
                "threshold": entry.rule.threshold,
                "amount": entry.rule.amount,
                "rate_permille": entry.rule.rate_permille,
                "scope": entry.rule.scope,
                "scope_ids": list(entry.rule.scope_ids),
                "stackable_with_promotions": entry.rule.stackable_with_promotions,
            },
            "discount": discount,
            "shipping_discount": shipping_discount,
            "line_discounts": {str(k): v for k, v in sorted(line_discounts.items()) if v},
            "created_at": now,
            "returned_at": None,
        },
    )


@dataclass(frozen=True, slots=True)
class AppliedCoupon:
    coupon_id: int
    name: str
    kind: str
    rule: dict[str, Any]
    discount: int
    shipping_discount: int
    line_discounts: dict[int, int]
    returned: bool


async def applied_coupon(session: AsyncSession, order_no: str) -> AppliedCoupon | None:
    """The coupon snapshot an order was placed with (for after-sales and order pages)."""
    row = await repo.get_redemption(session, order_no)
    if row is None:
        return None
    return AppliedCoupon(
        coupon_id=row.coupon_id,
        name=str(row.rule.get("name", "")),
        kind=str(row.rule.get("kind", "")),
        rule=dict(row.rule),
        discount=row.discount,
        shipping_discount=row.shipping_discount,
        line_discounts={int(k): int(v) for k, v in row.line_discounts.items()},
        returned=row.returned_at is not None,
    )


# -- reactions to orders ---------------------------------------------------------------------


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``order.paid``: the order's locked coupon is used (idempotent: ``WHERE state='locked'``)."""
    order_no = str(payload["order_no"])
    for coupon_id, template_id, member_id in await repo.mark_used(
        session, order_no=order_no, now=utcnow()
    ):
        await repo.add_used(session, template_id, +1)
        redemption = await repo.get_redemption(session, order_no)
        await publish(
            session,
            ev.COUPON_USED,
            {
                "coupon_id": coupon_id,
                "template_id": template_id,
                "member_id": member_id,
                "order_no": order_no,
                "discount": redemption.discount if redemption else 0,
                "shipping_discount": redemption.shipping_discount if redemption else 0,
            },
            key=str(coupon_id),
        )


async def give_back(session: AsyncSession, order_no: str) -> None:
    """``order.cancelled`` / ``order.refunded`` (full): the order's coupon, locked or used,
    is unused again if still within its window, else expired. A partial refund publishes
    neither, so the coupon stays used. Idempotent: a second delivery finds nothing to move."""
    now = utcnow()
    returned = []
    for row in await repo.give_back(session, order_no=order_no, from_state="used", now=now):
        await repo.add_used(session, row[1], -1)
        returned.append(row)
    returned += await repo.give_back(session, order_no=order_no, from_state="locked", now=now)
    if not returned:
        return
    await repo.mark_redemption_returned(session, order_no, now)
    for coupon_id, template_id, member_id, state in returned:
        await publish(
            session,
            ev.COUPON_RETURNED,
            {
                "coupon_id": coupon_id,
                "template_id": template_id,
                "member_id": member_id,
                "order_no": order_no,
                "state": state,
            },
            key=str(coupon_id),
        )


async def expire_due(session: AsyncSession) -> int:
    """Unused coupons past their window become ``expired`` (lists show them so already)."""
    return await repo.expire_due(session, utcnow())
