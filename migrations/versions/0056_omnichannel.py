"""omnichannel: one identity everywhere — members_member.merged_into_id and the merge audit
(members_merge: one row per absorbed account, unique); appointments (stores_service,
stores_slot with booked <= capacity, stores_booking: one live booking per shopper and slot)

Revision ID: 0056_omnichannel
Revises: 0046_passkeys
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0056_omnichannel"
down_revision: str | None = "0046_passkeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members_member") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "members_merge",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("from_member_id", sa.BigInteger(), nullable=False),
        sa.Column("into_member_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("merged_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_merge")),
        sa.UniqueConstraint("from_member_id", name=op.f("uq_members_merge_from_member_id")),
    )
    op.create_index(
        "ix_members_merge_into_member_id", "members_merge", ["into_member_id"], unique=False
    )

    op.create_table(
        "stores_service",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_min BETWEEN 5 AND 480", name=op.f("ck_stores_service_duration_in_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores_service")),
    )
    op.create_index("ix_stores_service_store_id", "stores_service", ["store_id"], unique=False)
    op.create_table(
        "stores_slot",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("service_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "capacity BETWEEN 1 AND 1000", name=op.f("ck_stores_slot_capacity_in_range")
        ),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity",
            name=op.f("ck_stores_slot_booked_within_capacity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores_slot")),
        sa.UniqueConstraint(
            "service_id", "starts_at", name=op.f("uq_stores_slot_service_id_starts_at")
        ),
    )
    op.create_table(
        "stores_booking",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slot_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('booked', 'checked_in', 'cancelled')",
            name=op.f("ck_stores_booking_booking_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores_booking")),
    )
    op.create_index(
        "uq_stores_booking_live",
        "stores_booking",
        ["slot_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
        sqlite_where=sa.text("status <> 'cancelled'"),
    )
    op.create_index(
        "ix_stores_booking_member_id_id", "stores_booking", ["member_id", "id"], unique=False
    )
    op.create_index(
        "ix_stores_booking_store_id_id", "stores_booking", ["store_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("stores_booking")
    op.drop_table("stores_slot")
    op.drop_index("ix_stores_service_store_id", table_name="stores_service")
    op.drop_table("stores_service")
    op.drop_index("ix_members_merge_into_member_id", table_name="members_merge")
    op.drop_table("members_merge")
    with op.batch_alter_table("members_member") as batch:
        batch.drop_column("merged_into_id")
