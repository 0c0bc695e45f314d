"""Stores errors: HTTP status and a stable ``stores.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, Forbidden, NotFound


class StoreNotFound(NotFound):
    code = "stores.not_found"
    title = "No such store"


class InvalidStore(BadRequest):
    code = "stores.invalid"
    title = "The store's details are not valid"


class PickupDisabled(Conflict):
    code = "stores.pickup_disabled"
    title = "This store does not offer pickup"


class InvalidPickupWindow(BadRequest):
    code = "stores.invalid_pickup_window"
    title = "The pickup time is not within the store's opening hours"


class OutOfDeliveryRange(BadRequest):
    code = "stores.out_of_range"
    title = "The address is beyond the store's same-city delivery radius"


class PickupCodeInvalid(NotFound):
    code = "stores.code_invalid"
    title = "No pickup is awaited with this code"


class PickupQrInvalid(BadRequest):
    code = "stores.qr_invalid"
    title = "The QR code is not one the shop signed"


class PickupWrongStore(Conflict):
    code = "stores.wrong_store"
    title = "This pickup belongs to another store"


class PickupUnpaid(Conflict):
    code = "stores.order_unpaid"
    title = "The order is not paid (or no longer paid)"


class PickupAlreadyDone(Conflict):
    code = "stores.already_picked_up"
    title = "This order was already picked up"


class NotStoreStaff(Forbidden):
    code = "stores.not_store_staff"
    title = "You are not on this store's staff"
