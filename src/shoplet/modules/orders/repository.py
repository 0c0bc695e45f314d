"""Every orders query. Status changes are single conditional UPDATEs on the expected old status
(the winner of a race is whoever's UPDATE matched); reads that follow an UPDATE use
``populate_existing`` so the session never serves a stale row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Insert,
    String,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.orders.models import AfterSale, ExportJob, Order, OrderEvent, OrderLine


def _insert(session: AsyncSession, table: Any) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


# -- orders ----------------------------------------------------------------------------------


async def insert_order_if_new(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """Insert the order unless its (member, idempotency key) or its order no. exists: the new id,
    or None. A concurrent insert of the same key waits for the other transaction (unique index)
    and then does nothing, so the caller finds the winner's order."""
    stmt = (
        _insert(session, Order)
        .values(**values)
        .on_conflict_do_nothing()  # type: ignore[attr-defined]
        .returning(Order.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def insert_lines(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    await session.execute(insert(OrderLine), [dict(row) for row in rows])


async def insert_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(OrderEvent), [dict(row) for row in rows])


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


async def get_order_by_key(session: AsyncSession, member_id: int, key: str) -> Order | None:
    stmt = select(Order).where(Order.member_id == member_id, Order.idempotency_key == key)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def get_order(
    session: AsyncSession, order_no: str, *, member_id: int | None = None
) -> Order | None:
    stmt = select(Order).where(Order.order_no == order_no)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def has_paid_order(session: AsyncSession, member_id: int) -> bool:
    stmt = select(Order.id).where(Order.member_id == member_id, Order.paid_at.is_not(None))
    return (await session.scalar(stmt.limit(1))) is not None


async def get_order_by_id(session: AsyncSession, order_id: int) -> Order | None:
    return (await session.scalars(_fresh(select(Order).where(Order.id == order_id)))).one_or_none()


async def transition_order(
    session: AsyncSession,
    order_id: int,
    *,
    from_status: str,
    to_status: str,
    values: Mapping[str, Any],
) -> bool:
    """``status: from -> to`` (plus ``values``) only if the order is still ``from``."""
    result = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == from_status)
        .values(status=to_status, **values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def release_ship_hold(
    session: AsyncSession, order_nos: Sequence[str], hold: str, now: datetime
) -> int:
    """Clear ``hold`` on these orders (only where it is still that hold): how many changed."""
    if not order_nos:
        return 0
    result = await session.execute(
        update(Order)
        .where(Order.order_no.in_(list(order_nos)), Order.ship_hold == hold)
        .values(ship_hold=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def add_refunded(
    session: AsyncSession, order_id: int, amount: int, now: datetime
) -> tuple[int, int] | None:
    """``refunded_total += amount`` within the payable total: (refunded_total, payable_total)."""
    result = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.refunded_total + amount <= Order.payable_total)
        .values(refunded_total=Order.refunded_total + amount, updated_at=now)
        .returning(Order.refunded_total, Order.payable_total)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return (row[0], row[1]) if row else None


async def lines_for(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    out: dict[int, list[OrderLine]] = defaultdict(list)
    if not order_ids:
        return out
    rows = await session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_(order_ids)).order_by(OrderLine.id)
    )
    for line in rows:
        out[line.order_id].append(line)
    return out


async def events_for(session: AsyncSession, order_id: int) -> list[OrderEvent]:
    rows = await session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    )
    return list(rows)


def _status_filter(stmt: Any, status: str | None) -> Any:
    if status == "after_sale":
        return stmt.where(exists().where(AfterSale.order_id == Order.id))
    if status == "paid":  # 待发货: the goods to ship (a paid membership plan is in effect)
        return stmt.where(Order.status == status, Order.is_virtual.is_(False))
    if status is not None:
        return stmt.where(Order.status == status)
    return stmt


async def list_member_orders(
    session: AsyncSession, member_id: int, *, status: str | None, before_id: int | None, limit: int
) -> list[Order]:
    stmt = select(Order).where(Order.member_id == member_id)
    stmt = _status_filter(stmt, status)
    if before_id is not None:
        stmt = stmt.where(Order.id < before_id)
    return list(await session.scalars(stmt.order_by(Order.id.desc()).limit(limit)))


async def list_orders(
    session: AsyncSession,
    *,
    status: str | None,
    order_no: str | None,
    phone_index: str | None,
    before_id: int | None,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    member_id: int | None = None,
) -> list[Order]:
    stmt = _order_filter(select(Order), status=status, since=since, until=until)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    if order_no is not None and phone_index is not None:
        stmt = stmt.where(or_(Order.order_no == order_no, Order.phone_index == phone_index))
    elif order_no is not None:
        stmt = stmt.where(Order.order_no == order_no)
    elif phone_index is not None:
        stmt = stmt.where(Order.phone_index == phone_index)
    if before_id is not None:
        stmt = stmt.where(Order.id < before_id)
    return list(await session.scalars(stmt.order_by(Order.id.desc()).limit(limit)))


async def expired_pending(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Order.id)
        .where(Order.status == "pending_payment", Order.expires_at <= now)
        .order_by(Order.expires_at, Order.id)
        .limit(limit)
    )
    return list(rows)


