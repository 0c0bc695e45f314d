"""promotions: coupon codes, voiding, segment-issue and void jobs

Revision ID: 0008_coupon_codes
Revises: 0007_promotions_rules
Create Date: 2026-12-03 15:09:35.063631
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0008_coupon_codes"
down_revision: str | None = "0007_promotions_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotions_code_batch",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('one_time', 'shared')", name=op.f("ck_promotions_code_batch_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'disabled')", name=op.f("ck_promotions_code_batch_status_known")
        ),
        sa.CheckConstraint(
            "redeemed >= 0", name=op.f("ck_promotions_code_batch_redeemed_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["promotions_coupon_template.id"],
            name=op.f("fk_promotions_code_batch_template_id_promotions_coupon_template"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_code_batch")),
    )
    op.create_index(
        "ix_promotions_code_batch_template_id_id",
        "promotions_code_batch",
        ["template_id", "id"],
        unique=False,
    )
    op.create_table(
        "promotions_job",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('issue_segment', 'void_unused')", name=op.f("ck_promotions_job_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_promotions_job_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["promotions_coupon_template.id"],
            name=op.f("fk_promotions_job_template_id_promotions_coupon_template"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_job")),
    )
    op.create_index("ix_promotions_job_status_id", "promotions_job", ["status", "id"], unique=False)
    op.create_index(
        "ix_promotions_job_template_id_id", "promotions_job", ["template_id", "id"], unique=False
    )
    op.create_table(
        "promotions_code",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("redeemed_by", sa.BigInteger(), nullable=True),
        sa.Column("redeemed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("coupon_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["promotions_code_batch.id"],
            name=op.f("fk_promotions_code_batch_id_promotions_code_batch"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_code")),
        sa.UniqueConstraint("code", name=op.f("uq_promotions_code_code")),
    )
    op.create_index(
        "ix_promotions_code_batch_id_id", "promotions_code", ["batch_id", "id"], unique=False
    )
    op.create_table(
        "promotions_job_member",
        sa.Column(
            "job_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "member_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["promotions_job.id"],
            name=op.f("fk_promotions_job_member_job_id_promotions_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "member_id", name=op.f("pk_promotions_job_member")),
    )
    op.add_column(
        "promotions_coupon",
        sa.Column("voided_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("promotions_coupon", sa.Column("voided_by", sa.String(length=64), nullable=True))
    op.add_column(
        "promotions_coupon", sa.Column("void_reason", sa.String(length=200), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("promotions_coupon") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_by")
        batch.drop_column("voided_at")
    op.drop_table("promotions_job_member")
    op.drop_index("ix_promotions_code_batch_id_id", table_name="promotions_code")
    op.drop_table("promotions_code")
    op.drop_index("ix_promotions_job_template_id_id", table_name="promotions_job")
    op.drop_index("ix_promotions_job_status_id", table_name="promotions_job")
    op.drop_table("promotions_job")
    op.drop_index("ix_promotions_code_batch_template_id_id", table_name="promotions_code_batch")
    op.drop_table("promotions_code_batch")
