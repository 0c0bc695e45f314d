"""search: product vectors for semantic search

Revision ID: 0017_search_vectors
Revises: 0016_recommend
Create Date: 2026-12-03 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0017_search_vectors"
down_revision: str | None = "0016_recommend"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_vector",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "model", name=op.f("pk_search_vector")),
    )
    op.create_index("ix_search_vector_model_updated", "search_vector", ["model", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_search_vector_model_updated", table_name="search_vector")
    op.drop_table("search_vector")