async def due_orders(
    session: AsyncSession, *, status: str, column: Any, before: datetime, limit: int
) -> list[int]:
    rows = await session.scalars(
        select(Order.id)
        .where(Order.status == status, column <= before)
        .order_by(column, Order.id)
        .limit(limit)
    )
    return list(rows)


async def record_signed(
    session: AsyncSession, order_no: str, *, signed_at: datetime, now: datetime
) -> bool:
    """The carrier's signature on a shipped order, recorded once (a later push or a redelivered
    event changes nothing)."""
    result = await session.execute(
        update(Order)
        .where(Order.order_no == order_no, Order.status == "shipped", Order.signed_at.is_(None))
        .values(signed_at=signed_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def due_signed_orders(session: AsyncSession, *, before: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Order.id)
        .where(Order.status == "shipped", Order.signed_at <= before)
        .order_by(Order.signed_at, Order.id)
        .limit(limit)
    )
    return list(rows)


def _order_filter(
    stmt: Any, *, status: str | None, since: datetime | None, until: datetime | None
) -> Any:
    stmt = _status_filter(stmt, status)
    if since is not None:
        stmt = stmt.where(Order.created_at >= since)
    if until is not None:
        stmt = stmt.where(Order.created_at < until)
    return stmt


async def count_export_rows(
    session: AsyncSession, *, status: str | None, since: datetime | None, until: datetime | None
) -> int:
    stmt = select(func.count()).select_from(Order).join(OrderLine, OrderLine.order_id == Order.id)
    stmt = _order_filter(stmt, status=status, since=since, until=until)
    return int((await session.execute(stmt)).scalar_one())


async def export_rows(
    session: AsyncSession,
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    after_id: int | None,
    batch: int,
) -> list[tuple[Order, OrderLine]]:
    stmt = select(Order, OrderLine).join(OrderLine, OrderLine.order_id == Order.id)
    stmt = _order_filter(stmt, status=status, since=since, until=until)
    if after_id is not None:
        stmt = stmt.where(OrderLine.id > after_id)
    stmt = stmt.order_by(OrderLine.id).limit(batch)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def paid_orders_between(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[tuple[datetime, int, int, int]]:
    """(paid_at, payable_total, refunded_total, member_id) of orders paid in [since, until)."""
    rows = await session.execute(
        select(Order.paid_at, Order.payable_total, Order.refunded_total, Order.member_id).where(
            Order.paid_at.is_not(None), Order.paid_at >= since, Order.paid_at < until
        )
    )
    return [
        (paid_at, total, refunded, member)
        for paid_at, total, refunded, member in rows
        if paid_at is not None
    ]


async def top_products(
    session: AsyncSession, *, since: datetime, until: datetime, limit: int
) -> list[tuple[int, str, int, int]]:
    units = func.sum(OrderLine.quantity)
    rows = await session.execute(
        select(OrderLine.product_id, func.max(OrderLine.title), units, func.sum(OrderLine.payable))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.paid_at.is_not(None), Order.paid_at >= since, Order.paid_at < until)
        .group_by(OrderLine.product_id)
        .order_by(units.desc(), OrderLine.product_id)
        .limit(limit)
    )
    return [(pid, title, int(n), int(amount)) for pid, title, n, amount in rows]


# -- after-sales -----------------------------------------------------------------------------


async def insert_aftersale(session: AsyncSession, aftersale: AfterSale) -> AfterSale:
    session.add(aftersale)
    await session.flush()
    return aftersale


async def aftersales_for(session: AsyncSession, order_ids: Sequence[int]) -> list[AfterSale]:
    if not order_ids:
        return []
    stmt = select(AfterSale).where(AfterSale.order_id.in_(order_ids)).order_by(AfterSale.id)
    return list(await session.scalars(_fresh(stmt)))


async def get_aftersale(
    session: AsyncSession, aftersale_no: str, *, order_id: int | None = None
) -> AfterSale | None:
    stmt = select(AfterSale).where(AfterSale.aftersale_no == aftersale_no)
    if order_id is not None:
        stmt = stmt.where(AfterSale.order_id == order_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def transition_aftersale(
    session: AsyncSession,
    aftersale_id: int,
    *,
    from_status: str,
    to_status: str,
    values: Mapping[str, Any],
) -> bool:
    result = await session.execute(
        update(AfterSale)
        .where(AfterSale.id == aftersale_id, AfterSale.status == from_status)
        .values(status=to_status, **values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def claim_aftersale_amount(session: AsyncSession, order_id: int, amount: int) -> bool:
    """Reserve ``amount`` of what is still refundable for a new after-sale request.

    One conditional UPDATE: PostgreSQL re-checks the condition on the locked row, SQLite runs
    writers one at a time, so concurrent requests can never claim more than was paid. The
    claim also serialises the rest of the request (returnable units) on both databases."""
    result = await session.execute(
        update(Order)
        .where(
            Order.id == order_id,
            Order.refunded_total + Order.aftersale_claimed_total + amount <= Order.payable_total,
        )
        .values(aftersale_claimed_total=Order.aftersale_claimed_total + amount)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def release_aftersale_claim(session: AsyncSession, order_id: int, amount: int) -> None:
    """An after-sale request closed (refunded, rejected, cancelled): its claim is released."""
    await session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(aftersale_claimed_total=Order.aftersale_claimed_total - amount)
        .execution_options(synchronize_session=False)
    )


async def refund_headroom(session: AsyncSession, order_id: int) -> int:
    """What may still be requested: paid minus refunded minus open claims."""
    stmt = select(Order.payable_total - Order.refunded_total - Order.aftersale_claimed_total).where(
        Order.id == order_id
    )
    return int((await session.execute(stmt)).scalar_one())


async def open_aftersales(
    session: AsyncSession, order_id: int, statuses: Sequence[str]
) -> list[AfterSale]:
    stmt = select(AfterSale).where(
        AfterSale.order_id == order_id, AfterSale.status.in_(list(statuses))
    )
    return list(await session.scalars(_fresh(stmt)))


async def list_aftersales(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[tuple[AfterSale, str]]:
    stmt = select(AfterSale, Order.order_no).join(Order, Order.id == AfterSale.order_id)
    if status is not None:
        stmt = stmt.where(AfterSale.status == status)
    if before_id is not None:
        stmt = stmt.where(AfterSale.id < before_id)
    stmt = stmt.order_by(AfterSale.id.desc()).limit(limit)
    rows = (await session.execute(_fresh(stmt))).all()
    return [(row[0], row[1]) for row in rows]


# -- insights' frontline board (counts and the oldest few, read every few seconds) ------------


async def count_to_ship(session: AsyncSession) -> int:
    stmt = _status_filter(select(func.count()).select_from(Order), "paid")
    return int(await session.scalar(stmt) or 0)


async def oldest_to_ship(session: AsyncSession, limit: int) -> list[tuple[str, datetime, int]]:
    stmt = _status_filter(select(Order.order_no, Order.paid_at, Order.payable_total), "paid")
    rows = await session.execute(stmt.order_by(Order.paid_at, Order.id).limit(limit))
    return [(str(no), paid_at, int(total)) for no, paid_at, total in rows]


async def count_aftersales(session: AsyncSession, statuses: Sequence[str]) -> int:
    stmt = select(func.count()).select_from(AfterSale).where(AfterSale.status.in_(list(statuses)))
    return int(await session.scalar(stmt) or 0)


async def oldest_aftersales(
    session: AsyncSession, statuses: Sequence[str], limit: int
) -> list[tuple[str, str, str, str, int, datetime]]:
    stmt = (
        select(
            AfterSale.aftersale_no,
            Order.order_no,
            AfterSale.kind,
            AfterSale.status,
            AfterSale.amount,
            AfterSale.created_at,
        )
        .join(Order, Order.id == AfterSale.order_id)
        .where(AfterSale.status.in_(list(statuses)))
        .order_by(AfterSale.created_at, AfterSale.id)
        .limit(limit)
    )
    return [(a, o, k, s, int(m), at) for a, o, k, s, m, at in await session.execute(stmt)]


# -- demo seed only --------------------------------------------------------------------------


# -- console exports (orders_export_job) ---------------------------------------------------


async def count_open_exports(session: AsyncSession, staff_id: int, statuses: Sequence[str]) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(ExportJob)
        .where(ExportJob.staff_id == staff_id, ExportJob.status.in_(statuses))
    )
    return count or 0


async def add_export(session: AsyncSession, job: ExportJob) -> ExportJob:
    session.add(job)
    await session.flush()
    return job


async def get_export(session: AsyncSession, job_id: int) -> ExportJob | None:
    """The export as stored now (not a copy the session's identity map may hold)."""
    return await session.get(ExportJob, job_id, populate_existing=True)


async def list_exports(
    session: AsyncSession, *, staff_id: int | None, before_id: int | None, limit: int
) -> list[ExportJob]:
    """Newest first; ``staff_id``: only that staff member's exports with masked phones."""
    query = select(ExportJob).order_by(ExportJob.id.desc()).limit(limit)
    if staff_id is not None:
        query = query.where(ExportJob.staff_id == staff_id, ExportJob.mask_phones.is_(True))
    if before_id is not None:
        query = query.where(ExportJob.id < before_id)
    return list((await session.execute(query)).scalars())


async def start_export(
    session: AsyncSession, job: ExportJob, *, total: int, file_key: str, now: datetime
) -> bool:
    """Queued → running (one run wins); the job is refreshed when it did."""
    started = await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status == "queued")
        .values(status="running", total=total, started_at=now, updated_at=now, file_key=file_key)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(started) != 1:
        return False
    await session.refresh(job)
    return True


async def advance_export(
    session: AsyncSession,
    job: ExportJob,
    *,
    rows: int,
    cursor_id: int | None,
    size: int,
    now: datetime,
) -> bool:
    """Count one more part of a running export, if no other run counted it meanwhile."""
    advanced = await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status == "running", ExportJob.parts == job.parts)
        .values(
            parts=job.parts + 1,
            cursor_id=cursor_id,
            progress=job.progress + rows,
            # Orders placed after the count: the total grows rather than lie.
            total=max(job.total, job.progress + rows),
            size_bytes=job.size_bytes + size,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(advanced) == 1


async def finish_export(session: AsyncSession, job_id: int, *, now: datetime) -> None:
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == "running")
        .values(status="done", total=ExportJob.progress, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def fail_export(
    session: AsyncSession, job_id: int, *, error: str, open_statuses: Sequence[str], now: datetime
) -> None:
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status.in_(open_statuses))
        .values(status="failed", error=error, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def finished_exports_before(
    session: AsyncSession, cutoff: datetime, *, limit: int
) -> list[tuple[int, str | None, int]]:
    """``(id, file_key, parts)`` of exports finished before ``cutoff`` that still have files."""
    rows = await session.execute(
        select(ExportJob.id, ExportJob.file_key, ExportJob.parts)
        .where(
            ExportJob.status.in_(("done", "failed")),
            ExportJob.finished_at < cutoff,
            ExportJob.file_key.is_not(None),
        )
        .order_by(ExportJob.id)
        .limit(limit)
    )
    return [(job_id, file_key, parts) for job_id, file_key, parts in rows]


async def expire_export(session: AsyncSession, job_id: int, *, now: datetime) -> None:
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id)
        .values(status="expired", file_key=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def next_open_export(session: AsyncSession, open_statuses: Sequence[str]) -> int | None:
    job_id: int | None = await session.scalar(
        select(ExportJob.id)
        .where(ExportJob.status.in_(open_statuses))
        .order_by(ExportJob.id)
        .limit(1)
    )
    return job_id


async def paid_order_stats(
    session: AsyncSession,
    member_ids: Sequence[int],
    spent_since: datetime | None,
    goods_only: bool = False,
) -> dict[int, tuple[int, int, datetime]]:
    """{member id: (paid orders, fen spent on orders paid since ``spent_since`` net of
    refunds, last paid at)} for the members of ``member_ids`` with a paid order
    (``goods_only``: virtual orders left out)."""
    if not member_ids:
        return {}
    net = Order.payable_total - Order.refunded_total
    spent = (
        func.sum(net)
        if spent_since is None
        else func.sum(case((Order.paid_at >= spent_since, net), else_=0))
    )
    stmt = (
        select(Order.member_id, func.count(), func.coalesce(spent, 0), func.max(Order.paid_at))
        .where(Order.member_id.in_(sorted(set(member_ids))), Order.paid_at.is_not(None))
        .group_by(Order.member_id)
    )
    if goods_only:
        stmt = stmt.where(Order.is_virtual.is_(False))
    return {int(m): (int(n), int(s), last) for m, n, s, last in (await session.execute(stmt))}


async def paid_goods_by_sku(
    session: AsyncSession, member_id: int, paid_since: datetime
) -> dict[int, int]:
    """{sku id: fen payable} over the lines of the member's goods orders paid since
    ``paid_since`` (before refunds)."""
    stmt = (
        select(OrderLine.sku_id, func.sum(OrderLine.payable))
        .join(Order, OrderLine.order_id == Order.id)
        .where(
            Order.member_id == member_id,
            Order.paid_at >= paid_since,
            Order.is_virtual.is_(False),
        )
        .group_by(OrderLine.sku_id)
    )
    return {int(sku): int(fen) for sku, fen in await session.execute(stmt)}


async def purchases(
    session: AsyncSession,
    *,
    paid_from: datetime | None = None,
    paid_to: datetime | None = None,
    member_id: int | None = None,
    order_no: str | None = None,
    limit: int | None = None,
) -> list[tuple[int, int, datetime, str]]:
    """(member id, product id, paid at, region code) of the lines of paid orders not refunded
    in full, newest first (one row per line)."""
    stmt = (
        select(Order.member_id, OrderLine.product_id, Order.paid_at, Order.region_code)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.paid_at.is_not(None), Order.status != "refunded")
        .order_by(Order.paid_at.desc(), OrderLine.id.desc())
    )
    if paid_from is not None:
        stmt = stmt.where(Order.paid_at >= paid_from)
    if paid_to is not None:
        stmt = stmt.where(Order.paid_at <= paid_to)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    if order_no is not None:
        stmt = stmt.where(Order.order_no == order_no)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = await session.execute(stmt)
    return [(int(m), int(p), at, region) for m, p, at, region in rows if at is not None]


async def member_paid_orders(
    session: AsyncSession, member_ids: Sequence[int]
) -> list[tuple[int, str, datetime, int, int, int, str, list[tuple[int, int]]]]:
    """(member id, order no, paid at, payable, refunded, discount, region code, [(product id,
    line payable)]) of every paid order of ``member_ids``, oldest first."""
    if not member_ids:
        return []
    stmt = (
        select(
            Order.id,
            Order.member_id,
            Order.order_no,
            Order.paid_at,
            Order.payable_total,
            Order.refunded_total,
            Order.discount_total,
            Order.region_code,
        )
        .where(Order.member_id.in_(sorted(set(member_ids))), Order.paid_at.is_not(None))
        .order_by(Order.paid_at, Order.id)
    )
    orders = (await session.execute(stmt)).all()
    lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    ids = [int(o[0]) for o in orders]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = await session.execute(
            select(OrderLine.order_id, OrderLine.product_id, OrderLine.payable)
            .where(OrderLine.order_id.in_(chunk))
            .order_by(OrderLine.id)
        )
        for order_id, product_id, payable in rows:
            lines[int(order_id)].append((int(product_id), int(payable)))
    return [
        (int(m), no, at, int(p), int(r), int(d), region, lines[int(i)])
        for i, m, no, at, p, r, d, region in orders
        if at is not None
    ]


def paid_order_facts(since: datetime, until: datetime, sku_costs: Any) -> Any:
    """A subquery, one row per order paid in ``[since, until)``: ``order_no``, ``member_id``,
    ``paid_at``, ``items_total``, ``shipping_fee``, ``payable_total``, ``refunded_total``,
    ``goods_payable`` (the lines' payable), ``goods_cost`` (quantity × the SKU's cost price
    now, 0 where none is known) and ``lines_without_cost``, for reports that aggregate it
    further in SQL. ``sku_costs`` is a subquery of ``(sku_id, cost_price)``."""
    in_window = (Order.paid_at >= since, Order.paid_at < until)
    lines = (
        select(
            OrderLine.order_id.label("order_id"),
            func.sum(OrderLine.payable).label("goods_payable"),
            func.sum(OrderLine.quantity * func.coalesce(sku_costs.c.cost_price, 0)).label(
                "goods_cost"
            ),
            func.sum(case((sku_costs.c.cost_price.is_(None), 1), else_=0)).label(
                "lines_without_cost"
            ),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(sku_costs, sku_costs.c.sku_id == OrderLine.sku_id)
        .where(*in_window)
        .group_by(OrderLine.order_id)
        .subquery("order_lines")
    )
    return (
        select(
            Order.order_no,
            Order.member_id,
            Order.paid_at,
            Order.items_total,
            Order.shipping_fee,
            Order.payable_total,
            Order.refunded_total,
            func.coalesce(lines.c.goods_payable, 0).label("goods_payable"),
            func.coalesce(lines.c.goods_cost, 0).label("goods_cost"),
            func.coalesce(lines.c.lines_without_cost, 0).label("lines_without_cost"),
        )
        .outerjoin(lines, lines.c.order_id == Order.id)
        .where(*in_window)
        .subquery("paid_orders")
    )


async def paid_units(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    sku_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, datetime, int]]:
    """``(sku_id, product_id, paid_at, quantity)`` of every line (of ``sku_ids`` only, when
    given) of the orders paid in ``[since, until)``, oldest first."""
    stmt = (
        select(OrderLine.sku_id, OrderLine.product_id, Order.paid_at, OrderLine.quantity)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.paid_at >= since, Order.paid_at < until)
        .order_by(Order.paid_at, OrderLine.id)
    )
    if sku_ids is not None:
        stmt = stmt.where(OrderLine.sku_id.in_(list(sku_ids)))
    rows = await session.execute(stmt)
    return [(s, p, paid, q) for s, p, paid, q in rows if paid is not None]


async def paid_lines(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    sku_ids: Sequence[int],
) -> list[tuple[int, datetime, int, int]]:
    """``(sku_id, paid_at, quantity, payable)`` of the lines of ``sku_ids`` in the
    orders paid in ``[since, until)``, oldest first."""
    if not sku_ids:
        return []
    stmt = (
        select(OrderLine.sku_id, Order.paid_at, OrderLine.quantity, OrderLine.payable)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.paid_at >= since, Order.paid_at < until, OrderLine.sku_id.in_(list(sku_ids)))
        .order_by(Order.paid_at, OrderLine.id)
    )
    rows = await session.execute(stmt)
    return [(s, paid, q, pay) for s, paid, q, pay in rows if paid is not None]


