"""Typed errors of the cart module (``cart.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, Unauthorized


class CartIdentityRequired(Unauthorized):
    code = "cart.identity_required"
    title = "Sign in, or send an X-Cart-Token header for a guest cart"


class SkuNotFound(NotFound):
    code = "cart.sku_not_found"
    title = "SKU not found"


class SkuUnavailable(Conflict):
    code = "cart.sku_unavailable"
    title = "This item is not on sale"


class QuantityExceedsStock(Conflict):
    code = "cart.quantity_exceeds_stock"
    title = "Not enough stock for this quantity"


class CartFull(Conflict):
    code = "cart.full"
    title = "The cart is full"


class LineNotFound(NotFound):
    code = "cart.line_not_found"
    title = "This item is not in the cart"


class ProductNotFound(NotFound):
    code = "cart.product_not_found"
    title = "Product not found"


class SourceUnknown(BadRequest):
    code = "cart.source_unknown"
    title = "No such price source for a cart line"


class MemberRequired(Unauthorized):
    code = "cart.member_required"
    title = "Sign in to add an item at a live price"
