"""Refusals of the clearance planner and its trials (``insights.clearance_*``: 400, 404 or 409;
nothing is written)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


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


class TrialNotFound(NotFound):
    code = "insights.clearance_trial_not_found"
    title = "No such clearance trial"


class TrialSkuBusy(Conflict):
    code = "insights.clearance_trial_sku_busy"
    title = "A SKU is already in a running clearance trial"


class TrialStopped(Conflict):
    code = "insights.clearance_trial_stopped"
    title = "The clearance trial has already stopped"
