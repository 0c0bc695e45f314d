"""Invoicing tables: shoppers' invoice titles, the tax profile of a product, and invoices
(blue and red-letter) with their lines, the provider's answer and the rendered PDF.

``active_order_no`` is the order number while a blue invoice stands for the order (pending,
issuing, issued or failed) and NULL once it is cancelled or reversed: its unique constraint is
what keeps one active invoice per order, whoever asks at the same moment. ``reverses_id`` is
unique too: a blue invoice is reversed (冲红) at most once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

TITLE_KINDS = ("personal", "company")
INVOICE_KINDS = ("blue", "red")
INVOICE_STATUSES = ("pending", "issuing", "issued", "failed", "cancelled", "reversed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class InvoiceTitle(Base):
    """A shopper's saved invoice title (发票抬头): a person's name, or a company with its tax
    id (统一社会信用代码, checked) and optional address, phone and bank account."""

    __tablename__ = "invoicing_title"
    __table_args__ = (CheckConstraint(_in("kind", TITLE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    bank: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TaxProfile(Base):
    """A product's tax classification: 税收分类编码 (19 digits) and rate (basis points).
    Products without one use the shop's defaults (settings)."""

    __tablename__ = "invoicing_tax_profile"

    product_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    tax_code: Mapped[str] = mapped_column(String(19))
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class Invoice(Base):
    """A blue invoice for an order, or a red-letter one reversing a blue one (negative
    amounts). Amounts in fen: ``amount`` (tax-inclusive) = ``net`` + ``tax``; ``lines`` as
    issued (name, spec, quantity, tax_code, tax_rate_bp, amount, net, tax)."""

    __tablename__ = "invoicing_invoice"
    __table_args__ = (
        CheckConstraint(_in("kind", INVOICE_KINDS), name="kind_known"),
        CheckConstraint(_in("status", INVOICE_STATUSES), name="status_known"),
        CheckConstraint("amount = net + tax", name="amount_is_net_plus_tax"),
        Index("ix_invoicing_invoice_order", "order_no", "id"),
        Index("ix_invoicing_invoice_status", "status", "id"),
        Index("ix_invoicing_invoice_due", "status", "next_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_no: Mapped[str] = mapped_column(String(20), unique=True)
    order_no: Mapped[str] = mapped_column(String(32))
    active_order_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(BigId, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    reverses_id: Mapped[int | None] = mapped_column(BigId, unique=True)
    status: Mapped[str] = mapped_column(String(12))
    title_kind: Mapped[str] = mapped_column(String(10))
    buyer_name: Mapped[str] = mapped_column(String(100))
    buyer_tax_id: Mapped[str | None] = mapped_column(String(20))
    buyer_email: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[int] = mapped_column(Integer)
    net: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    provider_serial: Mapped[str | None] = mapped_column(String(40))
    invoice_code: Mapped[str | None] = mapped_column(String(20))
    invoice_number: Mapped[str | None] = mapped_column(String(30))
    issued_at: Mapped[datetime | None]
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
