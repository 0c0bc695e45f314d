"""Stores: the store register, each store's stock (an inventory hold ``store:<id>``), nearest
stores with stock, and the store side of an order (pickup code, same-city distance).

Stock: a store's units are reserved out of the shop's one stock under ref ``store:<id>``. An
order picked up or delivered from the store moves its units out of that hold
(``orders.create_order(stock_source_ref=...)``, the flash-sale path), and an unpaid order's
cancellation moves them back; online orders can never sell them. Setting a store's quantity
reserves the difference under a one-off ref and moves it into the hold (or moves units out and
releases them), so every change is conditional SQL with its ledger rows.

Scan-to-buy (扫码购): a shopper inside an open store scans a barcode, sees the product with what
that store holds and buys it with delivery ``scan``: the units come out of the store's hold as
for a pickup, no code is drawn, and the order is handed over as soon as it is paid (the
``order.paid`` subscriber) through the verified pickup's own hand-over.

Pickup: placing the order records a 6-digit code, unique among awaited pickups (a partial
unique index; a collision draws again). The shopper sees the code and its signed QR payload
once the order is paid; staff of that store verify it with one conditional UPDATE, so of any
number of concurrent verifies exactly one succeeds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import Cache
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.params import SHOP_TZ
from shoplet.core.schemas import Page
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.staff.public import StaffIdentity
from shoplet.modules.stores import geo, prices
from shoplet.modules.stores import repository as repo
from shoplet.modules.stores.errors import (
    InvalidPickupWindow,
    NotStoreStaff,
    OutOfDeliveryRange,
    PickupAlreadyDone,
    PickupCodeInvalid,
    PickupDisabled,
    PickupQrInvalid,
    PickupUnpaid,
    PickupWrongStore,
    StoreClosedNow,
    StoreNotFound,
)
from shoplet.modules.stores.events import PICKUP_VERIFIED
from shoplet.modules.stores.models import Store, StoreOrder
from shoplet.modules.stores.schemas import (
    Hours,
    NearbyStore,
    PickupVerified,
    ScanMatch,
    StoreAdmin,
    StoreCard,
    StoreOrderView,
    StoreStock,
    StoreView,
    StoreWrite,
)

# A store's hold never expires by itself: only its own changes and orders move it.
HOLD_EXPIRES_AT = datetime(2100, 1, 1, tzinfo=UTC)
NEARBY_RADIUS_M = 50_000
NEARBY_LIMIT = 20
BOX_CANDIDATES = 200
PICKUP_MAX_AHEAD = timedelta(days=7)
CODE_ATTEMPTS = 20
QR_PREFIX = "SPU1"
PAID_STATUSES = frozenset({"paid", "shipped", "received", "completed"})
MANAGE = "stores:manage"
# Who hands a paid 扫码购 order over (the order's timeline actor): the shopper took it.
SCAN_ACTOR = "system:scan"


def store_ref(store_id: int) -> str:
    return f"store:{store_id}"


# -- the register ----------------------------------------------------------------------------


def _values(body: StoreWrite, now: datetime) -> dict[str, Any]:
    return {
        "name": body.name,
        "address": body.address,
        "phone": body.phone,
        "lat_e6": round(body.lat * geo.E6),
        "lng_e6": round(body.lng * geo.E6),
        "hours": [h.model_dump() for h in body.hours],
        "staff_ids": sorted(set(body.staff_ids)),
        "pickup_enabled": body.pickup_enabled,
        "delivery_radius_m": body.delivery_radius_m,
        "fee_per_km": body.fee_per_km,
        "is_active": body.is_active,
        "updated_at": now,
    }


def _view_fields(store: Store, now: datetime) -> dict[str, Any]:
    return {
        "id": store.id,
        "name": store.name,
        "address": store.address,
        "phone": store.phone,
        "lat": store.lat_e6 / geo.E6,
        "lng": store.lng_e6 / geo.E6,
        "hours": [Hours(**h) for h in store.hours],
        "pickup_enabled": store.pickup_enabled,
        "delivery_radius_m": store.delivery_radius_m,
        "fee_per_km": store.fee_per_km,
        "is_active": store.is_active,
        "open_now": store.is_active and geo.is_open(store.hours, now),
    }


def _admin(store: Store, now: datetime) -> StoreAdmin:
    return StoreAdmin(
        **_view_fields(store, now),
        staff_ids=list(store.staff_ids),
        created_at=store.created_at,
        updated_at=store.updated_at,
    )


async def _store(session: AsyncSession, store_id: int, *, active: bool = False) -> Store:
    store = await repo.get_store(session, store_id)
    if store is None or (active and not store.is_active):
        raise StoreNotFound(store_id=store_id)
    return store


async def store_names(session: AsyncSession, store_ids: Sequence[int]) -> dict[int, str]:
    """The name of each store (active or not) among ``store_ids``; unknown ids are left out."""
    return await repo.store_names(session, store_ids)


async def active_store_names(session: AsyncSession) -> dict[int, str]:
    """Every open-for-business store's name, by id (offline codes: one code per store)."""
    return await repo.active_store_names(session)


