"""wecom: contact ways (渠道活码) and external contacts (客户联系)

Revision ID: 0079_wecom_contacts
Revises: 0080_content_follows
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0079_wecom_contacts"
down_revision: str | None = "0080_content_follows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wecom_contact",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("staff_userid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("campaign", sa.String(length=16), nullable=True),
        sa.Column("added_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_contact")),
        sa.UniqueConstraint("external_userid", "staff_userid", name="uq_wecom_contact_pair"),
    )
    op.create_index("ix_wecom_contact_member", "wecom_contact", ["member_id"], unique=False)
    op.create_index("ix_wecom_contact_store", "wecom_contact", ["store_id"], unique=False)
    op.create_index(op.f("ix_wecom_contact_unionid"), "wecom_contact", ["unionid"], unique=False)
    op.create_table(
        "wecom_contact_way",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("config_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("campaign", sa.String(length=16), nullable=True),
        sa.Column("staff_userids", sa.JSON(), nullable=False),
        sa.Column("qr_code", sa.String(length=500), nullable=False),
        sa.Column("remark", sa.String(length=30), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_contact_way")),
        sa.UniqueConstraint("config_id", name=op.f("uq_wecom_contact_way_config_id")),
    )
    op.create_index(
        op.f("ix_wecom_contact_way_state"), "wecom_contact_way", ["state"], unique=False
    )
    op.create_index("ix_wecom_contact_way_store", "wecom_contact_way", ["store_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wecom_contact_way_store", table_name="wecom_contact_way")
    op.drop_index(op.f("ix_wecom_contact_way_state"), table_name="wecom_contact_way")
    op.drop_table("wecom_contact_way")
    op.drop_index(op.f("ix_wecom_contact_unionid"), table_name="wecom_contact")
    op.drop_index("ix_wecom_contact_store", table_name="wecom_contact")
    op.drop_index("ix_wecom_contact_member", table_name="wecom_contact")
    op.drop_table("wecom_contact")
