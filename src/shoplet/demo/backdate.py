"""Demo only: move orders that went through the real transitions just now into the past.

This is the one place where demo code writes module tables directly. It is not a service: it
bypasses every module rule on purpose (timestamps are history, not state), runs only from
``shoplet seed`` and works on the tables as ``Base.metadata`` describes them, in bulk (a few
``SELECT`` and one ``executemany`` ``UPDATE`` per table), so no module carries a demo helper in
its public API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.all_models import load_all_models

# Order status -> the orders_order column that says when the order reached it.
STATUS_TIME_COLUMNS = {
    "pending_payment": "created_at",
    "paid": "paid_at",
    "shipped": "shipped_at",
    "received": "received_at",
    "completed": "completed_at",
    "cancelled": "cancelled_at",
}
ORDER_TIME_COLUMNS = (*STATUS_TIME_COLUMNS.values(), "expires_at", "updated_at")
PAYMENT_TIME_COLUMNS = ("prepaid_at", "paid_at", "expires_at", "created_at", "updated_at")
REFUND_TIME_COLUMNS = ("submitted_at", "succeeded_at", "created_at", "updated_at")


@dataclass(frozen=True)
class Backdate:
    """Where one order goes: ``times`` maps a status to when the order reached it
    (``pending_payment``: placed); ``paid_at`` moves its succeeded payments; ``aftersale_at``
    moves its after-sales and refunds to start then."""

    order_no: str
    times: Mapping[str, datetime]
    paid_at: datetime | None = None
    aftersale_at: datetime | None = None


def _table(name: str) -> Table:
    return load_all_models().metadata.tables[name]


async def _rows(session: AsyncSession, table: Table, where: Any) -> list[dict[str, Any]]:
    result = await session.execute(select(table).where(where).order_by(table.c.id))
    return [dict(row) for row in result.mappings()]


async def _update_many(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """One executemany: ``rows`` hold ``id`` and every column of ``columns``."""
    if not rows:
        return
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({column: bindparam(f"b_{column}") for column in columns})
    )
    params = [{f"b_{key}": row[key] for key in ("id", *columns)} for row in rows]
    await session.execute(stmt, params)


def _shifted(row: dict[str, Any], columns: Sequence[str], by: timedelta) -> dict[str, Any]:
    return {
        "id": row["id"],
        **{c: (row[c] + by if row[c] is not None else None) for c in columns},
    }


async def backdate_orders(session: AsyncSession, plans: Sequence[Backdate]) -> None:
    """Move each planned order, its timeline, after-sales, payments, refunds and payment events."""
    await _backdate_order_rows(session, plans)
    await _backdate_payment_rows(session, plans)


async def _backdate_order_rows(session: AsyncSession, plans: Sequence[Backdate]) -> None:
    orders, events, aftersales = (
        _table("orders_order"),
        _table("orders_event"),
        _table("orders_aftersale"),
    )
    by_no = {p.order_no: p for p in plans}
    order_rows = await _rows(session, orders, orders.c.order_no.in_(by_no))
    plan_of = {row["id"]: by_no[row["order_no"]] for row in order_rows}
    aftersale_rows = await _rows(session, aftersales, aftersales.c.order_id.in_(plan_of))
    event_rows = await _rows(session, events, events.c.order_id.in_(plan_of))

    shifts: dict[int, timedelta] = {}
    latest_aftersale: dict[int, datetime] = {}
    moved_aftersales = []
    for row in aftersale_rows:
        at = plan_of[row["order_id"]].aftersale_at
        if at is None:
            continue
        shifts[row["id"]] = at - row["created_at"]
        moved = _shifted(row, ("created_at", "updated_at"), shifts[row["id"]])
        moved_aftersales.append(moved)
        order_id = row["order_id"]
        latest_aftersale[order_id] = max(
            moved["updated_at"], latest_aftersale.get(order_id, moved["updated_at"])
        )

    moved_orders = []
    for row in order_rows:
        times = plan_of[row["id"]].times
        values = {c: row[c] for c in ORDER_TIME_COLUMNS}
        changed: list[datetime] = []
        for status, column in STATUS_TIME_COLUMNS.items():
            if status in times and (status == "pending_payment" or row[column] is not None):
                values[column] = times[status]
                changed.append(times[status])
        if "pending_payment" in times:
            values["expires_at"] = row["expires_at"] + (
                times["pending_payment"] - row["created_at"]
            )
        latest = max(changed, default=row["updated_at"])
        if row["id"] in latest_aftersale:
            latest = max(latest, latest_aftersale[row["id"]])
        values["updated_at"] = latest
        moved_orders.append({"id": row["id"], **values})

    moved_events = []
    for row in event_rows:
        times = plan_of[row["order_id"]].times
        if row["aftersale_id"] is not None:
            if row["aftersale_id"] in shifts:
                moved_events.append(_shifted(row, ("created_at",), shifts[row["aftersale_id"]]))
        elif row["to_status"] in times and row["from_status"] != row["to_status"]:
            moved_events.append({"id": row["id"], "created_at": times[row["to_status"]]})

    await _update_many(session, aftersales, ("created_at", "updated_at"), moved_aftersales)
    await _update_many(session, orders, ORDER_TIME_COLUMNS, moved_orders)
    await _update_many(session, events, ("created_at",), moved_events)


async def _backdate_payment_rows(session: AsyncSession, plans: Sequence[Backdate]) -> None:
    payments, refunds, events = (
        _table("payments_payment"),
        _table("payments_refund"),
        _table("payments_event"),
    )
    paid = {p.order_no: p for p in plans if p.paid_at is not None}
    payment_rows = await _rows(session, payments, payments.c.order_no.in_(paid))
    payment_shifts: dict[int, timedelta] = {}
    for row in payment_rows:
        paid_at = paid[row["order_no"]].paid_at
        if row["paid_at"] is not None and paid_at is not None:
            payment_shifts[row["id"]] = paid_at - row["paid_at"]
    refunded = {no: p for no, p in paid.items() if p.aftersale_at is not None}
    refund_rows = await _rows(session, refunds, refunds.c.order_no.in_(refunded))
    refund_shifts: dict[int, timedelta] = {}
    for row in refund_rows:
        at = refunded[row["order_no"]].aftersale_at
        if at is not None:
            refund_shifts[row["id"]] = at - row["created_at"]
    event_rows = await _rows(
        session,
        events,
        events.c.payment_id.in_(payment_shifts) | events.c.refund_id.in_(refund_shifts),
    )
    moved_events = []
    for row in event_rows:
        if row["refund_id"] is not None:
            if row["refund_id"] in refund_shifts:
                moved_events.append(_shifted(row, ("created_at",), refund_shifts[row["refund_id"]]))
        elif row["payment_id"] in payment_shifts:
            moved_events.append(_shifted(row, ("created_at",), payment_shifts[row["payment_id"]]))
    await _update_many(
        session,
        payments,
        PAYMENT_TIME_COLUMNS,
        [
            _shifted(r, PAYMENT_TIME_COLUMNS, payment_shifts[r["id"]])
            for r in payment_rows
            if r["id"] in payment_shifts
        ],
    )
    await _update_many(
        session,
        refunds,
        REFUND_TIME_COLUMNS,
        [
            _shifted(r, REFUND_TIME_COLUMNS, refund_shifts[r["id"]])
            for r in refund_rows
            if r["id"] in refund_shifts
        ],
    )
    await _update_many(session, events, ("created_at",), moved_events)
