"""analytics: member profiles (analytics_profile), tags (analytics_tag, analytics_member_tag),
segments (analytics_segment) and the coupons issued to them (analytics_segment_coupon), and the
profile / tag / cluster jobs (analytics_profile_job)

Revision ID: 0037_analytics_profiles
Revises: 0036_social_kol
Create Date: 2026-12-05 03:31:22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shoplet.core.db

revision: str = "0037_analytics_profiles"
down_revision: str | None = "0036_social_kol"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_member_tag",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_member_tag")),
        sa.UniqueConstraint(
            "tag_id", "member_id", name=op.f("uq_analytics_member_tag_tag_id_member_id")
        ),
    )
    op.create_index(
        "ix_analytics_member_tag_member_id", "analytics_member_tag", ["member_id"], unique=False
    )
    op.create_table(
        "analytics_profile",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=120), nullable=True),
        sa.Column("first_purchase_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_purchase_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("orders_90d", sa.Integer(), nullable=False),
        sa.Column("spend", sa.BigInteger(), nullable=False),
        sa.Column("spend_90d", sa.BigInteger(), nullable=False),
        sa.Column("aov", sa.BigInteger(), nullable=False),
        sa.Column(
            "favourite_categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("price_sensitivity", sa.Integer(), nullable=False),
        sa.Column("coupon_count", sa.Integer(), nullable=False),
        sa.Column("social_role", sa.String(length=16), nullable=True),
        sa.Column("last_active_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rfm_class", sa.String(length=24), nullable=True),
        sa.Column("computed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "order_count >= 0 AND spend >= 0", name=op.f("ck_analytics_profile_counts")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_analytics_profile")),
    )
    op.create_index(
        "ix_analytics_profile_spend_member",
        "analytics_profile",
        ["spend", "member_id"],
        unique=False,
    )
    op.create_table(
        "analytics_profile_job",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("open_kind", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('profiles', 'tag', 'clusters')",
            name=op.f("ck_analytics_profile_job_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_analytics_profile_job_status_known"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND total >= 0", name=op.f("ck_analytics_profile_job_counts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_profile_job")),
        sa.UniqueConstraint("open_kind", name=op.f("uq_analytics_profile_job_open_kind")),
    )
    op.create_index(
        "ix_analytics_profile_job_kind_id", "analytics_profile_job", ["kind", "id"], unique=False
    )
    op.create_table(
        "analytics_segment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_segment")),
        sa.UniqueConstraint("name", name=op.f("uq_analytics_segment_name")),
    )
    op.create_table(
        "analytics_segment_coupon",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("segment_id", sa.BigInteger(), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("is_issued", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_segment_coupon")),
        sa.UniqueConstraint(
            "segment_id",
            "template_id",
            "member_id",
            name=op.f("uq_analytics_segment_coupon_segment_id_template_id_member_id"),
        ),
    )
    op.create_table(
        "analytics_tag",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "condition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('rule', 'computed', 'manual')", name=op.f("ck_analytics_tag_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_tag")),
        sa.UniqueConstraint("code", name=op.f("uq_analytics_tag_code")),
    )


def downgrade() -> None:
    op.drop_table("analytics_tag")
    op.drop_table("analytics_segment_coupon")
    op.drop_table("analytics_segment")
    op.drop_index("ix_analytics_profile_job_kind_id", table_name="analytics_profile_job")
    op.drop_table("analytics_profile_job")
    op.drop_index("ix_analytics_profile_spend_member", table_name="analytics_profile")
    op.drop_table("analytics_profile")
    op.drop_index("ix_analytics_member_tag_member_id", table_name="analytics_member_tag")
    op.drop_table("analytics_member_tag")
