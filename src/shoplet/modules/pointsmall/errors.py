"""Typed errors of the points mall (``pointsmall.*``): status, stable code, title. Every one is
raised before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class ItemNotFound(NotFound):
    code = "pointsmall.item_not_found"
    title = "Points-mall item not found"


class InvalidItem(BadRequest):
    code = "pointsmall.invalid_item"
    title = "Invalid points-mall item"


class NotOnSale(Conflict):
    code = "pointsmall.not_on_sale"
    title = "This item is not on sale now"


class SoldOut(Conflict):
    code = "pointsmall.sold_out"
    title = "This item is sold out"


class LimitReached(Conflict):
    code = "pointsmall.limit_reached"
    title = "You have exchanged the most allowed"


class AddressRequired(BadRequest):
    code = "pointsmall.address_required"
    title = "Goods need a shipping address"


class RequestConflict(Conflict):
    code = "pointsmall.request_conflict"
    title = "This request id was used for another exchange"


class CouponNotIssued(Conflict):
    code = "pointsmall.coupon_not_issued"
    title = "The coupon could not be issued"


__all__ = [
    "AddressRequired",
    "CouponNotIssued",
    "InvalidItem",
    "ItemNotFound",
    "LimitReached",
    "NotOnSale",
    "RequestConflict",
    "SoldOut",
]
