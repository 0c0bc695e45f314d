"""Every payments query. State changes are conditional UPDATEs (``… WHERE status IN (…)``) so that
two writers (a notify and the sync job, two replicas) never both apply the same transition; the
one row lock is :func:`lock_paid_payments`, taken in id order before money is counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.payments.models import (
    ONCE_PER_PAYMENT,
    ONCE_WHERE,
    OPEN_PAYMENT_STATUSES,
    OPEN_WHERE,
    Payment,
    PaymentEvent,
    Reconciliation,
    Refund,
)


def _insert(session: AsyncSession, table: Any) -> Insert:
    """An INSERT that supports ``ON CONFLICT`` on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


# --- payments ------------------------------------------------------------------------------


async def get_payment(session: AsyncSession, payment_no: str) -> Payment | None:
    payment: Payment | None = await session.scalar(
        select(Payment).where(Payment.payment_no == payment_no)
    )
    return payment


async def get_payment_by_id(session: AsyncSession, payment_id: int) -> Payment | None:
    return await session.get(Payment, payment_id, populate_existing=True)


async def get_open_payment(session: AsyncSession, order_no: str, channel: str) -> Payment | None:
    payment: Payment | None = await session.scalar(
        select(Payment)
        .where(
            Payment.order_no == order_no,
            Payment.channel == channel,
            Payment.status.in_(OPEN_PAYMENT_STATUSES),
        )
        .execution_options(populate_existing=True)
    )
    return payment


async def has_succeeded_payment(session: AsyncSession, order_no: str) -> bool:
    found = await session.scalar(
        select(exists().where(Payment.order_no == order_no, Payment.status == "succeeded"))
    )
    return bool(found)


async def list_payments(session: AsyncSession, order_no: str) -> list[Payment]:
    rows = await session.scalars(
        select(Payment).where(Payment.order_no == order_no).order_by(Payment.id)
    )
    return list(rows)


