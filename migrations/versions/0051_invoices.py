"""invoicing: shoppers' invoice titles (invoicing_title), products' tax profiles
(invoicing_tax_profile: 税收分类编码 and rate) and invoices, blue and red-letter
(invoicing_invoice: one active per order, one red-letter per blue, lines, PDF)

Revision ID: 0051_invoices
Revises: 0052_openapi_cobrand
Create Date: 2026-12-05 10:42:17
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from shoplet.core.db import BigId, UTCDateTime


revision: str = "0051_invoices"
down_revision: str | None = "0052_openapi_cobrand"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoicing_invoice",
        sa.Column("id", BigId, nullable=False),
        sa.Column("invoice_no", sa.String(length=20), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("active_order_no", sa.String(length=32), nullable=True),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reverses_id", BigId, nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title_kind", sa.String(length=10), nullable=False),
        sa.Column("buyer_name", sa.String(length=100), nullable=False),
        sa.Column("buyer_tax_id", sa.String(length=20), nullable=True),
        sa.Column("buyer_email", sa.String(length=120), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("net", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("provider_serial", sa.String(length=40), nullable=True),
        sa.Column("invoice_code", sa.String(length=20), nullable=True),
        sa.Column("invoice_number", sa.String(length=30), nullable=True),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('blue', 'red')", name=op.f("ck_invoicing_invoice_kind_known")),
        sa.CheckConstraint(
            "status IN ('pending', 'issuing', 'issued', 'failed', 'cancelled', 'reversed')",
            name=op.f("ck_invoicing_invoice_status_known"),
        ),
        sa.CheckConstraint(
            "amount = net + tax", name=op.f("ck_invoicing_invoice_amount_is_net_plus_tax")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_invoice")),
        sa.UniqueConstraint("active_order_no", name=op.f("uq_invoicing_invoice_active_order_no")),
        sa.UniqueConstraint("invoice_no", name=op.f("uq_invoicing_invoice_invoice_no")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_invoicing_invoice_reverses_id")),
    )
    op.create_index(
        "ix_invoicing_invoice_due", "invoicing_invoice", ["status", "next_at"], unique=False
    )
    op.create_index(
        op.f("ix_invoicing_invoice_member_id"), "invoicing_invoice", ["member_id"], unique=False
    )
    op.create_index(
        "ix_invoicing_invoice_order", "invoicing_invoice", ["order_no", "id"], unique=False
    )
    op.create_index(
        "ix_invoicing_invoice_status", "invoicing_invoice", ["status", "id"], unique=False
    )
    op.create_table(
        "invoicing_tax_profile",
        sa.Column("product_id", BigId, autoincrement=False, nullable=False),
        sa.Column("tax_code", sa.String(length=19), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_invoicing_tax_profile")),
    )
    op.create_table(
        "invoicing_title",
        sa.Column("id", BigId, nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("tax_id", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("bank", sa.String(length=100), nullable=True),
        sa.Column("bank_account", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('personal', 'company')", name=op.f("ck_invoicing_title_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_title")),
    )
    op.create_index(
        op.f("ix_invoicing_title_member_id"), "invoicing_title", ["member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoicing_title_member_id"), table_name="invoicing_title")
    op.drop_table("invoicing_title")
    op.drop_table("invoicing_tax_profile")
    op.drop_index("ix_invoicing_invoice_status", table_name="invoicing_invoice")
    op.drop_index("ix_invoicing_invoice_order", table_name="invoicing_invoice")
    op.drop_index(op.f("ix_invoicing_invoice_member_id"), table_name="invoicing_invoice")
    op.drop_index("ix_invoicing_invoice_due", table_name="invoicing_invoice")
    op.drop_table("invoicing_invoice")
