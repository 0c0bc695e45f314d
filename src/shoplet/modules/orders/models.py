"""Orders tables: the order with its price and address snapshots, its lines, the append-only
timeline, and after-sales (refund / return requests).

Status columns change only through conditional UPDATEs (``… WHERE status = :expected``) in the
repository, so two racing transitions cannot both win; every change appends an ``orders_event``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow
from shoplet.modules.orders.states import AFTERSALE_STATUSES, ORDER_STATUSES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Order(Base):
    """One order. Amounts are the snapshot taken when it was placed (fen) and never recomputed;
    ``refunded_total`` counts refunds that succeeded; ``aftersale_claimed_total`` the amounts of
    open after-sale requests (claimed by one conditional UPDATE, released when they close).
    ``address_encrypted`` is the JSON of the address snapshot under ``ctx.pii`` (SM4-GCM);
    ``phone_index`` its phone's blind index."""

    __tablename__ = "orders_order"
    __table_args__ = (
        UniqueConstraint("member_id", "idempotency_key"),
        CheckConstraint(_in("status", ORDER_STATUSES), name="status_known"),
        CheckConstraint(
            "items_total >= 0 AND shipping_fee >= 0 AND discount_total >= 0", name="amounts_sane"
        ),
        CheckConstraint(
            "payable_total = items_total - discount_total + shipping_fee", name="payable_adds_up"
        ),
        CheckConstraint(
            "refunded_total >= 0 AND refunded_total <= payable_total", name="refunds_within_paid"
        ),
        Index("ix_orders_order_member_id_id", "member_id", "id"),
        Index("ix_orders_order_status_expires_at", "status", "expires_at"),
        Index("ix_orders_order_status_shipped_at", "status", "shipped_at"),
        Index("ix_orders_order_status_signed_at", "status", "signed_at"),
        Index("ix_orders_order_status_received_at", "status", "received_at"),
        Index("ix_orders_order_paid_at", "paid_at"),
        Index("ix_orders_order_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    items_total: Mapped[int] = mapped_column(BigInteger)
    shipping_fee: Mapped[int] = mapped_column(BigInteger)
    discount_total: Mapped[int] = mapped_column(BigInteger)
    payable_total: Mapped[int] = mapped_column(BigInteger)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    aftersale_claimed_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    address_encrypted: Mapped[str] = mapped_column(Text)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    remark: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    # Flash sales: the reservation the units came from, and go back to on cancellation.
    stock_source_ref: Mapped[str | None] = mapped_column(String(64))
    # A virtual order (a paid membership plan): no address, no stock, no shipping; it stays
    # ``paid`` (never shipped) and a full refund puts nothing back on the shelf.
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    payment_no: Mapped[str | None] = mapped_column(String(32))
    # What keeps a paid order from shipping (a group buy's ``group:<id>`` until the group is
    # full): ``ship_order`` refuses while it is set; the owner releases or voids the order.
    ship_hold: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    # When the carrier reported the parcel signed for (fulfillment's ``shipment.signed``):
    # automatic receipt counts from here when known.
    signed_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_no: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime]


class OrderLine(Base):
    """What was bought, copied from the catalog at purchase time (price, title, spec, image).

    ``payable = line_total - discount``; the lines' payables add up to the order's items total
    minus its discounts."""

    __tablename__ = "orders_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("line_total = unit_price * quantity", name="line_total_adds_up"),
        CheckConstraint(
            "discount >= 0 AND discount <= line_total AND payable = line_total - discount",
            name="payable_adds_up",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders_order.id"), index=True)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(String(200))
    spec_text: Mapped[str] = mapped_column(String(200))
    image: Mapped[str | None] = mapped_column(String(500))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger)
    payable: Mapped[int] = mapped_column(BigInteger)
    # The play that set ``unit_price`` instead of the catalogue (``live:<session id>`` for a
    # 直播价, via checkout's price sources); None: the catalogue price.
    price_source: Mapped[str | None] = mapped_column(String(40), default=None)


class OrderEvent(Base):
    """Append-only timeline. ``aftersale_id`` set: an after-sale's step (its statuses);
    ``from_status == to_status``: a note (e.g. an automatic refund). ``actor`` is
    ``member:<id>``, ``staff:<username>`` or ``system``."""

    __tablename__ = "orders_event"
    __table_args__ = (Index("ix_orders_event_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders_order.id"))
    aftersale_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders_aftersale.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class AfterSale(Base):
    """A shopper's request for money back (``refund_only``) or to return goods for money back
    (``return_refund``). ``items`` (return_refund) lists ``{"sku_id", "quantity"}`` going back
    to stock when the return is received."""

    __tablename__ = "orders_aftersale"
    __table_args__ = (
        CheckConstraint(_in("status", AFTERSALE_STATUSES), name="status_known"),
        CheckConstraint("kind IN ('refund_only', 'return_refund')", name="kind_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_orders_aftersale_order_id", "order_id"),
        Index("ix_orders_aftersale_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    aftersale_no: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders_order.id"))
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    return_carrier: Mapped[str | None] = mapped_column(String(50))
    return_tracking_no: Mapped[str | None] = mapped_column(String(50))
    refund_no: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


ExportJSON = JSON().with_variant(JSONB(), "postgresql")


class ExportJob(Base):
    """A CSV export of orders the console asked for, written in the background (orders/exports.py).

    The export resumes where it stopped: ``cursor_id`` is the last row id written and ``parts``
    the number of part files stored (``<file_key>/part-00001.csv`` …), both advanced together in
    one transaction after each part is stored, so a crashed run neither loses nor repeats rows.
    """

    __tablename__ = "orders_export_job"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"
        ),
        CheckConstraint("progress >= 0 AND total >= 0 AND parts >= 0", name="counts"),
        Index("ix_orders_export_job_status_id", "status", "id"),
        Index("ix_orders_export_job_staff_id_id", "staff_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # Filters as given (JSON values: ISO datetimes), so the job can be re-run as asked.
    filters: Mapped[dict[str, Any]] = mapped_column(ExportJSON, default=dict)
    # Decided when the job is created (owners see full phone numbers, everyone else masked).
    mask_phones: Mapped[bool] = mapped_column(Boolean, default=True)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    parts: Mapped[int] = mapped_column(default=0)
    cursor_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    file_key: Mapped[str | None] = mapped_column(String(255), default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    # Heartbeat of the run writing it: a running job not touched for a while is resumed.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
