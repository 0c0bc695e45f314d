"""Inventory errors: HTTP status and a stable ``inventory.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class InsufficientStock(Conflict):
    code = "inventory.insufficient"
    title = "Not enough stock"

    def __init__(self, *, sku_id: int, requested: int, available: int) -> None:
        super().__init__(
            f"SKU {sku_id}: {requested} requested, {available} available",
            sku_id=sku_id,
            requested=requested,
            available=available,
        )
        self.sku_id = sku_id
        self.requested = requested
        self.available = available


class BelowReserved(Conflict):
    code = "inventory.below_reserved"
    title = "Stock would fall below the reserved units"


class NegativeStock(Conflict):
    code = "inventory.negative"
    title = "Stock would become negative"


class StockNotFound(NotFound):
    code = "inventory.stock_not_found"
    title = "No stock record for this SKU"


class StockExists(Conflict):
    code = "inventory.stock_exists"
    title = "This SKU already has stock; adjust it instead"


class InvalidQuantity(BadRequest):
    code = "inventory.invalid_quantity"
    title = "Invalid quantity"


class ReasonRequired(BadRequest):
    code = "inventory.reason_required"
    title = "A reason is required"


class InvalidRef(BadRequest):
    code = "inventory.invalid_ref"
    title = "Invalid reference"


class ReservationExists(Conflict):
    code = "inventory.reservation_exists"
    title = "Stock is already reserved for this reference"


class ReservationNotFound(NotFound):
    code = "inventory.reservation_not_found"
    title = "No reservation for this reference"


class ReservationReleased(Conflict):
    code = "inventory.reservation_released"
    title = "The reservation was released before it could be committed"


class DuplicateRestock(Conflict):
    code = "inventory.duplicate_restock"
    title = "A restock with this reference is being recorded concurrently"