async def create_store(session: AsyncSession, body: StoreWrite, *, now: datetime) -> StoreAdmin:
    store = await repo.insert_store(session, {**_values(body, now), "created_at": now})
    return _admin(store, now)


async def update_store(
    session: AsyncSession, store_id: int, body: StoreWrite, *, now: datetime
) -> StoreAdmin:
    if not await repo.update_store(session, store_id, _values(body, now)):
        raise StoreNotFound(store_id=store_id)
    return _admin(await _store(session, store_id), now)


async def get_store_admin(session: AsyncSession, store_id: int, *, now: datetime) -> StoreAdmin:
    return _admin(await _store(session, store_id), now)


async def list_stores_admin(
    session: AsyncSession, *, cursor: str | None, limit: int, now: datetime
) -> Page[StoreAdmin]:
    rows = await repo.list_stores(session, after_id=decode_id_cursor(cursor), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[StoreAdmin](
        items=[_admin(s, now) for s in rows],
        next_cursor=encode_id_cursor(rows[-1].id) if more and rows else None,
    )


async def get_store_view(session: AsyncSession, store_id: int, *, now: datetime) -> StoreView:
    return StoreView(**_view_fields(await _store(session, store_id, active=True), now))


async def store_card(session: AsyncSession, store_id: int, *, now: datetime) -> StoreCard:
    """A store as its board shows it: address, open now, and what waits there (pickups still
    awaited; today's bookings and check-ins, by the shop's day). ``StoreNotFound`` if none."""
    store = await _store(session, store_id)
    day = now.astimezone(SHOP_TZ).date()
    since = datetime.combine(day, time.min, SHOP_TZ).astimezone(UTC)
    pickups, booked, checked_in = await repo.store_workload(
        session, store_id, since=since, until=since + timedelta(days=1)
    )
    return StoreCard(
        id=store.id,
        name=store.name,
        address=store.address,
        phone=store.phone,
        is_active=store.is_active,
        open_now=store.is_active and geo.is_open(store.hours, now),
        pickups_awaiting=pickups,
        bookings_today=booked,
        checked_in_today=checked_in,
    )


# -- stock -----------------------------------------------------------------------------------


async def store_stock(session: AsyncSession, store_id: int) -> list[StoreStock]:
    await _store(session, store_id)
    held = (await inventory.held_by_refs(session, [store_ref(store_id)])).get(
        store_ref(store_id), {}
    )
    return [StoreStock(sku_id=sku, quantity=n) for sku, n in sorted(held.items())]


async def set_store_stock(
    session: AsyncSession, *, store_id: int, sku_id: int, quantity: int, actor: str
) -> StoreStock:
    """Make the store hold ``quantity`` units of ``sku_id``: the difference is reserved out of
    free stock (409 ``inventory.insufficient`` when there is not that much) or handed back."""
    await _store(session, store_id)
    ref = store_ref(store_id)
    current = await inventory.held_quantity(session, ref=ref, sku_id=sku_id)
    delta = quantity - current
    step = f"{ref}:{secrets.token_hex(8)}"
    if delta > 0:
        await inventory.reserve(
            session, ref=step, lines=[(sku_id, delta)], expires_at=HOLD_EXPIRES_AT
        )
        await inventory.transfer_reservation(
            session, from_ref=step, to_ref=ref, sku_id=sku_id, quantity=delta
        )
    elif delta < 0:
        await inventory.transfer_reservation(
            session, from_ref=ref, to_ref=step, sku_id=sku_id, quantity=-delta
        )
        await inventory.release(session, ref=step, reason=f"store stock set by {actor}")
    return StoreStock(sku_id=sku_id, quantity=quantity)


# -- nearest stores --------------------------------------------------------------------------


async def nearby(
    session: AsyncSession,
    *,
    lat: float,
    lng: float,
    items: Sequence[tuple[int, int]],
    radius_m: int = NEARBY_RADIUS_M,
    now: datetime,
) -> list[NearbyStore]:
    """Active stores within ``radius_m`` of the shopper, nearest first, each with what it holds
    of ``items`` (sku_id, quantity) and whether that covers them all. The bounding box narrows
    the SQL (indexed); the exact haversine distance filters and sorts."""
    candidates = await repo.stores_in_box(
        session, geo.bounding_box(lat, lng, radius_m), limit=BOX_CANDIDATES
    )
    placed = []
    for store in candidates:
        distance = geo.haversine_m(lat, lng, store.lat_e6 / geo.E6, store.lng_e6 / geo.E6)
        if distance <= radius_m:
            placed.append((distance, store.id, store))
    placed.sort(key=lambda t: (t[0], t[1]))
    placed = placed[:NEARBY_LIMIT]
    held = await inventory.held_by_refs(session, [store_ref(s.id) for _, _, s in placed])
    result = []
    for distance, _, store in placed:
        units = held.get(store_ref(store.id), {})
        stock = [StoreStock(sku_id=sku, quantity=units.get(sku, 0)) for sku, _ in items]
        in_range = store.delivery_radius_m > 0 and distance <= store.delivery_radius_m
        result.append(
            NearbyStore(
                **_view_fields(store, now),
                distance_m=distance,
                stock=stock,
                has_stock=all(units.get(sku, 0) >= n for sku, n in items),
                same_city_fee=geo.same_city_fee(distance, store.fee_per_km) if in_range else None,
            )
        )
    return result


# -- the store side of an order (checkout) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    """What checkout needs from the store: the fee, where the stock comes from, and what to
    record once the order exists."""

    store_id: int
    method: str
    fee: int
    stock_ref: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    distance_m: int | None = None
    # The order is charged the store's own prices (门店价, ``current_prices``): 扫码购 only.
    store_priced: bool = False


async def plan_pickup(
    session: AsyncSession, *, store_id: int, window_start: datetime, now: datetime
) -> DeliveryPlan:
    """A pickup at ``store_id`` in the hour from ``window_start``: 404 for an unknown or closed
    store, 409 ``stores.pickup_disabled``, 400 ``stores.invalid_pickup_window`` unless the hour
    is ahead, within a week and inside the store's hours that day."""
    store = await _store(session, store_id, active=True)
    if not store.pickup_enabled:
        raise PickupDisabled(store_id=store_id)
    if window_start.tzinfo is None:
        raise InvalidPickupWindow("the pickup time needs a time zone")
    window_end = window_start + geo.PICKUP_WINDOW
    if not (now <= window_start <= now + PICKUP_MAX_AHEAD) or not geo.within_hours(
        store.hours, window_start, window_end
    ):
        raise InvalidPickupWindow(store_id=store_id)
    return DeliveryPlan(
        store_id=store_id,
        method="pickup",
        fee=0,
        stock_ref=store_ref(store_id),
        window_start=window_start,
        window_end=window_end,
    )


async def plan_same_city(
    session: AsyncSession, *, store_id: int, lat: float, lng: float
) -> DeliveryPlan:
    """Same-city delivery from ``store_id`` to the shopper's point: the fee by distance, 400
    ``stores.out_of_range`` beyond the store's radius (or when it does not deliver)."""
    store = await _store(session, store_id, active=True)
    distance = geo.haversine_m(lat, lng, store.lat_e6 / geo.E6, store.lng_e6 / geo.E6)
    if store.delivery_radius_m == 0 or distance > store.delivery_radius_m:
        raise OutOfDeliveryRange(
            store_id=store_id, distance_m=distance, radius_m=store.delivery_radius_m
        )
    return DeliveryPlan(
        store_id=store_id,
        method="same_city",
        fee=geo.same_city_fee(distance, store.fee_per_km),
        stock_ref=store_ref(store_id),
        distance_m=distance,
    )


async def plan_scan(session: AsyncSession, *, store_id: int, now: datetime) -> DeliveryPlan:
    """扫码购 at ``store_id``: taken off its shelf now (no fee, the store's stock, no code). 404
    for an unknown or inactive store, 409 ``stores.pickup_disabled``, 409
    ``stores.closed_now`` outside its opening hours."""
    store = await _store(session, store_id, active=True)
    if not store.pickup_enabled:
        raise PickupDisabled(store_id=store_id)
    if not geo.is_open(store.hours, now):
        raise StoreClosedNow(store_id=store_id)
    return DeliveryPlan(
        store_id=store_id, method="scan", fee=0, stock_ref=store_ref(store_id), store_priced=True
    )


async def scan_barcode(
    session: AsyncSession, cache: Cache, *, store_id: int, barcode: str, now: datetime
) -> ScanMatch:
    """The product a barcode scanned in ``store_id`` names (catalog's cached barcode look-up),
    what the store holds of its SKU and its price there: the store's own (门店价) while its
    window holds, else the online one. 404 ``stores.not_found``, 404
    ``catalog.barcode_not_found``."""
    store = await _store(session, store_id, active=True)
    match = await catalog.cached_product_by_barcode(cache, session, barcode)
    sku_id = int(match["sku_id"])
    sku = next((s for s in match["skus"] if int(s["id"]) == sku_id), None)
    if sku is None:  # the cached body predates the SKU's withdrawal
        raise catalog.BarcodeNotFound(f"no product on sale has barcode {barcode}")
    images: list[str] = match.get("images") or []
    held = await inventory.held_quantity(session, ref=store_ref(store_id), sku_id=sku_id)
    online = int(sku["price"])
    store_price = (
        await prices.current_prices(session, store_id=store_id, sku_ids=[sku_id], now=now)
    ).get(sku_id)
    return ScanMatch(
        store=StoreView(**_view_fields(store, now)),
        product_id=int(match["id"]),
        sku_id=sku_id,
        title=str(match["title"]),
        spec_text=" ".join(str(spec["value"]) for spec in sku["specs"]),
        price=online if store_price is None else store_price,
        image=sku.get("image") or (images[0] if images else None),
        store_quantity=held,
        online_price=online,
        is_store_price=store_price is not None,
    )


async def record_store_order(
    session: AsyncSession, *, order_no: str, member_id: int, plan: DeliveryPlan, now: datetime
) -> None:
    """The store's record of a new order (in the order's transaction); a pickup draws its code
    here, again on a collision with an awaited one."""
    await members.hold_member(session, member_id)
    values: dict[str, Any] = {
        "order_no": order_no,
        "store_id": plan.store_id,
        "member_id": member_id,
        "method": plan.method,
        "status": "awaiting",
        "window_start": plan.window_start,
        "window_end": plan.window_end,
        "distance_m": plan.distance_m,
        "created_at": now,
    }
    for _ in range(CODE_ATTEMPTS):
        code = f"{secrets.randbelow(1_000_000):06d}" if plan.method == "pickup" else None
        if await repo.insert_store_order(session, {**values, "code": code}):
            return
    raise RuntimeError("no free pickup code after retries")  # 10**6 codes: never in practice


def _signature(secret: str, order_no: str, code: str) -> str:
    mac = hmac.new(secret.encode(), f"{QR_PREFIX}:{order_no}:{code}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def qr_payload(secret: str, order_no: str, code: str) -> str:
    """What the pickup QR code encodes: the order, the code and an HMAC-SHA256 over both."""
    return f"{QR_PREFIX}:{order_no}:{code}:{_signature(secret, order_no, code)}"


def qr_png_base64(payload: str) -> str:
    """The pickup QR code as a PNG (base64), drawn on the server so both apps show one image."""
    # Imported here: qrcode brings Pillow, which only this page needs.
    import qrcode

    image = qrcode.make(payload, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def read_qr(secret: str, payload: str) -> tuple[str, str]:
    """(order_no, code) of a payload the shop signed; 400 ``stores.qr_invalid`` otherwise."""
    parts = payload.split(":")
    if len(parts) != 4 or parts[0] != QR_PREFIX:
        raise PickupQrInvalid()
    _, order_no, code, signature = parts
    if not hmac.compare_digest(signature, _signature(secret, order_no, code)):
        raise PickupQrInvalid()
    return order_no, code


async def store_order_view(
    session: AsyncSession, *, secret: str, member_id: int, order_no: str, now: datetime
) -> StoreOrderView | None:
    """The shopper's own store order: the code and QR only once it is paid and not yet picked
    up; None for an order delivered by express (404 for another shopper's order)."""
    order = await orders.member_order_lines(session, member_id=member_id, order_no=order_no)
    row = await repo.store_order(session, order_no)
    if row is None or row.member_id != member_id:
        return None
    store = await _store(session, row.store_id)
    paid = order.status in PAID_STATUSES
    show = paid and row.code is not None and row.status == "awaiting"
    payload = qr_payload(secret, order_no, row.code) if show and row.code else None
    return StoreOrderView(
        order_no=order_no,
        store=StoreView(**_view_fields(store, now)),
        method=row.method,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        order_paid=paid,
        code=row.code if show else None,
        qr=payload,
        qr_png_base64=qr_png_base64(payload) if payload else None,
        window_start=row.window_start,
        window_end=row.window_end,
        distance_m=row.distance_m,
        picked_up_at=row.picked_up_at,
    )


# -- verify (核销) ---------------------------------------------------------------------------


async def verify_pickup(
    session: AsyncSession,
    *,
    secret: str,
    staff: StaffIdentity,
    store_id: int,
    code: str | None,
    qr: str | None,
    now: datetime,
) -> PickupVerified:
    """Hand over a pickup: staff of ``store_id`` (or a store manager) check the shopper's code
    or QR. Refused, with nothing written: 403 ``stores.not_store_staff``, 400
    ``stores.qr_invalid``, 404 ``stores.code_invalid``, 409 ``stores.wrong_store`` (the code
    is another store's), 409 ``stores.order_unpaid``, 409 ``stores.already_picked_up`` (also
    the loser of two verifies at once)."""
    store = await _store(session, store_id)
    if MANAGE not in staff.permissions and staff.id not in store.staff_ids:
        raise NotStoreStaff(store_id=store_id)
    order_no: str | None = None
    if qr is not None:
        order_no, code = read_qr(secret, qr)
    if code is None:
        raise PickupCodeInvalid()
    row: StoreOrder | None = await repo.awaiting_by_code(session, code)
    if order_no is not None and (row is None or row.order_no != order_no):
        done = await repo.store_order(session, order_no)
        if done is not None and done.status == "picked_up":
            raise PickupAlreadyDone(order_no=order_no)
        raise PickupCodeInvalid()
    if row is None:
        raise PickupCodeInvalid()
    if row.store_id != store_id:
        raise PickupWrongStore(order_no=row.order_no, store_id=row.store_id)
    order = await orders.member_order_lines(session, member_id=row.member_id, order_no=row.order_no)
    if order.status in ("received", "completed"):
        # A verify racing the winner read the code before its commit and the order after it.
        raise PickupAlreadyDone(order_no=row.order_no)
    if order.status != "paid":
        raise PickupUnpaid(order_no=row.order_no, order_status=order.status)
    if not await _hand_over(session, row, staff_id=staff.id, actor=staff.username, now=now):
        raise PickupAlreadyDone(order_no=row.order_no)
    return PickupVerified(
        order_no=row.order_no,
        store_id=store_id,
        member_id=row.member_id,
        picked_up_at=now,
        lines=[
            " ".join(filter(None, (ln.title, ln.spec_text, f"×{ln.quantity}")))
            for ln in order.lines
        ],
    )


async def _hand_over(
    session: AsyncSession, row: StoreOrder, *, staff_id: int | None, actor: str, now: datetime
) -> bool:
    """The hand-over of a paid store order (a verified pickup, a paid 扫码购): the row
    ``awaiting`` -> ``picked_up`` by one conditional update (False: another got there first),
    the order received (its after-sale window starts; it completes later as any received order
    does) and ``store.pickup_verified`` published, in the caller's transaction."""
    if not await repo.mark_picked_up(session, row_id=row.id, staff_id=staff_id, now=now):
        return False
    await orders.confirm_handed_over(session, order_no=row.order_no, staff_username=actor, now=now)
    await publish(
        session,
        PICKUP_VERIFIED,
        {
            "order_no": row.order_no,
            "store_id": row.store_id,
            "member_id": row.member_id,
            "staff_id": staff_id,
            "picked_up_at": now,
        },
        key=row.order_no,
    )
    return True


async def hand_over_scanned(session: AsyncSession, order_no: str, *, now: datetime) -> bool:
    """A paid 扫码购 order leaves the store with the shopper: handed over at once, no code.
    Idempotent (a redelivered ``order.paid`` finds the row picked up); other orders, and a
    scanned order no longer paid (refunded in between), change nothing."""
    row = await repo.store_order(session, order_no)
    if row is None or row.method != "scan" or row.status != "awaiting":
        return False
    order = await orders.member_order_lines(session, member_id=row.member_id, order_no=order_no)
    if order.status != "paid":
        return False
    return await _hand_over(session, row, staff_id=None, actor=SCAN_ACTOR, now=now)


async def cancel_store_order(session: AsyncSession, order_no: str) -> None:
    """An awaited store order whose order is gone: its code is freed. Idempotent (a conditional
    update on ``awaiting``); orders that are not store orders change nothing."""
    await repo.cancel_awaiting(session, order_no)
