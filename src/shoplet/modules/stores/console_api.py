"""Console routes of stores: 门店管理 (the register, hours, staff, stock per store) and 核销
(verify a pickup code at a store). Every change is an audit-log entry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission
from shoplet.modules.stores import appointments, prices, service
from shoplet.modules.stores.errors import PriceFileInvalid
from shoplet.modules.stores.price_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from shoplet.modules.stores.schemas import (
    Booking,
    PickupVerified,
    PickupVerify,
    PriceImportResult,
    ServiceView,
    ServiceWrite,
    SlotView,
    SlotWrite,
    StockSet,
    StoreAdmin,
    StorePrice,
    StorePriceWrite,
    StoreStock,
    StoreWrite,
)

router = APIRouter()

Manager = Annotated[StaffIdentity, Depends(require_permission("stores:manage"))]
Verifier = Annotated[StaffIdentity, Depends(require_permission("pickups:verify"))]


@router.get("/stores")
async def list_stores(
    *,
    staff: Verifier,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[StoreAdmin]:
    """门店管理: every store, oldest first (staff who verify pick their store from it)."""
    return await service.list_stores_admin(session, cursor=cursor, limit=limit, now=utcnow())


@router.post("/stores", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
async def create_store(
    body: StoreWrite, *, staff: Manager, session: DbSession, request: Request
) -> StoreAdmin:
    """Open a store: address, position, hours per weekday, staff, pickup and same-city terms."""
    store = await service.create_store(session, body, now=utcnow())
    await record_audit(
        session,
        staff,
        "store.create",
        f"store:{store.id}",
        {"name": store.name},
        origin_of(request),
    )
    return store


@router.get("/stores/{store_id}", responses=problem_responses(404))
async def get_store(store_id: PathId, *, staff: Manager, session: DbSession) -> StoreAdmin:
    """One store as the console edits it."""
    return await service.get_store_admin(session, store_id, now=utcnow())


@router.put("/stores/{store_id}", responses=problem_responses(400, 404))
async def update_store(
    store_id: PathId, body: StoreWrite, *, staff: Manager, session: DbSession, request: Request
) -> StoreAdmin:
    """Replace a store's details (hours, staff, terms; ``is_active`` false closes it)."""
    store = await service.update_store(session, store_id, body, now=utcnow())
    await record_audit(
        session,
        staff,
        "store.update",
        f"store:{store_id}",
        {"name": store.name},
        origin_of(request),
    )
    return store


@router.get("/stores/{store_id}/stock", responses=problem_responses(404))
async def store_stock(store_id: PathId, *, staff: Manager, session: DbSession) -> list[StoreStock]:
    """The units the store holds, per SKU."""
    return await service.store_stock(session, store_id)


@router.put("/stores/{store_id}/stock/{sku_id}", responses=problem_responses(404, 409))
async def set_store_stock(
    store_id: PathId,
    sku_id: PathId,
    body: StockSet,
    *,
    staff: Manager,
    session: DbSession,
    request: Request,
) -> StoreStock:
    """Set what the store holds of a SKU: taken from (or given back to) the shop's free stock;
    409 ``inventory.insufficient`` when free stock is short."""
    result = await service.set_store_stock(
        session, store_id=store_id, sku_id=sku_id, quantity=body.quantity, actor=staff.username
    )
    await record_audit(
        session,
        staff,
        "store.stock_set",
        f"store:{store_id}",
        {"sku_id": sku_id, "quantity": body.quantity},
        origin_of(request),
    )
    return result


