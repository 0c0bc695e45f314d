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


class ActivityUnknown(BadRequest):
    code = "checkout.activity_unknown"
    title = "The activity named by the request does not sell at its own price here"


class InvalidShippingRules(BadRequest):
    code = "checkout.invalid_shipping_rules"
    title = "Invalid shipping rules"


__all__ = [
    "ActivityUnknown",
    "IdempotencyKeyRequired",
    "InvalidShippingRules",
    "NothingToOrder",
    "SkuUnavailable",
]
