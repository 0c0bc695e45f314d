"""Every query of invoicing. Creating an invoice is ``INSERT … ON CONFLICT DO NOTHING`` on the
order's active slot (blue) or on the reversed invoice (red), so concurrent requests and
redelivered events create one; status changes are conditional UPDATEs, so a job replica and a
callback cannot both win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.invoicing.models import Invoice, InvoiceTitle, TaxProfile


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- titles --------------------------------------------------------------------------------


async def titles_of(session: AsyncSession, member_id: int) -> list[InvoiceTitle]:
    rows = await session.scalars(
        select(InvoiceTitle).where(InvoiceTitle.member_id == member_id).order_by(InvoiceTitle.id)
    )
    return list(rows)


async def count_titles(session: AsyncSession, member_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(InvoiceTitle)
            .where(InvoiceTitle.member_id == member_id)
        )
        or 0
    )


async def add_title(session: AsyncSession, values: dict[str, Any]) -> InvoiceTitle:
    title = InvoiceTitle(**values)
    session.add(title)
    await session.flush()
    return title


async def title_of(session: AsyncSession, member_id: int, title_id: int) -> InvoiceTitle | None:
    return (
        await session.scalars(
            select(InvoiceTitle).where(
                InvoiceTitle.id == title_id, InvoiceTitle.member_id == member_id
            )
        )
    ).one_or_none()


async def update_title(
    session: AsyncSession, member_id: int, title_id: int, values: dict[str, Any]
) -> bool:
    result = await session.execute(
        update(InvoiceTitle)
        .where(InvoiceTitle.id == title_id, InvoiceTitle.member_id == member_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def delete_title(session: AsyncSession, member_id: int, title_id: int) -> bool:
    result = await session.execute(
        delete(InvoiceTitle)
        .where(InvoiceTitle.id == title_id, InvoiceTitle.member_id == member_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


# -- tax profiles --------------------------------------------------------------------------


async def profiles_for(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, TaxProfile]:
    if not product_ids:
        return {}
    rows = await session.scalars(
        select(TaxProfile).where(TaxProfile.product_id.in_(sorted(set(product_ids))))
    )
    return {r.product_id: r for r in rows}


async def upsert_profile(
    session: AsyncSession, product_id: int, *, tax_code: str, tax_rate_bp: int, now: datetime
) -> None:
    stmt = _insert(session, TaxProfile).values(
        product_id=product_id, tax_code=tax_code, tax_rate_bp=tax_rate_bp, updated_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[TaxProfile.product_id],
            set_={"tax_code": tax_code, "tax_rate_bp": tax_rate_bp, "updated_at": now},
        )
    )


# -- invoices ------------------------------------------------------------------------------


async def insert_blue(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The new invoice's id, or None when the order already has an active one."""
    result = await session.execute(
        _insert(session, Invoice)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Invoice.active_order_no])
        .returning(Invoice.id)
    )
    return result.scalar_one_or_none()


async def insert_red(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The red-letter invoice's id, or None when that blue invoice is already reversed."""
    result = await session.execute(
        _insert(session, Invoice)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Invoice.reverses_id])
        .returning(Invoice.id)
    )
    return result.scalar_one_or_none()


async def get_invoice(session: AsyncSession, invoice_id: int) -> Invoice | None:
    return await session.get(Invoice, invoice_id, populate_existing=True)


async def invoice_by_no(session: AsyncSession, invoice_no: str) -> Invoice | None:
    return (
        await session.scalars(
            select(Invoice)
            .where(Invoice.invoice_no == invoice_no)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()


async def invoices_of_order(session: AsyncSession, order_no: str) -> list[Invoice]:
    rows = await session.scalars(
        select(Invoice)
        .where(Invoice.order_no == order_no)
        .order_by(Invoice.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def invoice_numbers(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Invoice.id, Invoice.invoice_no).where(Invoice.id.in_(sorted(set(ids))))
    )
    return {int(i): str(n) for i, n in rows.all()}


async def active_invoice(session: AsyncSession, order_no: str) -> Invoice | None:
    return (
        await session.scalars(
            select(Invoice)
            .where(Invoice.active_order_no == order_no)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()


async def list_invoices(
    session: AsyncSession,
    *,
    status: str | None,
    order_no: str | None,
    before_id: int | None,
    limit: int,
) -> list[Invoice]:
    query = (
        select(Invoice)
        .order_by(Invoice.id.desc())
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    if status is not None:
        query = query.where(Invoice.status == status)
    if order_no is not None:
        query = query.where(Invoice.order_no == order_no)
    if before_id is not None:
        query = query.where(Invoice.id < before_id)
    return list(await session.scalars(query))


async def due_invoices(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Invoice.id)
        .where(
            Invoice.status == "pending",
            or_(Invoice.next_at.is_(None), Invoice.next_at <= now),
        )
        .order_by(Invoice.id)
        .limit(limit)
    )
    return list(rows)


async def claim(session: AsyncSession, invoice_id: int, *, attempts: int, now: datetime) -> bool:
    """pending → issuing for attempt number ``attempts`` (one replica wins)."""
    result = await session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice_id,
            Invoice.status == "pending",
            Invoice.attempts == attempts - 1,
        )
        .values(status="issuing", attempts=attempts, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def record_serial(session: AsyncSession, invoice_id: int, serial: str, now: datetime) -> None:
    await session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.provider_serial.is_(None))
        .values(provider_serial=serial, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def record_refusal(
    session: AsyncSession,
    invoice_id: int,
    *,
    attempts: int,
    status: str,
    next_at: datetime | None,
    error: str,
    now: datetime,
) -> bool:
    """issuing → pending (retry later) or failed, for the attempt that made the call."""
    result = await session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice_id,
            Invoice.status == "issuing",
            Invoice.attempts == attempts,
        )
        .values(status=status, next_at=next_at, error=error, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_issued(
    session: AsyncSession,
    invoice_id: int,
    *,
    serial: str | None,
    invoice_code: str | None,
    invoice_number: str | None,
    issued_at: datetime,
    pdf: bytes,
    now: datetime,
) -> bool:
    """pending/issuing/failed → issued, once (a repeated callback changes nothing)."""
    result = await session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.status.in_(("pending", "issuing", "failed")))
        .values(
            status="issued",
            provider_serial=func.coalesce(Invoice.provider_serial, serial),
            invoice_code=invoice_code,
            invoice_number=invoice_number,
            issued_at=issued_at,
            pdf=pdf,
            error=None,
            next_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_failed(session: AsyncSession, invoice_id: int, *, error: str, now: datetime) -> bool:
    result = await session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.status.in_(("pending", "issuing")))
        .values(status="failed", error=error, next_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def set_status(
    session: AsyncSession,
    invoice_id: int,
    *,
    from_statuses: tuple[str, ...],
    to: str,
    now: datetime,
    release_order: bool = False,
    reset_attempts: bool = False,
) -> bool:
    values: dict[str, Any] = {"status": to, "updated_at": now}
    if release_order:
        values["active_order_no"] = None
    if reset_attempts:
        values.update(attempts=0, next_at=now, error=None)
    result = await session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
