"""Every query of fulfillment. Creating a shipment and storing a track line are
``INSERT … ON CONFLICT DO NOTHING`` (a redelivered event or a repeated push changes nothing);
state changes are conditional UPDATEs, so concurrent pushes and job replicas cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.fulfillment.models import Carrier, Shipment, TrackingEvent, Waybill


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_shipment(session: AsyncSession, values: dict[str, Any]) -> bool:
    """True when this call created the order's shipment (one per order)."""
    result = await session.execute(
        _insert(session, Shipment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Shipment.order_no])
        .returning(Shipment.id)
    )
    return result.scalar_one_or_none() is not None


async def get_shipment(session: AsyncSession, shipment_id: int) -> Shipment | None:
    return await session.get(Shipment, shipment_id, populate_existing=True)


async def shipment_by_order(session: AsyncSession, order_no: str) -> Shipment | None:
    return (
        await session.scalars(
            select(Shipment)
            .where(Shipment.order_no == order_no)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()


async def shipments_by_number(
    session: AsyncSession, carrier_code: str, tracking_no: str
) -> list[Shipment]:
    rows = await session.scalars(
        select(Shipment)
        .where(Shipment.carrier_code == carrier_code, Shipment.tracking_no == tracking_no)
        .order_by(Shipment.id)
    )
    return list(rows)


async def due_subscriptions(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Shipment.id)
        .where(
            Shipment.subscribe_status == "pending",
            or_(Shipment.subscribe_next_at.is_(None), Shipment.subscribe_next_at <= now),
        )
        .order_by(Shipment.id)
        .limit(limit)
    )
    return list(rows)


async def due_wechat_uploads(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Shipment.id)
        .where(
            Shipment.wechat_status == "pending",
            or_(Shipment.wechat_next_at.is_(None), Shipment.wechat_next_at <= now),
        )
        .order_by(Shipment.id)
        .limit(limit)
    )
    return list(rows)


async def record_call(
    session: AsyncSession,
    shipment_id: int,
    *,
    kind: str,
    attempts: int,
    status: str,
    next_at: datetime | None,
    error: str | None,
    now: datetime,
) -> bool:
    """The outcome of a subscription (``kind="subscribe"``) or a WeChat upload
    (``"wechat"``) attempt, only if no one recorded this attempt already."""
    columns = {
        "subscribe": (Shipment.subscribe_status, Shipment.subscribe_attempts),
        "wechat": (Shipment.wechat_status, Shipment.wechat_attempts),
    }[kind]
    result = await session.execute(
        update(Shipment)
        .where(
            Shipment.id == shipment_id,
            columns[0] == "pending",
            columns[1] == attempts - 1,
        )
        .values(
            {
                f"{kind}_status": status,
                f"{kind}_attempts": attempts,
                f"{kind}_next_at": next_at,
                f"{kind}_error": error,
                "updated_at": now,
            }
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def requeue_call(session: AsyncSession, order_no: str, *, kind: str, now: datetime) -> bool:
    """Re-queue a shipment's tracking subscription (``kind="subscribe"``) or WeChat upload
    (``"wechat"``) now: a failed one with a fresh attempt budget, a pending one without
    waiting for its backoff. One conditional update, so concurrent clicks queue one call."""
    status = getattr(Shipment, f"{kind}_status")
    attempts = getattr(Shipment, f"{kind}_attempts")
    result = await session.execute(
        update(Shipment)
        .where(Shipment.order_no == order_no, status.in_(("failed", "pending")))
        .values(
            {
                f"{kind}_status": "pending",
                f"{kind}_attempts": case((status == "failed", 0), else_=attempts),
                f"{kind}_next_at": now,
                "updated_at": now,
            }
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def insert_events(
    session: AsyncSession, shipment_id: int, rows: Sequence[dict[str, Any]], *, now: datetime
) -> int:
    """Store the lines not stored yet; how many were new."""
    added = 0
    for row in rows:
        result = await session.execute(
            _insert(session, TrackingEvent)
            .values(shipment_id=shipment_id, created_at=now, **row)
            .on_conflict_do_nothing(
                index_elements=[
                    TrackingEvent.shipment_id,
                    TrackingEvent.occurred_at,
                    TrackingEvent.context,
                ]
            )
            .returning(TrackingEvent.id)
        )
        added += result.scalar_one_or_none() is not None
    return added


async def newest_event(session: AsyncSession, shipment_id: int) -> TrackingEvent | None:
    return (
        await session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment_id)
            .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
            .limit(1)
        )
    ).one_or_none()


async def events_of(session: AsyncSession, shipment_id: int) -> list[TrackingEvent]:
    rows = await session.scalars(
        select(TrackingEvent)
        .where(TrackingEvent.shipment_id == shipment_id)
        .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
    )
    return list(rows)


async def set_state(
    session: AsyncSession,
    shipment_id: int,
    *,
    stage: str,
    state: str,
    state_at: datetime,
    now: datetime,
) -> None:
    """The shipment's state is its newest line's: never replaced by an older one."""
    await session.execute(
        update(Shipment)
        .where(
            Shipment.id == shipment_id,
            or_(Shipment.state_at.is_(None), Shipment.state_at < state_at),
        )
        .values(stage=stage, state=state, state_at=state_at, pushed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def mark_signed(
    session: AsyncSession, shipment_id: int, *, signed_at: datetime, now: datetime
) -> bool:
    """True for the one caller that records the signature."""
    result = await session.execute(
        update(Shipment)
        .where(Shipment.id == shipment_id, Shipment.signed_at.is_(None))
        .values(signed_at=signed_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def waybill_by_order(session: AsyncSession, order_no: str) -> Waybill | None:
    return (
        await session.scalars(select(Waybill).where(Waybill.order_no == order_no))
    ).one_or_none()


async def insert_waybill(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        _insert(session, Waybill)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Waybill.order_no])
    )


async def count_shipments(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Shipment.subscribe_status, func.count()).group_by(Shipment.subscribe_status)
    )
    return {str(status): int(n) for status, n in rows.all()}


# -- carriers (物流公司) ----------------------------------------------------------------------


async def carriers(session: AsyncSession) -> list[Carrier]:
    rows = await session.scalars(
        select(Carrier)
        .order_by(Carrier.sort_order, Carrier.code)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def insert_carriers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the carriers not there yet (a concurrent seed or add keeps the first); how many
    this call added."""
    added = 0
    for row in rows:
        result = await session.execute(
            _insert(session, Carrier)
            .values(**row)
            .on_conflict_do_nothing(index_elements=[Carrier.code])
            .returning(Carrier.code)
        )
        added += result.scalar_one_or_none() is not None
    return added


async def next_sort_order(session: AsyncSession) -> int:
    top = await session.scalar(select(func.max(Carrier.sort_order)))
    return int(top or 0) + 10


async def update_carrier(
    session: AsyncSession, code: str, values: dict[str, Any]
) -> Carrier | None:
    """The carrier after the change; None when the shop has no such carrier."""
    result = await session.scalars(
        update(Carrier)
        .where(Carrier.code == code)
        .values(**values)
        .returning(Carrier)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one_or_none()


async def set_sort_orders(session: AsyncSession, orders: dict[str, int], *, now: Any) -> int:
    """One UPDATE for the whole order (a CASE on the code); how many rows it moved."""
    if not orders:
        return 0
    result = await session.execute(
        update(Carrier)
        .where(Carrier.code.in_(list(orders)))
        .values(
            sort_order=case(*((Carrier.code == c, n) for c, n in orders.items())),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
