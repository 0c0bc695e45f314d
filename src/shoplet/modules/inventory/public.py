"""The inventory API for other modules: stock levels, reservations, the ledger.

Reservation life cycle for an order no. ``ref``::

    reserve(ref, lines, expires_at)  -> active
    commit(ref)                      -> committed (sold: on_hand and reserved drop together)
    release(ref, reason)             -> released (cancelled / expired: units available again)

Flash sales hold units under ``flash:<campaign>:<sku>`` and move them to an order (and back)
with ``transfer_reservation(from_ref, to_ref, sku_id, quantity)``; ``held_quantity`` reads a hold.

``commit`` and ``release`` are idempotent. Everything runs in the caller's transaction (flush
only); a raised error means the caller must roll back, which ``DbSession`` does.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.inventory import repository as _repo
from shoplet.modules.inventory.errors import (
    BelowReserved,
    DuplicateRestock,
    InsufficientStock,
    InvalidQuantity,
    InvalidRef,
    NegativeStock,
    ReasonRequired,
    ReservationExists,
    ReservationNotFound,
    ReservationReleased,
    StockExists,
    StockNotFound,
)
from shoplet.modules.inventory.events import RESTOCKED
from shoplet.modules.inventory.schemas import LedgerEntry, StockLevel
from shoplet.modules.inventory.service import (
    adjust_stock,
    adjust_stocks,
    commit,
    expired_reservation_refs,
    get_levels,
    held_by_refs,
    held_quantity,
    list_ledger,
    list_low_stock,
    release,
    reserve,
    restock,
    set_initial_stock,
    set_initial_stocks,
    transfer_reservation,
)
from shoplet.modules.inventory.tasks import RELEASE_EXPIRED_TASK, release_expired_reservations

__all__ = [
    "RELEASE_EXPIRED_TASK",
    "RESTOCKED",
    "BelowReserved",
    "DuplicateRestock",
    "InsufficientStock",
    "InvalidQuantity",
    "InvalidRef",
    "LedgerEntry",
    "NegativeStock",
    "ReasonRequired",
    "ReservationExists",
    "ReservationNotFound",
    "ReservationReleased",
    "StockExists",
    "StockLevel",
    "StockNotFound",
    "adjust_stock",
    "adjust_stocks",
    "commit",
    "count_low_stock",
    "count_out_of_stock",
    "expired_reservation_refs",
    "get_levels",
    "held_by_refs",
    "held_quantity",
    "list_ledger",
    "list_low_stock",
    "release",
    "release_expired_reservations",
    "reserve",
    "restock",
    "set_initial_stock",
    "set_initial_stocks",
    "transfer_reservation",
]


async def count_out_of_stock(session: AsyncSession) -> int:
    """How many SKUs are sold out right now (available 0), for insights' alerts."""
    return await _repo.count_out_of_stock(session)


async def count_low_stock(session: AsyncSession, *, threshold: int) -> int:
    """How many SKUs have 1..``threshold`` units left to sell, for insights' frontline board."""
    return await _repo.count_low_stock(session, threshold)
