"""wecom: card pictures kept by Shoplet with their WeCom media id (wecom_picture)

Cards saved before keep their typed ``pic_media_id`` in their JSON and are sent as they were;
new cards name a picture by ``picture_id``.

Revision ID: 0094_wecom_media
Revises: 0096_campaign_channels
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0094_wecom_media"
down_revision: str | None = "0096_campaign_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = shoplet.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wecom_picture",
        sa.Column("id", _ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.String(length=128), nullable=True),
        sa.Column("media_created_at", _AT, nullable=True),
        sa.Column("upload_claimed_at", _AT, nullable=True),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_picture")),
        sa.UniqueConstraint("sha256", name=op.f("uq_wecom_picture_sha256")),
    )


def downgrade() -> None:
    op.drop_table("wecom_picture")
