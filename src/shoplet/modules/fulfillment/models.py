"""Fulfillment tables: one shipment per shipped order, its tracking timeline (append-only, one
row per line of the carrier's track), the e-waybills printed for orders, and the carriers the
shop ships with (物流公司, edited in the console).

A shipment's ``stage``/``state``/``state_at`` are those of its newest timeline line by the
carrier's own time, so a push that arrives late never rolls the state back; ``signed_at`` is set
once (conditional update), which is what publishes ``shipment.signed`` exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

STAGES = ("collected", "in_transit", "delivering", "signed", "exception")
SUBSCRIBE_STATUSES = ("pending", "subscribed", "failed", "unsupported")
WECHAT_STATUSES = ("none", "pending", "uploaded", "failed")
TRACKING_ADAPTERS = ("kuaidi100", "none")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Shipment(Base):
    """An order's parcel: carrier, number, where the track stands, and the two outside calls
    (tracking subscription, WeChat upload) with their retry state."""

    __tablename__ = "fulfillment_shipment"
    __table_args__ = (
        CheckConstraint(f"stage IS NULL OR {_in('stage', STAGES)}", name="stage_known"),
        CheckConstraint(_in("subscribe_status", SUBSCRIBE_STATUSES), name="subscribe_known"),
        CheckConstraint(_in("wechat_status", WECHAT_STATUSES), name="wechat_known"),
        Index("ix_fulfillment_shipment_number", "carrier_code", "tracking_no"),
        Index("ix_fulfillment_shipment_subscribe_due", "subscribe_status", "subscribe_next_at"),
        Index("ix_fulfillment_shipment_wechat_due", "wechat_status", "wechat_next_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(BigId)
    carrier: Mapped[str] = mapped_column(String(50))
    # Kuaidi100's company code; None when Shoplet does not know the carrier (not tracked).
    carrier_code: Mapped[str | None] = mapped_column(String(20))
    tracking_no: Mapped[str] = mapped_column(String(50))
    # The receiver's masked phone (138****0000): SF wants its last four digits, WeChat the mask.
    receiver_contact: Mapped[str | None] = mapped_column(String(20))
    item_desc: Mapped[str] = mapped_column(String(120))
    stage: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str | None] = mapped_column(String(16))
    state_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    subscribe_status: Mapped[str] = mapped_column(String(12))
    subscribe_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    subscribe_next_at: Mapped[datetime | None]
    subscribe_error: Mapped[str | None] = mapped_column(String(200))
    # WeChat 发货信息录入 (mini-program orders paid with WeChat Pay): the payment to ship.
    transaction_id: Mapped[str | None] = mapped_column(String(32))
    payer_openid: Mapped[str | None] = mapped_column(String(128))
    wechat_status: Mapped[str] = mapped_column(String(12))
    wechat_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wechat_next_at: Mapped[datetime | None]
    wechat_error: Mapped[str | None] = mapped_column(String(200))
    pushed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TrackingEvent(Base):
    """One line of a carrier's track, kept as the carrier wrote it (context, its time in UTC)."""

    __tablename__ = "fulfillment_tracking_event"
    __table_args__ = (
        # A repeated push carries the same lines again: each is stored once.
        UniqueConstraint("shipment_id", "occurred_at", "context"),
        CheckConstraint(_in("stage", STAGES), name="stage_known"),
        Index("ix_fulfillment_tracking_event_shipment_time", "shipment_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(BigId, ForeignKey("fulfillment_shipment.id"))
    occurred_at: Mapped[datetime]
    context: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    area_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Waybill(Base):
    """An e-waybill (电子面单) the carrier issued for an order: printed once, reprinted here."""

    __tablename__ = "fulfillment_waybill"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    carrier_code: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str] = mapped_column(String(50))
    task_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[bytes] = mapped_column(LargeBinary)
    label_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class Carrier(Base):
    """A carrier the shop knows (物流公司): a Kuaidi100 company code, the name shown, whether
    shipping and e-waybills may use it, its place in the console's lists, and its e-waybill
    account (客户编码/月结账号 in clear, its password SM4-encrypted and never shown).

    Empty until the console first changes a carrier: until then the enabled carriers are
    ``settings.logistics_carriers`` (a fresh shop's default), which the first change writes here.
    """

    __tablename__ = "fulfillment_carrier"
    __table_args__ = (
        CheckConstraint(_in("tracking_adapter", TRACKING_ADAPTERS), name="adapter_known"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    is_enabled: Mapped[bool] = mapped_column(Boolean)
    sort_order: Mapped[int] = mapped_column(Integer)
    customer_code: Mapped[str | None] = mapped_column(String(64))
    account_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    tracking_adapter: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
