"""Commissions: made on ``order.paid``, frozen until the after-sales window after completion
has passed (``social.distribution_unfreeze`` job), reversed line by line when money goes back.

- One commission per (order line, level): level 1 for the promoter the buyer is bound to when
  the order is paid, level 2 for that promoter's own promoter. A redelivered or concurrent
  ``order.paid`` inserts nothing twice (``ON CONFLICT DO NOTHING`` on the unique pair).
- Refunds: the refunded fen of each line (a return spreads over the returned units, a refund
  without return over every line) reverses the same share of the line's commissions; the
  target is recomputed from all the order's refunds each time, and ``reversed_amount`` moves by
  compare-and-set, so the order of events and redeliveries do not matter. Commission already
  settled into the balance is taken back with a negative adjustment row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.orders import public as orders

from . import events as ev
from . import repository as repo
from .models import Commission
from .rules import (
    LineFacts,
    Rates,
    RefundFacts,
    commission_amount,
    rate_for,
    refunded_per_line,
    reversal_target,
)
from .schemas import CommissionAdmin, CommissionView
from .service import active_promoter, auto_promote, binding_valid, current_settings, default_rates

log = structlog.get_logger("shoplet.social.distribution")

CLOCK_KEY = "social.distribution.clock"
UNFREEZE_BATCH = 200
CAS_ATTEMPTS = 5


def clock_now(ctx: AppContext) -> datetime:
    """The jobs' clock: ``ctx.extras[CLOCK_KEY]()`` when a test or script set one."""
    clock = ctx.extras.get(CLOCK_KEY)
    return clock() if clock is not None else utcnow()


async def _order(session: AsyncSession, order_no: str) -> orders.OrderAdmin:
    # No PII cipher: the address stays out of it (None), lines and after-sales are all we read.
    return await orders.get_order_admin(session, None, order_no)  # type: ignore[arg-type]


async def _rates(session: AsyncSession) -> tuple[dict[int, Rates], dict[int, Rates]]:
    by_product: dict[int, Rates] = {}
    by_category: dict[int, Rates] = {}
    for row in await repo.list_rates(session):
        target = by_product if row.scope == "product" else by_category
        target[row.target_id] = Rates(row.level1_bps, row.level2_bps)
    return by_product, by_category


