"""What other modules may use from the cart: a member's selected lines, and removing the lines
an order took. Both run in the caller's transaction (flush only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.cart import service

__all__ = ["CartItem", "remove_items", "selected_items"]


@dataclass(frozen=True, slots=True)
class CartItem:
    sku_id: int
    quantity: int


async def selected_items(session: AsyncSession, *, member_id: int) -> list[CartItem]:
    """The member's selected lines, newest first, as they are stored: the caller prices them
    against the live catalog and stock (a withdrawn SKU may still be among them)."""
    rows = await service.selected_items(session, member_id)
    return [CartItem(sku_id=sku_id, quantity=quantity) for sku_id, quantity in rows]


async def remove_items(session: AsyncSession, *, member_id: int, sku_ids: Sequence[int]) -> None:
    """Delete the member's lines of these SKUs (those that are there; idempotent)."""
    await service.remove_items(session, member_id, sku_ids)
