"""social: distribution (分销) — settings, rate overrides, promoters, bindings, commissions,
balance adjustments, withdrawals and their audit trail

Revision ID: 0029_distribution
Revises: 0028_share_links
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0029_distribution"
down_revision: str | None = "0028_share_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RATES_VALID = "level1_bps >= 0 AND level2_bps >= 0 AND level1_bps + level2_bps <= 5000"


def _when(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "social_dist_settings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("become_mode", sa.String(length=16), nullable=False),
        sa.Column("auto_after_orders", sa.Integer(), nullable=False),
        sa.Column("binding_mode", sa.String(length=16), nullable=False),
        sa.Column("binding_days", sa.Integer(), nullable=False),
        sa.Column("level1_bps", sa.Integer(), nullable=False),
        sa.Column("level2_bps", sa.Integer(), nullable=False),
        sa.Column("min_withdrawal", sa.BigInteger(), nullable=False),
        sa.Column("freeze_days", sa.Integer(), nullable=False),
        _when("updated_at", nullable=True),
        sa.CheckConstraint(
            "become_mode IN ('apply', 'auto')",
            name=op.f("ck_social_dist_settings_become_mode_known"),
        ),
        sa.CheckConstraint(
            "binding_mode IN ('first_touch', 'permanent')",
            name=op.f("ck_social_dist_settings_binding_mode_known"),
        ),
        sa.CheckConstraint(RATES_VALID, name=op.f("ck_social_dist_settings_rates_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_settings")),
    )
    op.create_table(
        "social_dist_rate",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("level1_bps", sa.Integer(), nullable=False),
        sa.Column("level2_bps", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('category', 'product')", name=op.f("ck_social_dist_rate_scope_known")
        ),
        sa.CheckConstraint(RATES_VALID, name=op.f("ck_social_dist_rate_rates_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_rate")),
        sa.UniqueConstraint("scope", "target_id", name=op.f("uq_social_dist_rate_scope_target_id")),
    )
    op.create_table(
        "social_dist_promoter",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn", sa.BigInteger(), nullable=False),
        _when("applied_at"),
        _when("reviewed_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'rejected')",
            name=op.f("ck_social_dist_promoter_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_promoter")),
        sa.UniqueConstraint("member_id", name=op.f("uq_social_dist_promoter_member_id")),
        sa.UniqueConstraint("code", name=op.f("uq_social_dist_promoter_code")),
    )
    op.create_table(
        "social_dist_binding",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("promoter_id", sa.BigInteger(), nullable=False),
        _when("bound_at"),
        _when("expires_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_binding")),
        sa.UniqueConstraint("member_id", name=op.f("uq_social_dist_binding_member_id")),
    )
    op.create_index("ix_social_dist_binding_promoter_id", "social_dist_binding", ["promoter_id"])
    op.create_table(
        "social_dist_commission",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("promoter_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("order_line_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_member_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("line_payable", sa.BigInteger(), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reversed_amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _when("unfreeze_at", nullable=True),
        _when("settled_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "status IN ('frozen', 'settled', 'reversed')",
            name=op.f("ck_social_dist_commission_status_known"),
        ),
        sa.CheckConstraint("level IN (1, 2)", name=op.f("ck_social_dist_commission_level_known")),
        sa.CheckConstraint(
            "amount >= 0 AND reversed_amount >= 0 AND reversed_amount <= amount",
            name=op.f("ck_social_dist_commission_amounts_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_commission")),
        sa.UniqueConstraint(
            "order_line_id", "level", name=op.f("uq_social_dist_commission_order_line_id_level")
        ),
    )
    op.create_index(
        "ix_social_dist_commission_promoter_id_id",
        "social_dist_commission",
        ["promoter_id", "id"],
    )
    op.create_index("ix_social_dist_commission_order_no", "social_dist_commission", ["order_no"])
    op.create_index(
        "ix_social_dist_commission_status_unfreeze_at",
        "social_dist_commission",
        ["status", "unfreeze_at"],
    )
    op.create_table(
        "social_dist_adjustment",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("promoter_id", sa.BigInteger(), nullable=False),
        sa.Column("commission_id", sa.BigInteger(), nullable=False),
        sa.Column("reversed_to", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_adjustment")),
        sa.UniqueConstraint(
            "commission_id",
            "reversed_to",
            name=op.f("uq_social_dist_adjustment_commission_id_reversed_to"),
        ),
    )
    op.create_index(
        "ix_social_dist_adjustment_promoter_id", "social_dist_adjustment", ["promoter_id"]
    )
    op.create_table(
        "social_dist_withdrawal",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("withdrawal_no", sa.String(length=32), nullable=False),
        sa.Column("promoter_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transfer_bill_no", sa.String(length=64), nullable=True),
        sa.Column("transfer_state", sa.String(length=32), nullable=True),
        sa.Column("package_info", sa.String(length=1000), nullable=True),
        sa.Column("fail_reason", sa.String(length=200), nullable=True),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        _when("reviewed_at", nullable=True),
        _when("paid_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "status IN ('requested', 'paying', 'paid', 'failed', 'rejected')",
            name=op.f("ck_social_dist_withdrawal_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_social_dist_withdrawal_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_withdrawal")),
        sa.UniqueConstraint("withdrawal_no", name=op.f("uq_social_dist_withdrawal_withdrawal_no")),
    )
    op.create_index(
        "ix_social_dist_withdrawal_promoter_id_id",
        "social_dist_withdrawal",
        ["promoter_id", "id"],
    )
    op.create_index(
        "ix_social_dist_withdrawal_status_id", "social_dist_withdrawal", ["status", "id"]
    )
    op.create_table(
        "social_dist_withdrawal_event",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("withdrawal_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_dist_withdrawal_event")),
    )
    op.create_index(
        "ix_social_dist_withdrawal_event_withdrawal_id",
        "social_dist_withdrawal_event",
        ["withdrawal_id"],
    )


def downgrade() -> None:
    for table in (
        "social_dist_withdrawal_event",
        "social_dist_withdrawal",
        "social_dist_adjustment",
        "social_dist_commission",
        "social_dist_binding",
        "social_dist_promoter",
        "social_dist_rate",
        "social_dist_settings",
    ):
        op.drop_table(table)