async def lock_orders(session: AsyncSession, order_nos: Sequence[str]) -> None:
    """Row-lock these orders in id order (PostgreSQL; SQLite has one writer anyway)."""
    if not order_nos:
        return
    stmt = (
        select(Order.id)
        .where(Order.order_no.in_(list(order_nos)))
        .order_by(Order.id)
        .with_for_update()
    )
    await session.execute(stmt)


def order_facts(since: datetime, until: datetime, *, anchor: str) -> Any:
    """A subquery, one row per order (virtual orders left out) whose ``anchor`` time
    (``"paid"``: paid orders by ``paid_at``; ``"created"``: every order by ``created_at``) is in
    ``[since, until)``: ``order_id``, ``order_no``, ``member_id``, ``at``, ``is_paid`` (0/1),
    ``payable_total``, ``refunded_total``, ``region_code``, ``source``, ``source_ref`` (a flash
    sale's ``flash:<campaign>:<sku>``, else null)."""
    at = Order.paid_at if anchor == "paid" else Order.created_at
    return (
        select(
            Order.id.label("order_id"),
            Order.order_no,
            Order.member_id,
            at.label("at"),
            case((Order.paid_at.is_not(None), 1), else_=0).label("is_paid"),
            Order.payable_total,
            Order.refunded_total,
            Order.region_code,
            Order.source,
            Order.stock_source_ref.label("source_ref"),
        )
        .where(at >= since, at < until, Order.is_virtual.is_(False))
        .subquery("order_facts")
    )


