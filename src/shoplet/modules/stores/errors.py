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


class ServiceNotFound(NotFound):
    code = "stores.service_not_found"
    title = "No such store service"


class SlotNotFound(NotFound):
    code = "stores.slot_not_found"
    title = "No such appointment slot"


class SlotFull(Conflict):
    code = "stores.slot_full"
    title = "This time slot is fully booked"


class SlotPast(Conflict):
    code = "stores.slot_past"
    title = "This time slot has already started"


class AlreadyBooked(Conflict):
    code = "stores.already_booked"
    title = "You already booked this time slot"


class BookingNotFound(NotFound):
    code = "stores.booking_not_found"
    title = "No such appointment"


class BookingClosed(Conflict):
    code = "stores.booking_closed"
    title = "This appointment is no longer open (checked in or cancelled)"


class StoreClosedNow(Conflict):
    code = "stores.closed_now"
    title = "The store is not open now: scan-to-buy is only for shoppers in an open store"


class InvalidStorePrice(BadRequest):
    code = "stores.invalid_price"
    title = "A store price is a whole number of fen from 1 up to the catalogue's maximum"


class InvalidPriceWindow(BadRequest):
    code = "stores.invalid_price_window"
    title = "The store price's window must end after it starts (times with a time zone)"


class StoreSkuNotFound(NotFound):
    code = "stores.sku_not_found"
    title = "No such SKU in the catalogue"


class StorePriceNotFound(NotFound):
    code = "stores.price_not_found"
    title = "This store has no price of its own for this SKU"


class PriceFileInvalid(BadRequest):
    code = "stores.price_file_invalid"
    title = "The price file could not be read (CSV or XLSX with sku_id or barcode, and price)"


class PriceImportInvalid(BadRequest):
    code = "stores.price_import_invalid"
    title = "Some rows of the price file are invalid; nothing was changed"
