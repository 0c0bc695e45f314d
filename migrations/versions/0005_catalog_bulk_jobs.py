"""catalog: bulk jobs of the console (publish, unpublish, price change, stock import)

Revision ID: 0005_catalog_bulk_jobs
Revises: 0004_catalog_media
Create Date: 2026-12-03 08:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shoplet.core.db

revision: str = "0005_catalog_bulk_jobs"
down_revision: str | None = "0004_catalog_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "catalog_bulk_job",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('publish', 'unpublish', 'price', 'stock')",
            name=op.f("ck_catalog_bulk_job_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_catalog_bulk_job_status"),
        ),
        sa.CheckConstraint("progress >= 0 AND total >= 0", name=op.f("ck_catalog_bulk_job_counts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_bulk_job")),
    )
    op.create_index(
        "ix_catalog_bulk_job_staff_id_id", "catalog_bulk_job", ["staff_id", "id"], unique=False
    )
    op.create_index(
        "ix_catalog_bulk_job_status_id", "catalog_bulk_job", ["status", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_bulk_job_status_id", table_name="catalog_bulk_job")
    op.drop_index("ix_catalog_bulk_job_staff_id_id", table_name="catalog_bulk_job")
    op.drop_table("catalog_bulk_job")
