"""catalog: uploaded media (``catalog_media``) and a product's detail images, video and ImageSets

``catalog_media`` records each uploaded image (its variants, size and colour) and video by its
canonical URL. ``catalog_product`` gains ``detail_images``, ``video_url``, ``video_poster`` and
the ImageSets the service denormalises onto it (``cover`` for lists, ``image_sets`` for the
detail), so reading products costs no extra statement. Existing products get no detail images,
no video and no ImageSets (their images were uploaded before the pipeline).

Revision ID: 0004_catalog_media
Revises: 0003_staff_tables
Create Date: 2026-12-03 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0004_catalog_media"
down_revision: str | None = "0003_staff_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_media",
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("image_set", sa.JSON(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'video')", name=op.f("ck_catalog_media_kind_known")),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_catalog_media")),
    )
    with op.batch_alter_table("catalog_product") as batch:
        batch.add_column(
            sa.Column("detail_images", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch.add_column(sa.Column("video_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("video_poster", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("cover", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("image_sets", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_product") as batch:
        batch.drop_column("image_sets")
        batch.drop_column("cover")
        batch.drop_column("video_poster")
        batch.drop_column("video_url")
        batch.drop_column("detail_images")
    op.drop_table("catalog_media")
