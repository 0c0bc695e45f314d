"""Storefront routes of stores (tag stores): the store finder (nearest stores with stock for
the cart) and the store side of the shopper's order (the pickup code and its QR payload)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.input_safety import MAX_ID
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.stores import appointments, service
from shoplet.modules.stores.errors import InvalidStore
from shoplet.modules.stores.schemas import (
    Booking,
    BookingCreate,
    NearbyStore,
    ScanMatch,
    ServiceView,
    StoreOrderView,
    StoreView,
)

router = APIRouter(tags=["stores"])

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]
ITEMS_PATTERN = r"^\d{1,19}:\d{1,3}(,\d{1,19}:\d{1,3}){0,49}$"


def _items(raw: str | None) -> list[tuple[int, int]]:
    if not raw:
        return []
    wanted: dict[int, int] = {}
    for part in raw.split(","):
        sku, quantity = (int(x) for x in part.split(":"))
        if not (1 <= sku <= MAX_ID and quantity >= 1):
            raise InvalidStore("items: sku_id:quantity pairs, ids 1.., quantities 1..999")
        wanted[sku] = wanted.get(sku, 0) + quantity
    return sorted(wanted.items())


@router.get("/stores/nearby", responses=problem_responses(400))
async def nearby_stores(
    *,
    session: DbSession,
    response: Response,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    items: Annotated[
        str | None,
        Query(max_length=1200, pattern=ITEMS_PATTERN, description="sku_id:quantity,… (the cart)"),
    ] = None,
    radius_m: Annotated[int, Query(ge=100, le=service.NEARBY_RADIUS_M)] = service.NEARBY_RADIUS_M,
) -> list[NearbyStore]:
    """门店: active stores within ``radius_m``, nearest first, with opening status now, what
    each holds of the cart's SKUs and the same-city fee to the shopper's point."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.nearby(
        session, lat=lat, lng=lng, items=_items(items), radius_m=radius_m, now=utcnow()
    )


@router.get("/stores/{store_id}", responses=problem_responses(404))
async def get_store(store_id: PathId, *, session: DbSession) -> StoreView:
    """One active store: address, hours, whether it is open now."""
    return await service.get_store_view(session, store_id, now=utcnow())


@router.get("/stores/{store_id}/scan/{barcode}", responses=problem_responses(404))
async def scan_in_store(
    store_id: PathId,
    barcode: Annotated[str, Path(pattern=r"^\d{8,14}$", description="EAN-8/13, UPC-A or GTIN-14")],
    *,
    session: DbSession,
    ctx: Ctx,
    response: Response,
) -> ScanMatch:
    """扫码购: the product a barcode scanned in the store names, its SKU and price, and how many
    the store holds (404 ``catalog.barcode_not_found``, ``stores.not_found``)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.scan_barcode(
        session, ctx.cache, store_id=store_id, barcode=barcode, now=utcnow()
    )


@router.get("/orders/{order_no}/store", responses=problem_responses(401, 404))
async def order_store(
    order_no: OrderNo, *, member: CurrentMember, session: DbSession, ctx: Ctx, response: Response
) -> StoreOrderView | None:
    """The shopper's store order: the store, the pickup window and, once paid, the 6-digit
    pickup code with its signed QR (payload and PNG); null for an express order."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.store_order_view(
        session,
        secret=ctx.settings.resolved_secret_key,
        member_id=member.id,
        order_no=order_no,
        now=utcnow(),
    )


@router.get("/stores/{store_id}/services", responses=problem_responses(404))
async def store_services(
    store_id: PathId, *, session: DbSession, response: Response
) -> list[ServiceView]:
    """预约到店: the store's services and their slots of the next 14 days with the seats left."""
    response.headers["Cache-Control"] = NO_STORE
    return await appointments.store_services(session, store_id, now=utcnow())


@router.post(
    "/appointments", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 404, 409)
)
async def book_appointment(
    body: BookingCreate, *, member: CurrentMember, session: DbSession
) -> Booking:
    """Book a seat of a slot (409 ``stores.slot_full`` when none is left, ``stores.slot_past``,
    ``stores.already_booked``)."""
    return await appointments.book(session, member_id=member.id, slot_id=body.slot_id, now=utcnow())


@router.get("/me/appointments", responses=problem_responses(401))
async def my_appointments(
    *,
    member: CurrentMember,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Page[Booking]:
    """The shopper's appointments, newest first."""
    items, next_cursor = await appointments.list_bookings(
        session, member_id=member.id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/appointments/{booking_id}/cancel", responses=problem_responses(401, 404, 409))
async def cancel_appointment(
    booking_id: PathId, *, member: CurrentMember, session: DbSession
) -> Booking:
    """Cancel before the slot starts: the seat goes back (409 ``stores.booking_closed``)."""
    return await appointments.cancel(
        session, member_id=member.id, booking_id=booking_id, now=utcnow()
    )
