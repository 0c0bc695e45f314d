"""Reconciliation: tickets, counters and orders of a campaign checked against each other."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.errors import CampaignNotFound
from shoplet.modules.flashsale.models import CampaignItem, Ticket
from shoplet.modules.flashsale.runtime import FlashRuntime, runtime_of
from shoplet.modules.flashsale.schemas import ReconcileSnapshot, StreamEntry
from shoplet.modules.flashsale.store import entry_order
from shoplet.modules.inventory import public as inventory

from ._common import hold_ref, log
from .consumers import _give_back_of, _hand_back

RECONCILE_SAMPLE = 20


# -- reconciliation --------------------------------------------------------------------------


@dataclass
class _Findings:
    repaired: list[dict[str, Any]] = field(default_factory=list)
    unexplained: list[dict[str, Any]] = field(default_factory=list)
    queued: Counter[int] = field(default_factory=Counter)


async def _check_tickets(
    ctx: AppContext,
    runtime: FlashRuntime,
    *,
    snapshot: ReconcileSnapshot,
    copies: Mapping[str, list[StreamEntry]],
    by_ticket: Mapping[str, Ticket],
    found: _Findings,
) -> None:
    """Every accepted request has a ticket row or is in flight; every hand-back the database
    knows of reached the counter; the counter handed back nothing for a live order."""
    delivered = entry_order(snapshot.last_delivered_id)
    for ticket_code, entries in copies.items():
        entry = entries[0]
        ticket = by_ticket.get(ticket_code)
        if ticket is None:
            found.queued[entry.sku_id] += entry.quantity
            if any(
                e.entry_id in snapshot.pending or entry_order(e.entry_id) > delivered
                for e in entries
            ):
                continue  # in flight: a consumer has it or will
            # Acknowledged, yet no ticket row: the request was dropped. Queue it again (the
            # consumer handles it once, by its ticket).
            await runtime.store.requeue(entry)
            found.repaired.append({"ticket": ticket_code, "action": "requeued"})
        elif ticket.status in ("failed", "returned") and ticket_code not in snapshot.returned:
            if ticket.synced_at is not None:
                found.unexplained.append({"ticket": ticket_code, "problem": "hand_back_lost"})
                continue
            await _hand_back(runtime, _give_back_of(ticket, None))
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.mark_synced(session, [ticket_code], now=utcnow())
            found.repaired.append({"ticket": ticket_code, "action": "handed_back"})
    for returned in sorted(snapshot.returned):
        row = by_ticket.get(returned)
        if row is None or row.status == "created":
            found.unexplained.append({"ticket": returned, "problem": "handed_back_while_ordered"})
    for code in by_ticket:
        if code not in copies:
            found.unexplained.append({"ticket": code, "problem": "ticket_without_request"})


def _check_counters(
    items: Sequence[CampaignItem],
    snapshot: ReconcileSnapshot,
    copies: Mapping[str, list[StreamEntry]],
    tickets: Sequence[Ticket],
    holds: Mapping[int, int],
    *,
    settled: bool,
    found: _Findings,
) -> list[dict[str, Any]]:
    """Per SKU: counter == stock - accepted + handed back (Redis, one atomic snapshot; the
    returned-ticket set, not the database, says what was handed back, so a hand-back racing
    this check is never miscounted), and hold == stock - units in live orders (database)."""
    rows = []
    for item in items:
        sku = item.sku_id
        entries = [e[0] for e in copies.values() if e[0].sku_id == sku]
        accepted = sum(e.quantity for e in entries)
        given_back = sum(e.quantity for e in entries if e.ticket in snapshot.returned)
        # Orders whose request is not in the stream (Redis lost it, and the warm-up rebuilt the
        # counter from the database): out of the counter while their order lives.
        only_in_db = sum(
            t.quantity
            for t in tickets
            if t.sku_id == sku and t.status in ("created", "released") and t.ticket not in copies
        )
        remaining = snapshot.remaining.get(sku)
        expected = item.stock - accepted + given_back - only_in_db
        in_orders = sum(t.quantity for t in tickets if t.sku_id == sku and t.status == "created")
        # Cancelled after their order's hold had expired into free stock: gone from the hold.
        released = sum(t.quantity for t in tickets if t.sku_id == sku and t.status == "released")
        row: dict[str, Any] = {
            "sku_id": sku,
            "stock": item.stock,
            "remaining": remaining,
            "expected_remaining": expected,
            "queued": found.queued[sku],
            "ordered": in_orders,
            "held": holds[sku],
        }
        if remaining is not None and remaining != expected:
            found.unexplained.append(
                {"sku_id": sku, "problem": "counter_mismatch", "diff": remaining - expected}
            )
        if not settled:
            drift = holds[sku] - (item.stock - in_orders - released)
            # Positive: orders cancelled whose event is not handled yet (it will be).
            row["awaiting_cancellations"] = max(drift, 0)
            if drift < 0:
                found.unexplained.append({"sku_id": sku, "problem": "hold_short", "diff": drift})
        rows.append(row)
    return rows


async def reconcile_campaign(ctx: AppContext, campaign_id: int) -> dict[str, Any]:
    """Compare the live counter, the stream and the database for one campaign; repair what is
    in flight (hand-backs Redis has not seen, requests acknowledged without a ticket row) and
    report what cannot be explained. The report is stored on the campaign."""
    runtime = runtime_of(ctx)
    # Redis first, then the database: a request acknowledged before the snapshot has its
    # ticket row committed before, so the database read below sees it.
    snapshot = await runtime.store.reconcile_snapshot(campaign_id)
    async with read_session(ctx.sessionmaker) as session:
        if session.get_bind().dialect.name == "postgresql":
            # One view of the database for all the reads below.
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        campaign = await repo.get_campaign(session, campaign_id)
        if campaign is None:
            raise CampaignNotFound()
        items = (await repo.items_of(session, [campaign_id]))[campaign_id]
        tickets = await repo.tickets_of(session, campaign_id)
        holds = {
            i.sku_id: await inventory.held_quantity(
                session, ref=hold_ref(campaign_id, i.sku_id), sku_id=i.sku_id
            )
            for i in items
        }
        settled = campaign.settled_at is not None
    copies: dict[str, list[StreamEntry]] = defaultdict(list)
    for entry in snapshot.entries:
        copies[entry.ticket].append(entry)
    found = _Findings()
    by_ticket = {t.ticket: t for t in tickets}
    await _check_tickets(
        ctx, runtime, snapshot=snapshot, copies=copies, by_ticket=by_ticket, found=found
    )
    rows = _check_counters(items, snapshot, copies, tickets, holds, settled=settled, found=found)
    now = utcnow()
    kinds = Counter(str(u["problem"]) for u in found.unexplained)
    report: dict[str, Any] = {
        "ran_at": now.isoformat(),
        "ok": not found.unexplained,
        "items": rows,
        "repaired": len(found.repaired),
        "repairs": found.repaired[:RECONCILE_SAMPLE],
        "unexplained": dict(kinds),
        "samples": found.unexplained[:RECONCILE_SAMPLE],
    }
    async with unit_of_work(ctx.sessionmaker) as session:
        stored = await repo.get_campaign(session, campaign_id)
        if stored is not None:
            stored.reconciliation = report
            stored.reconciled_at = now
    if found.unexplained:
        log.error("flashsale.unexplained", campaign_id=campaign_id, **kinds)
    elif found.repaired:
        log.info("flashsale.repaired", campaign_id=campaign_id, repaired=len(found.repaired))
    return report


async def reconcile(ctx: AppContext) -> dict[int, dict[str, Any]]:
    """Reconcile every warmed campaign not settled, or settled within the last hour."""
    async with read_session(ctx.sessionmaker) as session:
        ids = await repo.campaigns_to_reconcile(
            session, settled_after=utcnow() - timedelta(hours=1)
        )
    return {campaign_id: await reconcile_campaign(ctx, campaign_id) for campaign_id in ids}
