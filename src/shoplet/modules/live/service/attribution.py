"""What happens around a session: paid orders counted for it, 开播提醒 before it starts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.live import repository as repo
from shoplet.modules.notification import public as notification
from shoplet.modules.orders import public as orders

from ._common import (
    ATTRIBUTION_WINDOW,
    REMIND_AHEAD,
    log,
)
from .pricing import KIND, session_of_ref

# -- events and jobs -------------------------------------------------------------------------


def _as_datetime(value: Any, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return default
        return parsed if parsed.tzinfo is not None else default
    return value if isinstance(value, datetime) else default


async def handle_order_paid(session: AsyncSession, payload: dict[str, Any]) -> None:
    """An order was paid: an order placed at a session's live prices (source ``live``, its
    lines' ``price_source`` "live:<id>") counts for that session; otherwise, if its shopper
    watched a session live (or it ended within ``ATTRIBUTION_WINDOW``) and the order has a
    product of that session's shelf, the newest such session counts the sale (once per
    order: ``live_sale.order_no`` is unique)."""
    member_id = payload.get("member_id")
    order_no = payload.get("order_no")
    if not isinstance(member_id, int) or not isinstance(order_no, str):
        return
    now = utcnow()
    paid_at = _as_datetime(payload.get("paid_at"), now)
    watched = await repo.watched_sessions(session, member_id, paid_at - ATTRIBUTION_WINDOW)
    if not watched and payload.get("source") != KIND:
        return
    order = await orders.member_order_lines(session, member_id=member_id, order_no=order_no)
    priced_by = {session_of_ref(ln.price_source) for ln in order.lines}
    hits = {s for s in priced_by if s is not None}
    if not hits:
        hits = await repo.shelf_sessions_of(session, [ln.product_id for ln in order.lines], watched)
    if not hits:
        return
    session_id = max(hits)
    amount = int(payload.get("payable_total") or 0)
    if await repo.insert_sale(
        session,
        {
            "order_no": order_no,
            "session_id": session_id,
            "member_id": member_id,
            "amount": amount,
            "created_at": now,
        },
    ):
        await repo.add_counts(session, session_id, sales_count=1, sales_amount=amount)
        log.info("live.sale", session_id=session_id, order_no=order_no)


async def send_reminders(session: AsyncSession, *, now: datetime | None = None) -> int:
    """开播提醒 for sessions starting within ``REMIND_AHEAD``: one send per subscriber, spending
    their ``live:<id>`` credit; each session once (``reminded_at``). Sends recorded."""
    now = now or utcnow()
    recorded = 0
    for row in await repo.due_reminders(session, now + REMIND_AHEAD, limit=20):
        if not await repo.mark_reminded(session, row.id, now):
            continue
        values = {
            "live_title": notification.shorten(row.title),
            "anchor_name": notification.shorten(row.anchor_name),
            "start_time": notification.shown_time(row.scheduled_at),
        }
        for member_id in await repo.subscribers(session, row.id):
            recorded += await notification.enqueue(
                session,
                event="live_start",
                member_id=member_id,
                ref=f"live:{row.id}",
                values=values,
                subject=f"live:{row.id}",
            )
    return recorded
