"""Invoice requests, issuing through the provider, callbacks and refunds (red-letter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.integrations.invoicing.provider import (
    IssueLine,
    IssueRequest,
    IssueResult,
    ProviderError,
)
from shoplet.modules.invoicing import pdf
from shoplet.modules.invoicing import repository as repo
from shoplet.modules.invoicing.errors import (
    AlreadyRequested,
    InvoiceNotFound,
    OrderNotInvoiceable,
    RetryNotAllowed,
    TitleNotFound,
)
from shoplet.modules.invoicing.events import INVOICE_ISSUED
from shoplet.modules.invoicing.models import Invoice as InvoiceRow
from shoplet.modules.invoicing.schemas import (
    Invoice,
    InvoiceAdmin,
    InvoiceLine,
    InvoiceRequestInput,
)
from shoplet.modules.invoicing.service._common import (
    INVOICEABLE,
    MAX_ATTEMPTS,
    SHIPPING_LINE,
    _settings,
    backoff,
    integrations_of,
    log,
    new_invoice_no,
)
from shoplet.modules.invoicing.service.files import content_of
from shoplet.modules.invoicing.tax import (
    Goods,
    TaxLine,
    negate,
    tax_lines,
)
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders


async def _goods(session: AsyncSession, order: orders.InvoiceOrder) -> list[Goods]:
    settings = _settings()
    profiles = await repo.profiles_for(session, [line.product_id for line in order.lines])
    goods = []
    for line in order.lines:
        profile = profiles.get(line.product_id)
        goods.append(
            Goods(
                name=line.title[:90],
                spec=line.spec_text[:40],
                quantity=line.quantity,
                weight=line.payable,
                tax_code=profile.tax_code if profile else settings.invoice_default_tax_code,
                tax_rate_bp=(
                    profile.tax_rate_bp if profile else settings.invoice_default_tax_rate_bp
                ),
            )
        )
    if order.shipping_fee > 0:
        goods.append(
            Goods(
                name=SHIPPING_LINE,
                spec="",
                quantity=1,
                weight=order.shipping_fee,
                tax_code=settings.invoice_shipping_tax_code,
                tax_rate_bp=settings.invoice_shipping_tax_rate_bp,
            )
        )
    return goods


def _line_dicts(lines: list[TaxLine]) -> list[dict[str, Any]]:
    return [
        {
            "name": x.name,
            "spec": x.spec,
            "quantity": x.quantity,
            "tax_code": x.tax_code,
            "tax_rate_bp": x.tax_rate_bp,
            "amount": x.amount,
            "net": x.net,
            "tax": x.tax,
        }
        for x in lines
    ]


# -- invoices ------------------------------------------------------------------------------


async def _blue_values(
    session: AsyncSession,
    order: orders.InvoiceOrder,
    *,
    buyer: dict[str, Any],
    now: datetime,
) -> dict[str, Any] | None:
    total = order.payable_total - order.refunded_total
    if total <= 0:
        return None
    lines = tax_lines(total, await _goods(session, order))
    return {
        "invoice_no": new_invoice_no(),
        "order_no": order.order_no,
        "active_order_no": order.order_no,
        "member_id": order.member_id,
        "kind": "blue",
        "status": "pending",
        **buyer,
        "amount": sum(x.amount for x in lines),
        "net": sum(x.net for x in lines),
        "tax": sum(x.tax for x in lines),
        "lines": _line_dicts(lines),
        "attempts": 0,
        "next_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def request_invoice(
    session: AsyncSession,
    member_id: int,
    order_no: str,
    data: InvoiceRequestInput,
    *,
    now: datetime | None = None,
) -> Invoice:
    """Ask for an order's invoice: one active invoice per order (a concurrent second request
    gets 409 ``invoicing.already_requested``), for what the order kept after refunds."""
    await members.hold_member(session, member_id)
    now = now or utcnow()
    order = await orders.invoice_order(session, order_no, member_id=member_id)
    title = await repo.title_of(session, member_id, data.title_id)
    if title is None:
        raise TitleNotFound()
    if order.status not in INVOICEABLE or order.payable_total - order.refunded_total <= 0:
        raise OrderNotInvoiceable(order_no=order_no, order_status=order.status)
    buyer = {
        "title_kind": title.kind,
        "buyer_name": title.name,
        "buyer_tax_id": title.tax_id,
        "buyer_email": data.email or title.email,
    }
    values = await _blue_values(session, order, buyer=buyer, now=now)
    invoice_id = await repo.insert_blue(session, values) if values is not None else None
    row = await repo.get_invoice(session, invoice_id) if invoice_id is not None else None
    if row is None:
        raise AlreadyRequested(order_no=order_no)
    return (await _views(session, [row]))[0]


async def _views(session: AsyncSession, rows: list[InvoiceRow]) -> list[Invoice]:
    numbers = await repo.invoice_numbers(session, [r.reverses_id for r in rows if r.reverses_id])
    return [_view(r, numbers) for r in rows]


def _fields(row: InvoiceRow, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "invoice_no": row.invoice_no,
        "order_no": row.order_no,
        "kind": row.kind,
        "status": row.status,
        "title_kind": row.title_kind,
        "buyer_name": row.buyer_name,
        "buyer_tax_id": row.buyer_tax_id,
        "amount": row.amount,
        "net": row.net,
        "tax": row.tax,
        "lines": [InvoiceLine.model_validate(x) for x in row.lines],
        "invoice_code": row.invoice_code or None,
        "invoice_number": row.invoice_number,
        "issued_at": row.issued_at,
        "reverses": numbers.get(row.reverses_id) if row.reverses_id else None,
        "error": row.error,
        "has_pdf": row.pdf is not None,
        "created_at": row.created_at,
    }


def _view(row: InvoiceRow, numbers: dict[int, str]) -> Invoice:
    return Invoice(**_fields(row, numbers))


async def order_invoices(session: AsyncSession, member_id: int, order_no: str) -> list[Invoice]:
    """A shopper's own order's invoices, oldest first (404 for another shopper's order)."""
    await orders.require_order(session, order_no, member_id=member_id)
    return await _views(session, await repo.invoices_of_order(session, order_no))


async def list_admin(
    session: AsyncSession,
    *,
    status: str | None,
    order_no: str | None,
    cursor: str | None,
    limit: int,
) -> Page[InvoiceAdmin]:
    """The console's 发票 queue, newest first, keyset on the id."""
    before = decode_id_cursor(cursor)
    rows = await repo.list_invoices(
        session, status=status, order_no=order_no, before_id=before, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    numbers = await repo.invoice_numbers(session, [r.reverses_id for r in rows if r.reverses_id])
    items = [
        InvoiceAdmin(
            **_fields(r, numbers),
            member_id=r.member_id,
            attempts=r.attempts,
            provider_serial=r.provider_serial,
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=encode_id_cursor(rows[-1].id) if more else None)


async def retry(session: AsyncSession, invoice_no: str) -> InvoiceAdmin:
    """Queue a failed invoice again now, with a fresh attempt budget."""
    row = await repo.invoice_by_no(session, invoice_no)
    if row is None:
        raise InvoiceNotFound()
    now = utcnow()
    if not await repo.set_status(
        session, row.id, from_statuses=("failed",), to="pending", now=now, reset_attempts=True
    ):
        raise RetryNotAllowed(invoice_status=row.status)
    page = await list_admin(session, status=None, order_no=row.order_no, cursor=None, limit=50)
    return next(i for i in page.items if i.invoice_no == invoice_no)


# -- issuing -------------------------------------------------------------------------------


async def due_invoices(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    return await repo.due_invoices(session, now=now, limit=limit)


def _issue_request(row: InvoiceRow, original: InvoiceRow | None) -> IssueRequest:
    settings = _settings()
    return IssueRequest(
        invoice_no=row.invoice_no,
        kind="red" if row.kind == "red" else "blue",
        buyer_name=row.buyer_name,
        buyer_tax_id=row.buyer_tax_id,
        buyer_email=row.buyer_email,
        seller_tax_id=settings.invoice_seller_tax_id,
        seller_name=settings.invoice_seller_name,
        lines=tuple(
            IssueLine(
                name=str(x["name"]),
                tax_code=str(x["tax_code"]),
                quantity=int(x["quantity"]),
                amount=int(x["amount"]),
                net=int(x["net"]),
                tax=int(x["tax"]),
                tax_rate_bp=int(x["tax_rate_bp"]),
                spec=str(x.get("spec") or ""),
            )
            for x in row.lines
        ),
        original_code=original.invoice_code if original else None,
        original_number=original.invoice_number if original else None,
    )


async def issue_one(ctx: AppContext, invoice_id: int, *, now: datetime) -> str | None:
    """One submission attempt; the invoice's status after it (None: nothing to do)."""
    integrations = integrations_of(ctx)
    provider = integrations.invoice_provider if integrations else None
    if integrations is None or provider is None:
        return None
    async with unit_of_work(ctx.sessionmaker) as session:
        row = await repo.get_invoice(session, invoice_id)
        if row is None or row.status != "pending":
            return None
        original = await repo.get_invoice(session, row.reverses_id) if row.reverses_id else None
        if original is not None and original.status in ("failed", "cancelled"):
            # The blue invoice was never issued: there is nothing to reverse.
            await repo.set_status(
                session, row.id, from_statuses=("pending",), to="cancelled", now=now
            )
            return "cancelled"
        if original is not None and original.status not in ("issued", "reversed"):
            # A red-letter invoice waits until the blue one it reverses is issued.
            row.next_at = now + timedelta(minutes=1)
            return "pending"
        attempts = row.attempts + 1
        request = _issue_request(row, original)
        if not await repo.claim(session, row.id, attempts=attempts, now=now):
            return None
    try:
        serial = await provider.issue(request, callback_url=integrations.nuonuo_callback_url)
    except ProviderError as exc:
        if exc.retryable and attempts < MAX_ATTEMPTS:
            status, next_at = "pending", now + backoff(attempts)
        else:
            status, next_at = "failed", None
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.record_refusal(
                session,
                invoice_id,
                attempts=attempts,
                status=status,
                next_at=next_at,
                error=str(exc)[:200],
                now=now,
            )
        log.warning("invoicing_issue_failed", invoice_id=invoice_id, status=status, error=str(exc))
        return status
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.record_serial(session, invoice_id, serial, now)
    return "issuing"


def _issued_at(result: IssueResult, now: datetime) -> datetime:
    if result.issued_at:
        try:
            return datetime.fromisoformat(result.issued_at).astimezone(UTC)
        except ValueError:
            return now
    return now


async def apply_result(session: AsyncSession, result: IssueResult, *, now: datetime) -> bool:
    """Apply a verified callback: issued (PDF rendered, ``invoice.issued`` published once) or
    failed. False when the invoice is not ours."""
    row = await repo.invoice_by_no(session, result.invoice_no)
    if row is None:
        return False
    if not result.ok:
        await repo.mark_failed(session, row.id, error=(result.message or "失败")[:200], now=now)
        return True
    issued_at = _issued_at(result, now)
    original = await repo.get_invoice(session, row.reverses_id) if row.reverses_id else None
    content = content_of(
        row,
        invoice_number=result.invoice_number or row.invoice_no,
        issued_at=issued_at,
        original=original,
    )
    document = pdf.draw_content(content)
    if not await repo.mark_issued(
        session,
        row.id,
        serial=result.serial or None,
        invoice_code=result.invoice_code,
        invoice_number=result.invoice_number,
        issued_at=issued_at,
        pdf=document,
        now=now,
    ):
        return True
    if original is not None:
        await repo.set_status(
            session, original.id, from_statuses=("issued",), to="reversed", now=now
        )
    await publish(
        session,
        INVOICE_ISSUED,
        {
            "invoice_no": row.invoice_no,
            "order_no": row.order_no,
            "member_id": row.member_id,
            "kind": row.kind,
            "amount": row.amount,
            "tax": row.tax,
            "invoice_number": result.invoice_number,
            "issued_at": issued_at,
        },
        key=row.order_no,
    )
    return True


# -- refunds -------------------------------------------------------------------------------


async def on_refund(session: AsyncSession, order_no: str, *, now: datetime | None = None) -> None:
    """After a refund: an active invoice larger than what the order kept is replaced. Not yet
    submitted (pending, failed): cancelled. Submitted or issued: reversed by a red-letter
    invoice (issued once the blue one is). Then, when something is left, a new blue invoice
    for it with the same buyer. Idempotent: a redelivered event finds nothing to change."""
    now = now or utcnow()
    active = await repo.active_invoice(session, order_no)
    if active is None:
        return
    order = await orders.invoice_order(session, order_no)
    kept = max(order.payable_total - order.refunded_total, 0)
    if active.amount == kept:
        return
    if active.status in ("pending", "failed"):
        await repo.set_status(
            session,
            active.id,
            from_statuses=("pending", "failed"),
            to="cancelled",
            now=now,
            release_order=True,
        )
    else:
        lines = negate([_tax_line(x) for x in active.lines])
        await repo.insert_red(
            session,
            {
                "invoice_no": new_invoice_no(),
                "order_no": order_no,
                "active_order_no": None,
                "member_id": active.member_id,
                "kind": "red",
                "reverses_id": active.id,
                "status": "pending",
                "title_kind": active.title_kind,
                "buyer_name": active.buyer_name,
                "buyer_tax_id": active.buyer_tax_id,
                "buyer_email": active.buyer_email,
                "amount": -active.amount,
                "net": -active.net,
                "tax": -active.tax,
                "lines": _line_dicts(lines),
                "attempts": 0,
                "next_at": now,
                "created_at": now,
                "updated_at": now,
            },
        )
        await repo.set_status(
            session,
            active.id,
            from_statuses=("issuing", "issued"),
            to=active.status,
            now=now,
            release_order=True,
        )
    buyer = {
        "title_kind": active.title_kind,
        "buyer_name": active.buyer_name,
        "buyer_tax_id": active.buyer_tax_id,
        "buyer_email": active.buyer_email,
    }
    values = await _blue_values(session, order, buyer=buyer, now=now)
    if values is not None:
        await repo.insert_blue(session, values)


def _tax_line(x: dict[str, Any]) -> TaxLine:
    return TaxLine(
        str(x["name"]),
        str(x.get("spec") or ""),
        int(x["quantity"]),
        str(x["tax_code"]),
        int(x["tax_rate_bp"]),
        int(x["amount"]),
        int(x["net"]),
        int(x["tax"]),
    )
