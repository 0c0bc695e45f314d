"""Members' account merge hook of invoicing: invoices and saved invoice titles (抬头)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.invoicing.models import Invoice, InvoiceTitle

COLUMNS = (
    Invoice.member_id,
    InvoiceTitle.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: invoices and saved invoice titles (抬头). Returns the rows
    moved."""
    moved = 0
    moved += await merge.reassign(session, Invoice.member_id, from_id, into_id)
    moved += await merge.reassign(session, InvoiceTitle.member_id, from_id, into_id)
    return moved
