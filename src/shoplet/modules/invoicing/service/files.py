"""Issued invoices as files: the PDF rendered at issue, the OFD drawn on request from the same
layout (``layout.py``) and the same stored values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.invoicing import ofd
from shoplet.modules.invoicing import repository as repo
from shoplet.modules.invoicing.errors import FormatUnknown, InvoiceNotFound, PdfNotReady
from shoplet.modules.invoicing.layout import InvoiceContent, Party
from shoplet.modules.invoicing.models import Invoice as InvoiceRow
from shoplet.modules.invoicing.service._common import _settings

FILE_FORMATS = {"pdf": "application/pdf", "ofd": ofd.MEDIA_TYPE}


async def invoice_file(
    session: AsyncSession, invoice_no: str, *, member_id: int | None, file_format: str = "pdf"
) -> tuple[bytes, str, str]:
    """An issued invoice as a file: its bytes, file name and media type. ``pdf`` is the PDF
    rendered at issue; ``ofd`` is drawn now from the same layout and the same stored values.
    400 ``invoicing.format_unknown`` for another format, 404 for another shopper's invoice,
    409 before issue."""
    media_type = FILE_FORMATS.get(file_format)
    if media_type is None:
        raise FormatUnknown(format=file_format[:20], formats=sorted(FILE_FORMATS))
    row = await repo.invoice_by_no(session, invoice_no)
    if row is None or (member_id is not None and row.member_id != member_id):
        raise InvoiceNotFound()
    if row.pdf is None or row.issued_at is None:
        raise PdfNotReady()
    filename = f"invoice-{row.invoice_number or row.invoice_no}.{file_format}"
    if file_format == "pdf":
        return row.pdf, filename, media_type
    original = await repo.get_invoice(session, row.reverses_id) if row.reverses_id else None
    content = content_of(
        row,
        invoice_number=row.invoice_number or row.invoice_no,
        issued_at=row.issued_at,
        original=original,
    )
    return ofd.render(content), filename, media_type


def content_of(
    row: InvoiceRow, *, invoice_number: str, issued_at: datetime, original: InvoiceRow | None
) -> InvoiceContent:
    """What the invoice shows, for either renderer: the seller from the shop's settings, the
    rest as stored on the invoice."""
    settings = _settings()
    return InvoiceContent(
        kind=row.kind,
        invoice_number=invoice_number,
        issued_at=issued_at,
        seller=Party(
            settings.invoice_seller_name,
            settings.invoice_seller_tax_id,
            settings.invoice_seller_address,
        ),
        buyer=Party(row.buyer_name, row.buyer_tax_id),
        lines=row.lines,
        amount=row.amount,
        net=row.net,
        tax=row.tax,
        order_no=row.order_no,
        reverses_number=original.invoice_number if original else None,
    )