@router.get("/stores/{store_id}/prices", responses=problem_responses(400, 404))
async def list_store_prices(
    store_id: PathId,
    *,
    staff: Manager,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[StorePrice]:
    """门店价: the store's own prices, by SKU id, each beside the SKU's online price."""
    return await prices.list_prices(session, store_id, cursor=cursor, limit=limit, now=utcnow())


@router.put("/stores/{store_id}/prices/{sku_id}", responses=problem_responses(400, 404))
async def set_store_price(
    store_id: PathId,
    sku_id: PathId,
    body: StorePriceWrite,
    *,
    staff: Manager,
    session: DbSession,
    request: Request,
) -> StorePrice:
    """Set the store's price of a SKU (扫码购 there charges it while its window holds): 400
    ``stores.invalid_price`` / ``stores.invalid_price_window``, 404 ``stores.sku_not_found``."""
    result = await prices.set_price(
        session, store_id=store_id, sku_id=sku_id, body=body, now=utcnow()
    )
    await record_audit(
        session,
        staff,
        "store.price_set",
        f"store:{store_id}",
        {
            "sku_id": sku_id,
            "price": body.price,
            "starts_at": body.starts_at.isoformat() if body.starts_at else None,
            "ends_at": body.ends_at.isoformat() if body.ends_at else None,
        },
        origin_of(request),
    )
    return result


@router.delete(
    "/stores/{store_id}/prices/{sku_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def delete_store_price(
    store_id: PathId, sku_id: PathId, *, staff: Manager, session: DbSession, request: Request
) -> Response:
    """Remove the store's price of a SKU: it sells at the online price again."""
    await prices.delete_price(session, store_id=store_id, sku_id=sku_id)
    await record_audit(
        session,
        staff,
        "store.price_delete",
        f"store:{store_id}",
        {"sku_id": sku_id},
        origin_of(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/stores/{store_id}/prices/import",
    responses=problem_responses(400, 404, 413),
    openapi_extra=upload_body(
        "CSV (UTF-8 or GBK) or XLSX with the columns sku_id or barcode, price (yuan), and "
        f"optionally starts_at and ends_at; at most {MAX_IMPORT_ROWS} rows, 2 MB"
    ),
    max_body_size=MAX_IMPORT_BYTES + MULTIPART_OVERHEAD,
)
async def import_store_prices(
    store_id: PathId, *, staff: Manager, session: DbSession, request: Request
) -> PriceImportResult:
    """Set many of the store's prices from a file, all or nothing: any bad row is 400
    ``stores.price_import_invalid`` with each row's line and code, and nothing is written."""
    upload = await read_upload(
        request,
        MAX_IMPORT_BYTES,
        too_large=lambda: PriceFileInvalid("the file is larger than 2 MB"),
        invalid=PriceFileInvalid,
    )
    result = await prices.import_prices(
        session, store_id=store_id, filename=upload.filename, data=upload.data, now=utcnow()
    )
    await record_audit(
        session,
        staff,
        "store.price_import",
        f"store:{store_id}",
        {
            "filename": upload.filename[:100],
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
        },
        origin_of(request),
    )
    return result


@router.post("/stores/{store_id}/pickups/verify", responses=problem_responses(400, 403, 404, 409))
async def verify_pickup(
    store_id: PathId,
    body: PickupVerify,
    *,
    staff: Verifier,
    session: DbSession,
    ctx: Ctx,
    request: Request,
) -> PickupVerified:
    """核销: hand over a paid pickup order at this store by its code or QR payload. Exactly once:
    a second verify (even at the same moment) is 409 ``stores.already_picked_up``."""
    result = await service.verify_pickup(
        session,
        secret=ctx.settings.resolved_secret_key,
        staff=staff,
        store_id=store_id,
        code=body.code,
        qr=body.qr,
        now=utcnow(),
    )
    await record_audit(
        session,
        staff,
        "pickup.verify",
        f"order:{result.order_no}",
        {"store_id": store_id},
        origin_of(request),
    )
    return result


@router.post(
    "/stores/{store_id}/services",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 404),
)
async def create_store_service(
    store_id: PathId, body: ServiceWrite, *, staff: Manager, session: DbSession, request: Request
) -> ServiceView:
    """预约服务: a service the store offers by appointment."""
    created = await appointments.create_service(session, store_id, body, now=utcnow())
    await record_audit(
        session,
        staff,
        "store.service_create",
        f"store:{store_id}",
        {"service_id": created.id, "name": created.name},
        origin_of(request),
    )
    return created


@router.get("/stores/{store_id}/services", responses=problem_responses(403, 404))
async def list_store_services(
    store_id: PathId, *, staff: Verifier, session: DbSession
) -> list[ServiceView]:
    """The store's services with their slots of the next 14 days (booked / capacity)."""
    return await appointments.store_services(session, store_id, now=utcnow())


@router.post(
    "/stores/services/{service_id}/slots",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 403, 404),
)
async def add_service_slot(
    service_id: PathId, body: SlotWrite, *, staff: Manager, session: DbSession, request: Request
) -> SlotView:
    """A time slot with a capacity (ahead, within 90 days; one per service and time)."""
    slot = await appointments.add_slot(session, service_id, body, now=utcnow())
    await record_audit(
        session,
        staff,
        "store.slot_create",
        f"store_service:{service_id}",
        {"slot_id": slot.id, "capacity": slot.capacity},
        origin_of(request),
    )
    return slot


@router.get("/stores/{store_id}/appointments", responses=problem_responses(403))
async def list_store_appointments(
    store_id: PathId,
    *,
    staff: Verifier,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[Booking]:
    """预约 of a store, newest first."""
    items, next_cursor = await appointments.list_bookings(
        session, store_id=store_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/stores/{store_id}/appointments/{booking_id}/check-in",
    responses=problem_responses(403, 404, 409),
)
async def check_in_appointment(
    store_id: PathId,
    booking_id: PathId,
    *,
    staff: Verifier,
    session: DbSession,
    request: Request,
) -> Booking:
    """到店签到: once (409 ``stores.booking_closed`` for a second or a cancelled booking)."""
    booking = await appointments.check_in(
        session, staff=staff, store_id=store_id, booking_id=booking_id, now=utcnow()
    )
    await record_audit(
        session,
        staff,
        "store.appointment_check_in",
        f"store:{store_id}",
        {"booking_id": booking_id},
        origin_of(request),
    )
    return booking