async def handle_order_paid(
    session: AsyncSession, payload: Mapping[str, Any], window_days: int
) -> int:
    """Commissions of a paid order (frozen): how many were made now."""
    settings = await current_settings(session, window_days)
    if not settings.is_enabled:
        return 0
    member_id = int(payload["member_id"])
    order_no = str(payload["order_no"])
    await auto_promote(session, settings, member_id)
    now = utcnow()
    binding = await repo.get_binding(session, member_id)
    if binding is None or not binding_valid(binding, now):
        return 0
    first = await repo.get_promoter(session, binding.promoter_id)
    if first is None or first.status != "active" or first.member_id == member_id:
        return 0
    earners = [(1, first.id)]
    upper = await repo.get_binding(session, first.member_id)
    if upper is not None and binding_valid(upper, now):
        second = await repo.get_promoter(session, upper.promoter_id)
        if second is not None and second.status == "active" and second.member_id != member_id:
            earners.append((2, second.id))
    lines = await orders.member_order_lines(session, member_id=member_id, order_no=order_no)
    payable = {line.sku_id: line.payable for line in (await _order(session, order_no)).lines}
    snaps = await catalog.get_sku_snapshots(session, sorted({ln.sku_id for ln in lines.lines}))
    by_product, by_category = await _rates(session)
    made = 0
    for line in lines.lines:
        snap = snaps.get(line.sku_id)
        rates = rate_for(
            product_id=line.product_id,
            category_id=snap.category_id if snap is not None else None,
            default=default_rates(settings),
            by_product=by_product,
            by_category=by_category,
        )
        line_payable = payable.get(line.sku_id, 0)
        for level, promoter_id in earners:
            amount = commission_amount(line_payable, rates.of(level))
            if amount <= 0:
                continue
            created = await repo.insert_commission(
                session,
                {
                    "promoter_id": promoter_id,
                    "level": level,
                    "order_no": order_no,
                    "order_line_id": line.line_id,
                    "buyer_member_id": member_id,
                    "product_id": line.product_id,
                    "sku_id": line.sku_id,
                    "title": line.title[:200],
                    "line_payable": line_payable,
                    "rate_bps": rates.of(level),
                    "amount": amount,
                    "reversed_amount": 0,
                    "status": "frozen",
                    "unfreeze_at": None,
                    "settled_at": None,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if created is None:
                continue
            made += 1
            await publish(
                session,
                ev.COMMISSION_CREATED,
                {
                    "order_no": order_no,
                    "promoter_id": promoter_id,
                    "level": level,
                    "amount": amount,
                },
                key=order_no,
            )
    return made


async def handle_order_completed(
    session: AsyncSession, order_no: str, completed_at: datetime, window_days: int
) -> int:
    """The freeze window starts: commissions unfreeze ``freeze_days`` after completion."""
    settings = await current_settings(session, window_days)
    return await repo.start_freeze(
        session, order_no, completed_at + timedelta(days=settings.freeze_days)
    )


async def handle_refund(session: AsyncSession, order_no: str, *, full: bool) -> int:
    """Reverse the order's commissions in proportion to what each line got back: fen reversed
    now (0 on a redelivery)."""
    commissions = await repo.commissions_of_order(session, order_no)
    if not commissions:
        return 0
    order = await _order(session, order_no)
    lines = [LineFacts(ln.sku_id, ln.quantity, ln.payable) for ln in order.lines]
    if full or order.status == "refunded":
        refunded = {ln.sku_id: ln.payable for ln in lines}
    else:
        refunds = [
            RefundFacts(a.amount, [(i.sku_id, i.quantity) for i in a.items])
            for a in order.aftersales
            if a.status == "refunded"
        ]
        refunded = refunded_per_line(lines, refunds)
    total = 0
    now = utcnow()
    for commission in commissions:
        target = reversal_target(
            commission.amount, commission.line_payable, refunded.get(commission.sku_id, 0)
        )
        total += await _reverse_to(session, commission, target, now)
    return total


async def _reverse_to(
    session: AsyncSession, commission: Commission, target: int, now: datetime
) -> int:
    row: Commission | None = commission
    for _ in range(CAS_ATTEMPTS):
        if row is None or row.status == "reversed" or row.reversed_amount >= target:
            return 0
        was_status, was = row.status, row.reversed_amount
        after = await repo.reverse_commission(
            session, row.id, status=was_status, was=was, to=target, now=now
        )
        if after is not None:
            delta = target - was
            # Already in the balance (maybe withdrawn): a negative entry takes it back.
            if was_status == "settled" and await repo.insert_adjustment(
                session,
                {
                    "promoter_id": row.promoter_id,
                    "commission_id": row.id,
                    "reversed_to": target,
                    "amount": -delta,
                    "reason": f"订单 {row.order_no} 退款，佣金冲回",
                    "created_at": now,
                },
            ):
                await repo.add_available(session, row.promoter_id, -delta, now)
            return delta
        # Settled or reversed meanwhile: read it again and retry from what it is now.
        row = await repo.get_commission(session, row.id)
    log.warning("distribution_reversal_contended", commission_id=commission.id)
    return 0


async def unfreeze_due(ctx: AppContext) -> int:
    """Settle every frozen commission past its window, each in its own transaction, into its
    promoter's balance (idempotent: frozen → settled is conditional)."""
    now = clock_now(ctx)
    async with read_session(ctx.sessionmaker) as session:
        ids = await repo.due_commission_ids(session, now, UNFREEZE_BATCH)
    settled = 0
    for commission_id in ids:
        async with unit_of_work(ctx.sessionmaker) as session:
            found = await repo.settle_commission(session, commission_id, now)
            if found is None:
                continue
            promoter_id, amount = found
            if amount:
                await repo.add_available(session, promoter_id, amount, now)
            settled += 1
    return settled


def view(row: Commission) -> CommissionView:
    return CommissionView(
        id=row.id,
        order_no=row.order_no,
        level=row.level,  # type: ignore[arg-type]
        title=row.title,
        line_payable=row.line_payable,
        rate_bps=row.rate_bps,
        amount=row.amount,
        reversed_amount=row.reversed_amount,
        status=row.status,  # type: ignore[arg-type]
        unfreeze_at=row.unfreeze_at,
        created_at=row.created_at,
    )


async def my_commissions(
    session: AsyncSession, member_id: int, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[CommissionView], str | None]:
    promoter = await active_promoter(session, member_id)
    rows = await repo.list_commissions(
        session,
        promoter_id=promoter.id,
        status=status,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [view(r) for r in page], next_cursor


async def list_commissions(
    session: AsyncSession,
    *,
    promoter_id: int | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CommissionAdmin], str | None]:
    rows = await repo.list_commissions(
        session,
        promoter_id=promoter_id,
        status=status,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    items = [
        CommissionAdmin(
            **view(r).model_dump(), promoter_id=r.promoter_id, buyer_member_id=r.buyer_member_id
        )
        for r in page
    ]
    return items, next_cursor