async def insert_open_payment(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert unless the order already has an open payment on this channel; the new id or None.

    On PostgreSQL a concurrent insert of the same (order, channel) waits for the first one's
    transaction and then does nothing, so both callers end up with the same payment."""
    stmt = (
        _insert(session, Payment)
        .values(**values)
        .on_conflict_do_nothing(  # type: ignore[attr-defined]
            index_elements=[Payment.order_no, Payment.channel], index_where=OPEN_WHERE
        )
        .returning(Payment.id)
    )
    payment_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return payment_id


async def mark_prepaid(
    session: AsyncSession,
    payment_id: int,
    *,
    prepay_id: str | None,
    h5_url: str | None,
    payer_client_ip: str | None,
    now: datetime,
) -> bool:
    """Record a (new) prepay session while the payment is still open."""
    result = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(OPEN_PAYMENT_STATUSES))
        .values(
            status="prepaid",
            prepay_id=prepay_id,
            h5_url=h5_url,
            payer_client_ip=payer_client_ip,
            prepaid_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def mark_succeeded(
    session: AsyncSession,
    payment_id: int,
    *,
    transaction_id: str | None,
    paid_at: datetime,
    now: datetime,
) -> bool:
    """Any state but succeeded -> succeeded (money that arrived after a close still arrived).

    Exactly one concurrent caller gets True: the others wait on the row lock, then find the
    status already changed."""
    result = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status != "succeeded")
        .values(status="succeeded", transaction_id=transaction_id, paid_at=paid_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def close_open_payments(
    session: AsyncSession, order_no: str, *, now: datetime
) -> list[tuple[int, str, int]]:
    """created|prepaid -> closed for every open payment of the order; (id, payment_no, amount)
    of those this call closed, in id order."""
    result = await session.execute(
        update(Payment)
        .where(Payment.order_no == order_no, Payment.status.in_(OPEN_PAYMENT_STATUSES))
        .values(status="closed", updated_at=now)
        .returning(Payment.id, Payment.payment_no, Payment.amount)
        .execution_options(synchronize_session=False)
    )
    return sorted((row[0], row[1], row[2]) for row in result)


async def set_payment_status(
    session: AsyncSession,
    payment_id: int,
    *,
    status: str,
    from_statuses: Sequence[str],
    now: datetime,
) -> bool:
    result = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(from_statuses))
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def lock_paid_payments(session: AsyncSession, order_no: str) -> list[Payment]:
    """The order's succeeded payments, locked in id order until the transaction ends.

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite has no row locks; a no-op UPDATE of the same rows
    takes the database write lock first, so the amounts read next cannot change underneath."""
    where = (Payment.order_no == order_no, Payment.status == "succeeded")
    stmt = select(Payment).where(*where).order_by(Payment.id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    else:
        await session.execute(
            update(Payment)
            .where(*where)
            .values(updated_at=Payment.updated_at)
            .execution_options(synchronize_session=False)
        )
    rows = await session.scalars(stmt.execution_options(populate_existing=True))
    return list(rows)


async def pending_payments(
    session: AsyncSession, *, prepaid_before: datetime, expires_after: datetime, limit: int
) -> list[Payment]:
    """Prepaid payments old enough that a notify should have come, still payable recently."""
    rows = await session.scalars(
        select(Payment)
        .where(
            Payment.status == "prepaid",
            Payment.prepaid_at <= prepaid_before,
            Payment.expires_at > expires_after,
        )
        .order_by(Payment.prepaid_at, Payment.id)
        .limit(limit)
    )
    return list(rows)


async def touch_payment(session: AsyncSession, payment_id: int, now: datetime) -> None:
    """Move a prepaid payment to the back of the sync queue."""
    await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "prepaid")
        .values(prepaid_at=now)
        .execution_options(synchronize_session=False)
    )


async def unconfirmed_closes(
    session: AsyncSession, *, updated_before: datetime, updated_after: datetime, limit: int
) -> list[Payment]:
    """Payments Shoplet closed whose close WeChat has not confirmed yet."""
    confirmed = exists().where(PaymentEvent.payment_id == Payment.id, PaymentEvent.kind == "closed")
    rows = await session.scalars(
        select(Payment)
        .where(
            Payment.status == "closed",
            Payment.updated_at <= updated_before,
            Payment.updated_at > updated_after,
            ~confirmed,
        )
        .order_by(Payment.updated_at, Payment.id)
        .limit(limit)
    )
    return list(rows)


async def payments_paid_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[Payment]:
    rows = await session.scalars(
        select(Payment)
        .where(Payment.paid_at >= start, Payment.paid_at < end, Payment.status == "succeeded")
        .order_by(Payment.id)
    )
    return list(rows)


# --- events --------------------------------------------------------------------------------


async def add_refund(session: AsyncSession, refund: Refund) -> Refund:
    """Insert a new refund row (flushed: its id is known)."""
    session.add(refund)
    await session.flush()
    return refund


async def add_event(
    session: AsyncSession,
    *,
    payment_id: int,
    kind: str,
    amount: int = 0,
    refund_id: int | None = None,
    data: dict[str, Any] | None = None,
    now: datetime,
) -> bool:
    """Append to the history; False when a once-per-payment kind was already there."""
    stmt = _insert(session, PaymentEvent).values(
        payment_id=payment_id,
        refund_id=refund_id,
        kind=kind,
        amount=amount,
        data=data or {},
        created_at=now,
    )
    if kind in ONCE_PER_PAYMENT:
        stmt = stmt.on_conflict_do_nothing(  # type: ignore[attr-defined]
            index_elements=[PaymentEvent.payment_id, PaymentEvent.kind],
            index_where=ONCE_WHERE,
        )
    result = await session.execute(stmt.returning(PaymentEvent.id))
    return result.scalar_one_or_none() is not None


async def has_event(session: AsyncSession, payment_id: int, kind: str) -> bool:
    found = await session.scalar(
        select(exists().where(PaymentEvent.payment_id == payment_id, PaymentEvent.kind == kind))
    )
    return bool(found)


async def event_totals(
    session: AsyncSession, payment_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """``{payment_id: {kind: sum(amount)}}`` for the money-moving kinds."""
    if not payment_ids:
        return {}
    rows = await session.execute(
        select(PaymentEvent.payment_id, PaymentEvent.kind, func.sum(PaymentEvent.amount))
        .where(
            PaymentEvent.payment_id.in_(sorted(set(payment_ids))),
            PaymentEvent.kind.in_(
                ("succeeded", "refund_requested", "refund_succeeded", "refund_failed")
            ),
        )
        .group_by(PaymentEvent.payment_id, PaymentEvent.kind)
    )
    totals: dict[int, dict[str, int]] = {pid: {} for pid in payment_ids}
    for payment_id, kind, total in rows:
        totals[payment_id][kind] = int(total or 0)
    return totals


async def order_event_totals(session: AsyncSession, order_no: str) -> dict[str, int]:
    rows = await session.execute(
        select(PaymentEvent.kind, func.sum(PaymentEvent.amount))
        .join(Payment, Payment.id == PaymentEvent.payment_id)
        .where(Payment.order_no == order_no)
        .group_by(PaymentEvent.kind)
    )
    return {kind: int(total or 0) for kind, total in rows}


async def list_events(session: AsyncSession, payment_id: int) -> list[PaymentEvent]:
    rows = await session.scalars(
        select(PaymentEvent).where(PaymentEvent.payment_id == payment_id).order_by(PaymentEvent.id)
    )
    return list(rows)


# --- refunds -------------------------------------------------------------------------------


async def get_refund(session: AsyncSession, refund_no: str) -> Refund | None:
    refund: Refund | None = await session.scalar(
        select(Refund)
        .where(Refund.refund_no == refund_no)
        .execution_options(populate_existing=True)
    )
    return refund


async def get_live_refund_for_aftersale(session: AsyncSession, aftersale_no: str) -> Refund | None:
    refund: Refund | None = await session.scalar(
        select(Refund).where(Refund.aftersale_no == aftersale_no, Refund.status != "failed")
    )
    return refund


async def list_refunds(session: AsyncSession, order_no: str) -> list[Refund]:
    rows = await session.scalars(
        select(Refund).where(Refund.order_no == order_no).order_by(Refund.id)
    )
    return list(rows)


async def mark_refund_submitted(
    session: AsyncSession,
    refund_id: int,
    *,
    wechat_refund_id: str,
    submitted_at: datetime,
    now: datetime,
) -> bool:
    result = await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == "requested")
        .values(
            status="processing",
            wechat_refund_id=wechat_refund_id,
            submitted_at=submitted_at,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def finish_refund(
    session: AsyncSession,
    refund_id: int,
    *,
    status: str,
    wechat_refund_id: str | None,
    succeeded_at: datetime | None,
    error: str | None,
    now: datetime,
) -> bool:
    """requested|processing -> succeeded|failed; exactly one concurrent caller gets True."""
    values: dict[str, Any] = {"status": status, "updated_at": now, "last_error": error}
    if wechat_refund_id:
        values["wechat_refund_id"] = wechat_refund_id
    if succeeded_at is not None:
        values["succeeded_at"] = succeeded_at
    result = await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status.in_(("requested", "processing")))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def note_refund_error(
    session: AsyncSession, refund_id: int, *, error: str, now: datetime
) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == "requested")
        .values(last_error=error[:2000], updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def touch_refund(session: AsyncSession, refund_id: int, now: datetime) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == "processing")
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def refunds_in_status(
    session: AsyncSession,
    *,
    status: str,
    updated_before: datetime,
    created_after: datetime,
    limit: int,
) -> list[Refund]:
    rows = await session.scalars(
        select(Refund)
        .where(
            Refund.status == status,
            Refund.updated_at <= updated_before,
            Refund.created_at > created_after,
        )
        .order_by(Refund.updated_at, Refund.id)
        .limit(limit)
    )
    return list(rows)


async def refunds_submitted_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[Refund]:
    rows = await session.scalars(
        select(Refund)
        .where(
            Refund.submitted_at >= start,
            Refund.submitted_at < end,
            Refund.status.in_(("processing", "succeeded")),
        )
        .order_by(Refund.id)
    )
    return list(rows)


# --- reconciliation ------------------------------------------------------------------------


async def get_reconciliation(session: AsyncSession, bill_date: date) -> Reconciliation | None:
    row: Reconciliation | None = await session.scalar(
        select(Reconciliation)
        .where(Reconciliation.bill_date == bill_date)
        .execution_options(populate_existing=True)
    )
    return row


async def save_reconciliation(
    session: AsyncSession,
    *,
    bill_date: date,
    status: str,
    summary: dict[str, Any],
    differences: list[dict[str, Any]],
    now: datetime,
) -> None:
    """One row per bill date; running again replaces it."""
    values = {"status": status, "summary": summary, "differences": differences, "created_at": now}
    stmt = _insert(session, Reconciliation).values(bill_date=bill_date, **values)
    await session.execute(
        stmt.on_conflict_do_update(  # type: ignore[attr-defined]
            index_elements=[Reconciliation.bill_date], set_=values
        )
    )


# --- demo seed only ------------------------------------------------------------------------


async def failed_payment_times(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[datetime]:
    """When each payment that failed in [since, until) failed (its last update)."""
    rows = await session.scalars(
        select(Payment.updated_at).where(
            Payment.status == "failed", Payment.updated_at >= since, Payment.updated_at < until
        )
    )
    return list(rows)


async def refund_times(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[datetime]:
    """When each refund that succeeded in [since, until) succeeded."""
    rows = await session.scalars(
        select(Refund.succeeded_at).where(
            Refund.status == "succeeded", Refund.succeeded_at >= since, Refund.succeeded_at < until
        )
    )
    return [r for r in rows if r is not None]
