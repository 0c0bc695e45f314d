"""Checkout's queries: its one table, the shipping rules; everything else checkout reads through
other modules' ``public.py``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.checkout.models import RULES_ROW_ID, CheckoutShippingRules


async def get_shipping_rules_row(
    session: AsyncSession,
) -> tuple[int, int | None, dict[str, int] | None] | None:
    """``(flat_fee, free_threshold, region_fees)`` of the rules row, or ``None``."""
    # Columns, not the entity: a row cached in the session's identity map could be stale.
    row = (
        await session.execute(
            select(
                CheckoutShippingRules.flat_fee,
                CheckoutShippingRules.free_threshold,
                CheckoutShippingRules.region_fees,
            ).where(CheckoutShippingRules.id == RULES_ROW_ID)
        )
    ).one_or_none()
    if row is None:
        return None
    flat_fee, free_threshold, region_fees = row
    return flat_fee, free_threshold, region_fees


async def upsert_shipping_rules(session: AsyncSession, values: dict[str, Any]) -> None:
    """Write the rules row (``values`` without the id)."""
    insert = (
        postgresql.insert(CheckoutShippingRules)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(CheckoutShippingRules)
    )
    # Upsert on the fixed id: two first saves racing cannot create a second row or fail.
    statement = insert.values(id=RULES_ROW_ID, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[CheckoutShippingRules.id], set_=values)
    )
