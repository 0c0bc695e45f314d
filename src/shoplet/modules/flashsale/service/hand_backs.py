"""Hand-backs: units of cancelled flash-sale orders go back to their campaign."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.runtime import runtime_for, runtime_of
from shoplet.modules.inventory import public as inventory

from ._common import log, parse_hold_ref
from .consumers import _give_back_of, _hand_back

# -- hand-backs ------------------------------------------------------------------------------


async def handle_order_cancelled(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``order.cancelled`` of a flash order: orders already moved its units back to the hold;
    put them back on the live counter (once), and to free stock if the campaign is over."""
    ref = payload.get("stock_source_ref")
    order_no = payload.get("order_no")
    if payload.get("source") != "flashsale" or not isinstance(ref, str) or not order_no:
        return
    if parse_hold_ref(ref) is None:
        return
    ticket = await repo.get_ticket_by_order(session, str(order_no))
    if ticket is None:
        log.warning("flashsale.cancelled_order_unknown", order_no=order_no)
        return
    now = utcnow()
    # What orders actually moved back into the hold (nothing when the order's own hold had
    # expired into free stock first): only that may go back on the counter.
    back = payload.get("returned_to_source")
    units = (
        sum(
            int(r.get("quantity", 0))
            for r in back
            if isinstance(r, Mapping) and r.get("sku_id") == ticket.sku_id
        )
        if isinstance(back, list)
        else ticket.quantity
    )
    status = "returned" if units > 0 else "released"
    won = await repo.mark_cancelled(session, ticket.ticket, status=status, now=now)
    campaign = await repo.get_campaign(session, ticket.campaign_id)
    if campaign is not None and campaign.settled_at is not None:
        await inventory.release(session, ref=ref, reason="flash sale over")
    runtime = runtime_for(session)
    if won and status == "returned" and runtime is not None:
        # Redis first, then the synced mark in this same transaction: if the commit fails, the
        # retry finds the hand-back done (the returned-ticket guard) and only marks it.
        await _hand_back(runtime, _give_back_of(ticket, None))
        await repo.mark_synced(session, [ticket.ticket], now=now)


async def sync_hand_backs(ctx: AppContext, *, batch: int = 200) -> int:
    """Hand-backs the counter has not seen (a crash between the database and Redis): apply them
    (each once, by the returned-ticket guard). Returns how many were applied."""
    runtime = runtime_of(ctx)
    applied = 0
    while True:
        async with read_session(ctx.sessionmaker) as session:
            tickets = await repo.unsynced_tickets(session, limit=batch)
        for ticket in tickets:
            await _hand_back(runtime, _give_back_of(ticket, None))
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.mark_synced(session, [t.ticket for t in tickets], now=utcnow())
        applied += len(tickets)
        if len(tickets) < batch:
            return applied
