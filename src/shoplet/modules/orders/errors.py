"""Orders errors: HTTP status and a stable ``orders.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class OrderNotFound(NotFound):
    """Also for another member's order: its existence is never revealed (no 403)."""

    code = "orders.not_found"
    title = "No such order"


class AfterSaleNotFound(NotFound):
    code = "orders.aftersale_not_found"
    title = "No such after-sale request"


class IllegalTransition(Conflict):
    code = "orders.illegal_transition"
    title = "The order is not in a state that allows this"


class OrderOnHold(Conflict):
    code = "orders.on_hold"
    title = "The order may not ship yet (its group is not complete)"


class AfterSaleOnHold(Conflict):
    code = "orders.aftersale_on_hold"
    title = "No after-sale while the order waits for its group or campaign"


class IdempotencyConflict(Conflict):
    code = "orders.idempotency_conflict"
    title = "This Idempotency-Key was used for a different request"


class NotPayable(Conflict):
    code = "orders.not_payable"
    title = "This order cannot be paid (any more)"


class AfterSaleNotAllowed(Conflict):
    code = "orders.aftersale_not_allowed"
    title = "An after-sale cannot be requested for this order now"


class AfterSaleAmountExceeded(Conflict):
    code = "orders.aftersale_amount_exceeded"
    title = "The amount exceeds what is left to refund on this order"


class InvalidAfterSaleItems(BadRequest):
    code = "orders.invalid_aftersale_items"
    title = "The items to return are not on this order (or not that many)"


class InvalidOrder(BadRequest):
    """A programming error of a caller of ``create_order`` (amounts that do not add up…)."""

    code = "orders.invalid"
    title = "Invalid order"


# -- console exports ---------------------------------------------------------------------------


class ExportNotFound(NotFound):
    code = "console.export_not_found"
    title = "No such export"


class ExportNotReady(Conflict):
    code = "console.export_not_ready"
    title = "The export has no file to download (yet, or any more)"


class TooManyExports(Conflict):
    code = "console.too_many_exports"
    title = "Wait for your running exports to finish first"


class InvalidExportRange(BadRequest):
    code = "console.invalid_export_range"
    title = "Invalid date range"
