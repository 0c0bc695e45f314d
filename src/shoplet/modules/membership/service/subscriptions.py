"""Buying a plan and what the order's fate does to it.

- ``buy_plan``: a virtual order through ``orders.create_order`` (no address, stock or shipping;
  idempotent per shopper + ``Idempotency-Key``) and a ``pending`` period, in the request's
  transaction. Paying it is the normal ``POST /orders/{order_no}/pay`` (WeChat Pay v3).
- ``order.paid`` -> ``start_period``: under the member's subscription row lock, the period runs
  from now, or from the end of the last one (a renewal extends it), once — a repeated notify
  or redelivered event finds it ``active`` already and changes nothing.
- ``order.cancelled`` (never paid) -> ``cancelled``.
- ``aftersale.refunded`` / ``order.refunded`` -> ``revoke``: the period ends now (one not
  started yet ends before it starts), and the periods queued after it move earlier by the time
  it gave back, so what is left stays contiguous.
- ``remind_renewals`` (job): one reminder per member and end date, ``RENEWAL_REMIND_DAYS``
  before the subscription ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import PiiCipher
from shoplet.modules.members import public as members
from shoplet.modules.membership import events as ev
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.errors import PlanNotOnSale, PlanPriceChanged
from shoplet.modules.membership.rules import RENEWAL_REMIND_DAYS, period_bounds
from shoplet.modules.membership.schemas import PlanOrderBody, PlanOrderOut, PlanPeriodOut
from shoplet.modules.orders import public as orders

from .plans import benefits_json, period_view, plan_view, require_plan

log = structlog.get_logger("shoplet.membership")

ORDER_SOURCE = "membership"
CHINA = timedelta(hours=8)
REMIND_BATCH = 200


def _request_hash(plan_id: int, price: int) -> str:
    return hashlib.sha256(f"membership-plan:{plan_id}:{price}".encode()).hexdigest()


async def buy_plan(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    member_id: int,
    body: PlanOrderBody,
    idempotency_key: str,
    expires_at: datetime,
) -> tuple[PlanOrderOut, bool]:
    """Create the plan's virtual order and its pending period: ``(order, created)``. 404
    ``membership.plan_not_found``, 409 ``membership.plan_not_on_sale``, 409
    ``membership.plan_price_changed`` (the price shown is not the plan's) — nothing written."""
    await members.hold_member(session, member_id)
    plan = require_plan(await repo.get_plan(session, body.plan_id), body.plan_id)
    digest = _request_hash(plan.id, body.price)
    existing = await orders.find_by_idempotency_key(
        session, pii, member_id=member_id, idempotency_key=idempotency_key, request_hash=digest
    )
    if existing is not None:
        return _order_out(existing, plan_view(plan)), False
    if not plan.is_on_sale:
        raise PlanNotOnSale(plan_id=plan.id)
    if body.price != plan.price:
        raise PlanPriceChanged(plan_id=plan.id, price=plan.price)
    line = orders.OrderLineInput(
        sku_id=0,
        product_id=0,
        title=plan.name,
        spec_text=f"{plan.months}个月",
        image=None,
        unit_price=plan.price,
        quantity=1,
        discount=0,
    )
    order, created = await orders.create_order(
        session,
        pii,
        member_id=member_id,
        lines=[line],
        items_total=plan.price,
        shipping_fee=0,
        discount_total=0,
        payable_total=plan.price,
        address=None,
        remark=None,
        idempotency_key=idempotency_key,
        request_hash=digest,
        expires_at=expires_at,
        source=ORDER_SOURCE,
        virtual=True,
    )
    if created:
        now = utcnow()
        await repo.insert_period(
            session,
            {
                "order_no": order.order_no,
                "member_id": member_id,
                "plan_id": plan.id,
                "plan_name": plan.name,
                "price": plan.price,
                "months": plan.months,
                "benefits": benefits_json(plan),
                "status": "pending",
                "refunded": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    return _order_out(order, plan_view(plan)), created


def _order_out(order: orders.OrderDetail, plan: Any) -> PlanOrderOut:
    return PlanOrderOut(
        order_no=order.order_no,
        plan=plan,
        payable_total=order.payable_total,
        expires_at=order.expires_at,
    )


def _time(value: Any, default: datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return default
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return default


async def start_period(
    session: AsyncSession, payload: Mapping[str, Any], *, now: datetime | None = None
) -> bool:
    """``order.paid`` of a plan order: the period starts (or is queued after the running one).
    True when this call started it; orders that are not plan orders are ignored."""
    order_no = str(payload["order_no"])
    period = await repo.get_period_by_order(session, order_no)
    if period is None or period.status != "pending":
        return False
    now = now or utcnow()
    period_id, member_id, plan_id, months = (
        period.id,
        period.member_id,
        period.plan_id,
        period.months,
    )
    plan_name, coupons = period.plan_name, list(period.benefits.get("coupon_template_ids", []))
    # The member's row first: concurrent payments of one member queue here, so each period
    # starts where the previous one ends.
    current_end = await repo.lock_subscription(session, member_id, now)
    starts_at, ends_at = period_bounds(now, current_end, months)
    paid_at = _time(payload.get("paid_at"), now)
    if not await repo.activate_period(
        session, period_id, starts_at=starts_at, ends_at=ends_at, paid_at=paid_at, now=now
    ):
        return False  # a repeat that waited for the first one: it is active already
    await repo.set_subscription(session, member_id, plan_id=plan_id, ends_at=ends_at, now=now)
    await publish(
        session,
        ev.PLAN_STARTED,
        {
            "member_id": member_id,
            "order_no": order_no,
            "plan_id": plan_id,
            "plan_name": plan_name,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "renewal": starts_at > now,
            "coupon_template_ids": coupons,
        },
        key=f"member:{member_id}",
    )
    log.info("membership_plan_started", order_no=order_no, member_id=member_id)
    return True


async def cancel_pending(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``order.cancelled``: a plan order never paid leaves a cancelled period."""
    await repo.cancel_period(session, str(payload["order_no"]), utcnow())


async def revoke(
    session: AsyncSession, payload: Mapping[str, Any], *, now: datetime | None = None
) -> bool:
    """A refund of a plan order (an after-sale refund, or the order refunded): the period ends
    now, once; the periods queued after it move earlier by the unused time it gave back."""
    order_no = str(payload["order_no"])
    period = await repo.get_period_by_order(session, order_no)
    if period is None or period.status != "active":
        return False
    now = now or utcnow()
    await repo.lock_subscription(session, period.member_id, now)
    # Read again under the lock: another revocation may have moved this period meanwhile.
    period = await repo.get_period_by_order(session, order_no)
    if period is None or period.status != "active" or period.starts_at is None:
        return False
    if period.ends_at is None:
        return False
    # Read before the updates: the ORM keeps loaded rows in step with them.
    member_id, plan_of_period, old_end = period.member_id, period.plan_id, period.ends_at
    new_end = min(old_end, max(period.starts_at, now))
    refunded = int(payload.get("refunded_total") or payload.get("amount") or 0)
    if not await repo.revoke_period(
        session, period.id, ends_at=new_end, refunded=refunded, now=now
    ):
        return False
    given_back = old_end - new_end
    last_end: datetime | None = None
    plan_id: int | None = None
    for later in await repo.active_periods(session, member_id):
        if later.starts_at is None or later.ends_at is None:
            continue
        later_id, start, end, plan_id = later.id, later.starts_at, later.ends_at, later.plan_id
        if start >= old_end and given_back:
            start, end = start - given_back, end - given_back
            await repo.shift_period(session, later_id, starts_at=start, ends_at=end, now=now)
        last_end = end
    await repo.set_subscription(
        session,
        member_id,
        plan_id=plan_id,
        ends_at=last_end if last_end is not None and last_end > now else None,
        now=now,
    )
    await publish(
        session,
        ev.PLAN_REVOKED,
        {
            "member_id": member_id,
            "order_no": order_no,
            "plan_id": plan_of_period,
            "refunded": refunded,
            "ends_at": new_end,
        },
        key=f"member:{member_id}",
    )
    log.info("membership_plan_revoked", order_no=order_no, member_id=member_id)
    return True


# -- reminders ---------------------------------------------------------------------------------


def reminder_text(ends_at: datetime) -> str:
    local = ends_at + CHINA
    return f"您的SVIP会员将于{local.year}年{local.month}月{local.day}日到期，续费后权益不间断"


async def remind_renewals(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """Record (and announce) one reminder per member whose subscription ends within
    ``RENEWAL_REMIND_DAYS``; idempotent per (member, end date). The reminders written."""
    written = 0
    after_member = 0
    until = now + timedelta(days=RENEWAL_REMIND_DAYS)
    while True:
        async with unit_of_work(sessionmaker) as session:
            due = await repo.subscriptions_ending(
                session, after=now, until=until, after_member=after_member, limit=REMIND_BATCH
            )
            for member_id, ends_at in due:
                message = reminder_text(ends_at)
                if await repo.insert_reminder_if_new(
                    session,
                    {
                        "member_id": member_id,
                        "ends_at": ends_at,
                        "message": message,
                        "created_at": now,
                    },
                ):
                    written += 1
                    await publish(
                        session,
                        ev.RENEWAL_DUE,
                        {"member_id": member_id, "ends_at": ends_at, "message": message},
                        key=f"member:{member_id}",
                    )
        if len(due) < REMIND_BATCH:
            return written
        after_member = due[-1][0]


# -- the console's list --------------------------------------------------------------------------


async def list_subscriptions(
    session: AsyncSession,
    *,
    member_id: int | None,
    plan_id: int | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PlanPeriodOut], str | None]:
    """Plan periods newest first, by member, plan and state (``active`` running now, ``queued``
    paid and starting later, ``expired``, ``pending`` unpaid, ``revoked``, ``cancelled``)."""
    before_id = decode_id_cursor(cursor)
    now = utcnow()
    statuses: list[str] | None = None
    ends_after = ends_before = None
    if state in {"pending", "revoked", "cancelled"}:
        statuses = [state]
    elif state in {"active", "queued"}:
        statuses, ends_after = ["active"], now
    elif state == "expired":
        statuses, ends_before = ["active"], now
    rows = await repo.list_periods(
        session,
        member_id=member_id,
        plan_id=plan_id,
        statuses=statuses,
        ends_after=ends_after,
        ends_before=ends_before,
        before_id=before_id,
        limit=limit + 1,
    )
    page = [await period_view(session, r, now) for r in rows[:limit]]
    if state in {"active", "queued"}:
        page = [p for p in page if p.state == state]
    next_cursor = encode_id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return page, next_cursor
