"""Appointments (预约到店): services a store offers, time slots with a capacity, shoppers'
bookings, cancellation and check-in by the store's staff.

A seat is claimed by one conditional ``UPDATE stores_slot SET booked = booked + 1 WHERE
booked < capacity AND starts_at > now`` (``repository.claim_seat``): of N shoppers booking the
last seat at once exactly one gets it, the others 409 ``stores.slot_full``. A cancel and a
check-in are each one conditional update on ``status = 'booked'``; a cancel gives the seat back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.members import public as members
from shoplet.modules.staff.public import StaffIdentity
from shoplet.modules.stores import repository as repo
from shoplet.modules.stores.errors import (
    AlreadyBooked,
    BookingClosed,
    BookingNotFound,
    InvalidStore,
    NotStoreStaff,
    ServiceNotFound,
    SlotFull,
    SlotNotFound,
    SlotPast,
    StoreNotFound,
)
from shoplet.modules.stores.models import StoreBooking, StoreService, StoreSlot
from shoplet.modules.stores.schemas import Booking, ServiceView, ServiceWrite, SlotView, SlotWrite

MANAGE = "stores:manage"
SLOT_HORIZON = timedelta(days=90)
SHOWN_DAYS = timedelta(days=14)


async def _active_store_name(session: AsyncSession, store_id: int) -> str:
    store = await repo.get_store(session, store_id)
    if store is None or not store.is_active:
        raise StoreNotFound(store_id=store_id)
    return store.name


async def create_service(
    session: AsyncSession, store_id: int, body: ServiceWrite, *, now: datetime
) -> ServiceView:
    await _active_store_name(session, store_id)
    row = StoreService(
        store_id=store_id,
        name=body.name,
        duration_min=body.duration_min,
        is_active=True,
        created_at=now,
    )
    await repo.add(session, row)
    return ServiceView(
        id=row.id, store_id=store_id, name=row.name, duration_min=row.duration_min, slots=[]
    )


def _slot(row: StoreSlot) -> SlotView:
    return SlotView(
        id=row.id,
        starts_at=row.starts_at,
        capacity=row.capacity,
        booked=row.booked,
        remaining=row.capacity - row.booked,
    )


async def add_slot(
    session: AsyncSession, service_id: int, body: SlotWrite, *, now: datetime
) -> SlotView:
    """A slot ahead (within 90 days); 400 ``stores.invalid`` otherwise or when the service
    already has a slot at that time."""
    service = await repo.get_service(session, service_id)
    if service is None or not service.is_active:
        raise ServiceNotFound(service_id=service_id)
    if not now < body.starts_at <= now + SLOT_HORIZON:
        raise InvalidStore("a slot starts ahead, within 90 days")
    row = StoreSlot(
        service_id=service_id,
        store_id=service.store_id,
        starts_at=body.starts_at,
        capacity=body.capacity,
        booked=0,
    )
    slot_id = await repo.insert_slot(
        session,
        {
            "service_id": row.service_id,
            "store_id": row.store_id,
            "starts_at": row.starts_at,
            "capacity": row.capacity,
            "booked": row.booked,
        },
    )
    if slot_id is None:
        raise InvalidStore("the service already has a slot at that time")
    row.id = slot_id
    return _slot(row)


async def store_services(
    session: AsyncSession, store_id: int, *, now: datetime
) -> list[ServiceView]:
    """The store's services with their slots of the next 14 days (full ones too: remaining 0)."""
    await _active_store_name(session, store_id)
    found = await repo.services_with_slots(session, store_id, since=now, until=now + SHOWN_DAYS)
    return [
        ServiceView(
            id=s.id,
            store_id=s.store_id,
            name=s.name,
            duration_min=s.duration_min,
            slots=[_slot(x) for x in slots],
        )
        for s, slots in found
    ]


async def _view(session: AsyncSession, booking_id: int, member_id: int) -> Booking:
    rows = await repo.bookings(session, before_id=booking_id + 1, limit=1, member_id=member_id)
    b, slot, service, store = rows[0]
    return _booking(b, slot, service, store.name)


