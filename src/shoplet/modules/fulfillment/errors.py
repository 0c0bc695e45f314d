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


class CarrierDisabled(Conflict):
    code = "fulfillment.carrier_disabled"
    title = "This carrier is switched off in 物流公司: enable it before shipping with it"


class CarrierNotFound(NotFound):
    code = "fulfillment.carrier_not_found"
    title = "The shop has no such carrier (add it in 物流公司 first)"


class CarrierExists(Conflict):
    code = "fulfillment.carrier_exists"
    title = "The shop already has this carrier"


class CarrierOrderInvalid(BadRequest):
    code = "fulfillment.carrier_order_invalid"
    title = "The new order must list every carrier of the shop exactly once"
