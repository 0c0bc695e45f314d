"""Fulfillment errors: HTTP status and a stable ``fulfillment.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ShopletError


class ShipmentNotFound(NotFound):
    code = "fulfillment.shipment_not_found"
    title = "This order has no shipment"


class WaybillNotFound(NotFound):
    code = "fulfillment.waybill_not_found"
    title = "No e-waybill was printed for this order"


class CarrierUnsupported(BadRequest):
    code = "fulfillment.carrier_unsupported"
    title = "This carrier is not one the shop prints e-waybills with"


class CarrierFailed(ShopletError):
    status = 502
    code = "fulfillment.carrier_failed"
    title = "The carrier refused or did not answer"


class RetryNotAllowed(Conflict):
    code = "fulfillment.retry_not_allowed"
    title = "Only a failed or waiting tracking subscription or WeChat upload can be retried"