def line_facts(since: datetime, until: datetime) -> Any:
    """A subquery, one row per line of the goods orders paid in ``[since, until)``:
    ``order_id``, ``member_id``, ``at`` (paid), ``region_code``, ``source``, ``product_id``,
    ``title``, ``quantity``, ``payable``."""
    return (
        select(
            Order.id.label("order_id"),
            Order.member_id,
            Order.paid_at.label("at"),
            Order.region_code,
            Order.source,
            OrderLine.product_id,
            OrderLine.title,
            OrderLine.quantity,
            OrderLine.payable,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.paid_at >= since, Order.paid_at < until, Order.is_virtual.is_(False))
        .subquery("line_facts")
    )


async def member_paid_between(
    session: AsyncSession, member_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    """(orders, fen net of refunds) the member paid in ``[start, end)``, orders refunded in
    full left out: experiments' CUPED pre-period."""
    net = Order.payable_total - Order.refunded_total
    stmt = select(func.count(), func.coalesce(func.sum(net), 0)).where(
        Order.member_id == member_id,
        Order.paid_at >= start,
        Order.paid_at < end,
        net > 0,
    )
    count, total = (await session.execute(stmt)).one()
    return int(count), int(total)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' merge hook: the absorbed account's orders and after-sales become the
    survivor's. An Idempotency-Key both accounts happened to use stays unique per member: the
    moved order's key is replaced by ``merged:<order id>`` (its retry window is long past
    mattering once the account is gone)."""
    taken = select(Order.idempotency_key).where(Order.member_id == into_id).scalar_subquery()
    await session.execute(
        update(Order)
        .where(Order.member_id == from_id, Order.idempotency_key.in_(taken))
        .values(idempotency_key=literal("merged:") + cast(Order.id, String))
    )
    moved = await session.execute(
        update(Order).where(Order.member_id == from_id).values(member_id=into_id)
    )
    await session.execute(
        update(AfterSale).where(AfterSale.member_id == from_id).values(member_id=into_id)
    )
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]
