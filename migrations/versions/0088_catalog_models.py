"""catalog: 3D models of products (catalog_model: the uploaded GLB and its rendered 360° sprite)
and the model the storefront shows, denormalised onto the product (catalog_product.model3d)

Revision ID: 0088_catalog_models
Revises: 0092_clearance_trials
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0088_catalog_models"
down_revision: str | None = "0092_clearance_trials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = shoplet.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("catalog_product", sa.Column("model3d", sa.JSON(), nullable=True))
    op.create_table(
        "catalog_model",
        sa.Column("product_id", _ID, nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("frames_done", sa.Integer(), nullable=False),
        sa.Column("frames_total", sa.Integer(), nullable=False),
        sa.Column("sprite", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("rendered_at", _AT, nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'rendering', 'ready', 'failed')",
            name=op.f("ck_catalog_model_status_known"),
        ),
        sa.CheckConstraint(
            "frames_done >= 0 AND frames_done <= frames_total",
            name=op.f("ck_catalog_model_frames"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product.id"],
            name=op.f("fk_catalog_model_product_id_catalog_product"),
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_catalog_model")),
    )
    op.create_index(
        "ix_catalog_model_status_updated", "catalog_model", ["status", "updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_model_status_updated", table_name="catalog_model")
    op.drop_table("catalog_model")
    with op.batch_alter_table("catalog_product") as batch_op:
        batch_op.drop_column("model3d")
