"""Stores tables: the store itself and the pickup / same-city record of an order.

A store's stock is not a table here: it is a reservation in inventory under ref
``store:<id>`` (one row per SKU), so the shop's total stock stays one number and a unit held
for a store can never be sold online as well (docs/omnichannel.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId


class Store(Base):
    """Coordinates are micro-degrees (GCJ-02 as the mini program's map gives them), integers so
    the bounding-box index compares exactly. ``hours`` is seven entries, Monday first:
    ``{"closed": bool, "open": "HH:MM", "close": "HH:MM"}`` in Asia/Shanghai time."""

    __tablename__ = "stores_store"
    __table_args__ = (
        CheckConstraint("lat_e6 BETWEEN -90000000 AND 90000000", name="lat_in_range"),
        CheckConstraint("lng_e6 BETWEEN -180000000 AND 180000000", name="lng_in_range"),
        CheckConstraint("delivery_radius_m >= 0", name="radius_non_negative"),
        CheckConstraint("fee_per_km >= 0", name="fee_non_negative"),
        Index("ix_stores_store_lat_e6_lng_e6", "lat_e6", "lng_e6"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    lat_e6: Mapped[int] = mapped_column(Integer)
    lng_e6: Mapped[int] = mapped_column(Integer)
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    staff_ids: Mapped[list[int]] = mapped_column(JSON)
    pickup_enabled: Mapped[bool] = mapped_column(Boolean)
    delivery_radius_m: Mapped[int] = mapped_column(Integer)
    fee_per_km: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StoreOrder(Base):
    """How an order reaches its shopper through a store: ``pickup`` (a 6-digit code the store
    checks, unique among pickups still awaited) or ``same_city`` (delivered from the store)."""

    __tablename__ = "stores_order"
    __table_args__ = (
        CheckConstraint("method IN ('pickup', 'same_city', 'scan')", name="method_known"),
        CheckConstraint("status IN ('awaiting', 'picked_up', 'cancelled')", name="status_known"),
        Index("ix_stores_order_store_id_id", "store_id", "id"),
        # A code is only ever one awaited pickup: the verify looks it up shop-wide, so a code
        # shown at the wrong store is told apart from a wrong code.
        Index(
            "uq_stores_order_awaiting_code",
            "code",
            unique=True,
            sqlite_where=text("status = 'awaiting'"),
            postgresql_where=text("status = 'awaiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    store_id: Mapped[int] = mapped_column(BigId)
    member_id: Mapped[int] = mapped_column(BigId)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(6))
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    distance_m: Mapped[int | None] = mapped_column(Integer)
    picked_up_at: Mapped[datetime | None]
    picked_up_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime]


class StoreService(Base):
    """A service a store offers by appointment (预约到店: a fitting, a repair, a class)."""

    __tablename__ = "stores_service"
    __table_args__ = (
        CheckConstraint("duration_min BETWEEN 5 AND 480", name="duration_in_range"),
        Index("ix_stores_service_store_id", "store_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(40))
    duration_min: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class StoreSlot(Base):
    """A time slot of a service with a capacity. ``booked`` is claimed only by the conditional
    ``UPDATE … SET booked = booked + 1 WHERE booked < capacity``: never over-booked."""

    __tablename__ = "stores_slot"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity_in_range"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        UniqueConstraint("service_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_id: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class StoreBooking(Base):
    """A shopper's appointment: ``booked`` → ``checked_in`` (staff at the store) or
    ``cancelled`` (the shopper, before the slot starts). One live booking per shopper and slot."""

    __tablename__ = "stores_booking"
    __table_args__ = (
        CheckConstraint(
            "status IN ('booked', 'checked_in', 'cancelled')", name="booking_status_known"
        ),
        Index(
            "uq_stores_booking_live",
            "slot_id",
            "member_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
        Index("ix_stores_booking_member_id_id", "member_id", "id"),
        Index("ix_stores_booking_store_id_id", "store_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slot_id: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[int | None] = mapped_column(BigInteger)


class StorePrice(Base):
    """门店价: what a store charges for a SKU instead of the online price, in 扫码购 (the shopper
    is at its shelf). One row per store and SKU; ``starts_at`` / ``ends_at`` (either may be
    open) bound when it applies, outside them the online price does. Checkout reads the prices
    of a whole cart in one query on the unique (store_id, sku_id) index."""

    __tablename__ = "stores_price"
    __table_args__ = (
        CheckConstraint("price >= 1", name="price_positive"),
        CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at", name="window_ordered"
        ),
        UniqueConstraint("store_id", "sku_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[int] = mapped_column(BigId)
    sku_id: Mapped[int] = mapped_column(BigId)
    price: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
