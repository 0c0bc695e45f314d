"""Refusals of the clearance planner (``insights.clearance_*``, 400: nothing is written)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class ClearanceInvalid(BadRequest):
    code = "insights.clearance_invalid"
    title = "The clearance plan cannot be made"


class SkuUnknown(ClearanceInvalid):
    code = "insights.clearance_sku_unknown"
    title = "No such SKU"


class NoCost(ClearanceInvalid):
    code = "insights.clearance_no_cost"
    title = "The SKU has no cost price, so no price floor"


class NoStock(ClearanceInvalid):
    code = "insights.clearance_no_stock"
    title = "The SKU has no stock to clear"


class BelowFloor(ClearanceInvalid):
    code = "insights.clearance_below_floor"
    title = "The price is under the floor (cost + minimum margin)"
