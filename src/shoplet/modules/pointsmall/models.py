"""Points-mall tables: the items on offer, each shopper's exchanges, and the per-shopper usage
counters that enforce an item's limit.

``pointsmall_item.sold`` moves only through conditional UPDATEs (``sold + n <= stock``), and
``pointsmall_usage.quantity`` only through ``quantity + n <= limit``: neither can pass its
bound, whatever exchanges run at once. ``pointsmall_exchange`` is unique per (member,
request id), which makes an exchange idempotent by the client's request id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

ITEM_KINDS = ("coupon", "product")
ITEM_STATUSES = ("draft", "on_sale", "off_sale")
LIMIT_PERIODS = ("total", "day", "week", "month")
EXCHANGE_STATUSES = ("issued", "pending_payment", "paid", "cancelled", "refunded")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class MallItem(Base):
    """One thing on offer. ``stock`` is the mall's own quota (the SKU's inventory is held by
    each order as usual); ``sold`` counts units taken, given back when an order is cancelled."""

    __tablename__ = "pointsmall_item"
    __table_args__ = (
        CheckConstraint(_in("kind", ITEM_KINDS), name="kind_known"),
        CheckConstraint(_in("status", ITEM_STATUSES), name="status_known"),
        CheckConstraint(_in("limit_period", LIMIT_PERIODS), name="limit_period_known"),
        CheckConstraint(
            "(kind = 'coupon' AND template_id IS NOT NULL AND sku_id IS NULL) OR "
            "(kind = 'product' AND sku_id IS NOT NULL AND template_id IS NULL)",
            name="target_matches_kind",
        ),
        CheckConstraint("points_price > 0 AND cash_price >= 0", name="prices_valid"),
        CheckConstraint("sold >= 0 AND sold <= stock", name="sold_within_stock"),
        CheckConstraint("per_member_limit >= 1", name="limit_positive"),
        Index("ix_pointsmall_item_status_sort", "status", "sort", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    image: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))
    template_id: Mapped[int | None] = mapped_column(BigInteger)
    sku_id: Mapped[int | None] = mapped_column(BigInteger)
    points_price: Mapped[int] = mapped_column(BigInteger)
    cash_price: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    per_member_limit: Mapped[int] = mapped_column(Integer)
    limit_period: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    # Goods only: no shipping fee (like a flash sale); off: the shop's shipping rules, the
    # free-shipping threshold compared with the goods' shelf price.
    free_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MallUsage(Base):
    """How many units of an item a shopper took in one period (``period`` = ``total``, an
    Asia/Shanghai day ``2026-12-03``, ISO week ``2026-W49`` or month ``2026-12``)."""

    __tablename__ = "pointsmall_usage"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    item_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class MallExchange(Base):
    """One exchange: a coupon issued at once, or an order of goods (``order_no``) whose status
    follows the order's (paid, cancelled, refunded)."""

    __tablename__ = "pointsmall_exchange"
    __table_args__ = (
        UniqueConstraint("member_id", "request_id"),
        UniqueConstraint("exchange_no"),
        CheckConstraint(_in("status", EXCHANGE_STATUSES), name="status_known"),
        CheckConstraint("quantity >= 1 AND points > 0 AND cash >= 0", name="amounts_valid"),
        Index("ix_pointsmall_exchange_member_id_id", "member_id", "id"),
        Index("ix_pointsmall_exchange_order_no", "order_no"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    exchange_no: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    cash: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16))
    order_no: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
