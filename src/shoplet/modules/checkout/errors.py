"""Checkout errors: HTTP status and a stable ``checkout.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict


class IdempotencyKeyRequired(BadRequest):
    code = "checkout.idempotency_key_required"
    title = "Send an Idempotency-Key header of 8 to 64 printable characters"


class NothingToOrder(BadRequest):
    code = "checkout.empty"
    title = "Nothing to order: no items given and no item selected in the cart"


class SkuUnavailable(Conflict):
    code = "checkout.sku_unavailable"
    title = "An item is not on sale any more"


class InvalidShippingRules(BadRequest):
    code = "checkout.invalid_shipping_rules"
    title = "Invalid shipping rules"


__all__ = ["IdempotencyKeyRequired", "InvalidShippingRules", "NothingToOrder", "SkuUnavailable"]
