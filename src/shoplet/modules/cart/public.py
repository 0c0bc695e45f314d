"""What other modules may use from the cart: a member's selected lines (with the play that
priced each, ``price_source``), removing the lines an order took, registering a play's prices
for cart lines (``register_price_source``: 直播价 added from a live room), and members' cart
lines and favourites as taste signals (recommendations). All run in the caller's transaction
(flush only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.cart import repository as _repo
from shoplet.modules.cart import service
from shoplet.modules.cart.repository import move_member as _move_member
from shoplet.modules.cart.sources import CartPriceSource, register_price_source
from shoplet.modules.members import public as members

__all__ = [
    "CartItem",
    "CartPriceSource",
    "Signal",
    "cart_signals",
    "favorite_signals",
    "register_price_source",
    "remove_items",
    "selected_items",
    "startup",
]


@dataclass(frozen=True, slots=True)
class CartItem:
    sku_id: int
    quantity: int
    price_source: str | None = None  # "live:<session>": added from that play at its price


async def selected_items(session: AsyncSession, *, member_id: int) -> list[CartItem]:
    """The member's selected lines, newest first, as they are stored: the caller prices them
    against the live catalog and stock (a withdrawn SKU may still be among them)."""
    rows = await service.selected_items(session, member_id)
    return [CartItem(sku_id, quantity, source) for sku_id, quantity, source in rows]


async def remove_items(session: AsyncSession, *, member_id: int, sku_ids: Sequence[int]) -> None:
    """Delete the member's lines of these SKUs (those that are there; idempotent)."""
    await service.remove_items(session, member_id, sku_ids)


@dataclass(frozen=True, slots=True)
class Signal:
    """A member showed interest: ``ref`` is a SKU id for a cart line, a product id for a
    favourite; ``at`` when (last update of the line, time of the favourite)."""

    member_id: int
    ref: int
    at: datetime


async def cart_signals(
    session: AsyncSession, *, member_id: int | None = None, since: datetime | None = None
) -> list[Signal]:
    """Members' cart lines (of one member, or all), touched since ``since``; ``ref`` = SKU id."""
    rows = await _repo.member_cart_signals(session, member_id=member_id, since=since)
    return [Signal(*row) for row in rows]


async def favorite_signals(
    session: AsyncSession, *, member_id: int | None = None, since: datetime | None = None
) -> list[Signal]:
    """Favourites (of one member, or all) since ``since``; ``ref`` = product id."""
    rows = await _repo.favorite_signals(session, member_id=member_id, since=since)
    return [Signal(*row) for row in rows]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves what cart owns through this hook (members sits below)."""
    members.register_merge_hook(
        ctx, "cart", _move_member, tables=("cart_line.member_id", "cart_favorite.member_id")
    )
