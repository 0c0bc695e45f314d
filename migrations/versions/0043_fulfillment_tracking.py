"""fulfillment: shipments with their tracking subscription and WeChat 发货信息录入 state
(fulfillment_shipment), the carrier's timeline (fulfillment_tracking_event), printed e-waybills
(fulfillment_waybill); orders_order.signed_at, from which automatic receipt counts once the
carrier reports the parcel signed for

Revision ID: 0043_fulfillment_tracking
Revises: 0039_insights_alerts
Create Date: 2026-12-05 03:34:08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import shoplet.core.db


revision: str = "0043_fulfillment_tracking"
down_revision: str | None = "0039_insights_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_shipment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("carrier", sa.String(length=50), nullable=False),
        sa.Column("carrier_code", sa.String(length=20), nullable=True),
        sa.Column("tracking_no", sa.String(length=50), nullable=False),
        sa.Column("receiver_contact", sa.String(length=20), nullable=True),
        sa.Column("item_desc", sa.String(length=120), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("state_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subscribe_status", sa.String(length=12), nullable=False),
        sa.Column("subscribe_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("subscribe_next_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subscribe_error", sa.String(length=200), nullable=True),
        sa.Column("transaction_id", sa.String(length=32), nullable=True),
        sa.Column("payer_openid", sa.String(length=128), nullable=True),
        sa.Column("wechat_status", sa.String(length=12), nullable=False),
        sa.Column("wechat_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wechat_next_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("wechat_error", sa.String(length=200), nullable=True),
        sa.Column("pushed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IS NULL OR stage IN ('collected', 'in_transit', 'delivering', 'signed', 'exception')",
            name=op.f("ck_fulfillment_shipment_stage_known"),
        ),
        sa.CheckConstraint(
            "subscribe_status IN ('pending', 'subscribed', 'failed', 'unsupported')",
            name=op.f("ck_fulfillment_shipment_subscribe_known"),
        ),
        sa.CheckConstraint(
            "wechat_status IN ('none', 'pending', 'uploaded', 'failed')",
            name=op.f("ck_fulfillment_shipment_wechat_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_shipment")),
        sa.UniqueConstraint("order_no", name=op.f("uq_fulfillment_shipment_order_no")),
    )
    op.create_index(
        "ix_fulfillment_shipment_number",
        "fulfillment_shipment",
        ["carrier_code", "tracking_no"],
        unique=False,
    )
    op.create_index(
        "ix_fulfillment_shipment_subscribe_due",
        "fulfillment_shipment",
        ["subscribe_status", "subscribe_next_at"],
        unique=False,
    )
    op.create_index(
        "ix_fulfillment_shipment_wechat_due",
        "fulfillment_shipment",
        ["wechat_status", "wechat_next_at"],
        unique=False,
    )
    op.create_table(
        "fulfillment_waybill",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("carrier_code", sa.String(length=20), nullable=False),
        sa.Column("tracking_no", sa.String(length=50), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.LargeBinary(), nullable=False),
        sa.Column("label_type", sa.String(length=32), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_waybill")),
        sa.UniqueConstraint("order_no", name=op.f("uq_fulfillment_waybill_order_no")),
    )
    op.create_table(
        "fulfillment_tracking_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "shipment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("occurred_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("context", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("area_name", sa.String(length=64), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IN ('collected', 'in_transit', 'delivering', 'signed', 'exception')",
            name=op.f("ck_fulfillment_tracking_event_stage_known"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["fulfillment_shipment.id"],
            name=op.f("fk_fulfillment_tracking_event_shipment_id_fulfillment_shipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_tracking_event")),
        sa.UniqueConstraint(
            "shipment_id",
            "occurred_at",
            "context",
            name=op.f("uq_fulfillment_tracking_event_shipment_id_occurred_at_context"),
        ),
    )
    op.create_index(
        "ix_fulfillment_tracking_event_shipment_time",
        "fulfillment_tracking_event",
        ["shipment_id", "occurred_at"],
        unique=False,
    )
    op.add_column(
        "orders_order",
        sa.Column("signed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_orders_order_status_signed_at", "orders_order", ["status", "signed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_orders_order_status_signed_at", table_name="orders_order")
    with op.batch_alter_table("orders_order") as batch:
        batch.drop_column("signed_at")
    op.drop_index(
        "ix_fulfillment_tracking_event_shipment_time", table_name="fulfillment_tracking_event"
    )
    op.drop_table("fulfillment_tracking_event")
    op.drop_table("fulfillment_waybill")
    op.drop_index("ix_fulfillment_shipment_wechat_due", table_name="fulfillment_shipment")
    op.drop_index("ix_fulfillment_shipment_subscribe_due", table_name="fulfillment_shipment")
    op.drop_index("ix_fulfillment_shipment_number", table_name="fulfillment_shipment")
    op.drop_table("fulfillment_shipment")