def _booking(b: StoreBooking, slot: StoreSlot, service: StoreService, store_name: str) -> Booking:
    return Booking(
        id=b.id,
        slot_id=b.slot_id,
        store_id=b.store_id,
        store_name=store_name,
        service_name=service.name,
        member_id=b.member_id,
        starts_at=slot.starts_at,
        status=b.status,  # type: ignore[arg-type]
        created_at=b.created_at,
        checked_in_at=b.checked_in_at,
    )


async def book(session: AsyncSession, *, member_id: int, slot_id: int, now: datetime) -> Booking:
    """Book a seat: 404 ``stores.slot_not_found``, 409 ``stores.slot_past``,
    ``stores.already_booked`` (one live booking per shopper and slot), ``stores.slot_full``."""
    await members.hold_member(session, member_id)
    slot = await repo.get_slot(session, slot_id)
    if slot is None:
        raise SlotNotFound(slot_id=slot_id)
    await _active_store_name(session, slot.store_id)
    if slot.starts_at <= now:
        raise SlotPast(slot_id=slot_id)
    if await repo.has_live_booking(session, slot_id, member_id):
        raise AlreadyBooked(slot_id=slot_id)
    if not await repo.claim_seat(session, slot_id, now=now):
        raise SlotFull(slot_id=slot_id)
    booking_id = await repo.insert_booking(
        session,
        {
            "slot_id": slot_id,
            "store_id": slot.store_id,
            "member_id": member_id,
            "status": "booked",
            "created_at": now,
        },
    )
    if booking_id is None:
        # The same shopper booked this slot twice at once: the partial unique index kept one.
        raise AlreadyBooked(slot_id=slot_id)
    return await _view(session, booking_id, member_id)


async def cancel(
    session: AsyncSession, *, member_id: int, booking_id: int, now: datetime
) -> Booking:
    """The shopper cancels before the slot starts; the seat goes back. 404
    ``stores.booking_not_found`` (unknown or another shopper's), 409 ``stores.booking_closed``."""
    booking = await repo.get_booking(session, booking_id)
    if booking is None or booking.member_id != member_id:
        raise BookingNotFound(booking_id=booking_id)
    slot = await repo.get_slot(session, booking.slot_id)
    if slot is None or slot.starts_at <= now:
        raise BookingClosed(booking_id=booking_id, booking_status=booking.status)
    closed = await repo.close_booking(
        session,
        booking_id,
        to_status="cancelled",
        values={"cancelled_at": now},
        member_id=member_id,
    )
    if closed is None:
        raise BookingClosed(booking_id=booking_id, booking_status=booking.status)
    await repo.release_seat(session, booking.slot_id)
    return await _view(session, closed.id, closed.member_id)


async def check_in(
    session: AsyncSession, *, staff: StaffIdentity, store_id: int, booking_id: int, now: datetime
) -> Booking:
    """Staff of the store (or a store manager) check the shopper in, once: 403
    ``stores.not_store_staff``, 404 ``stores.booking_not_found`` (another store's too), 409
    ``stores.booking_closed`` (cancelled, or checked in already — also the loser of two)."""
    store = await repo.get_store(session, store_id)
    if store is None:
        raise StoreNotFound(store_id=store_id)
    if MANAGE not in staff.permissions and staff.id not in store.staff_ids:
        raise NotStoreStaff(store_id=store_id)
    booking = await repo.get_booking(session, booking_id)
    if booking is None or booking.store_id != store_id:
        raise BookingNotFound(booking_id=booking_id)
    closed = await repo.close_booking(
        session,
        booking_id,
        to_status="checked_in",
        values={"checked_in_at": now, "checked_in_by": staff.id},
        store_id=store_id,
    )
    if closed is None:
        raise BookingClosed(booking_id=booking_id, booking_status=booking.status)
    return await _view(session, closed.id, closed.member_id)


async def list_bookings(
    session: AsyncSession,
    *,
    member_id: int | None = None,
    store_id: int | None = None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Booking], str | None]:
    rows = await repo.bookings(
        session,
        member_id=member_id,
        store_id=store_id,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    items = [_booking(b, sl, sv, st.name) for b, sl, sv, st in page]
    return items, encode_id_cursor(page[-1][0].id) if len(rows) > limit else None
