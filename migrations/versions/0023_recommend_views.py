"""recommend: product views, the session model's input (看了又看, recently viewed)

Revision ID: 0023_recommend_views
Revises: 0025_outbox_trace_context
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0023_recommend_views"
down_revision: str | None = "0025_outbox_trace_context"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommend_view",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("viewed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommend_view")),
    )
    op.create_index("ix_recommend_view_viewed_at", "recommend_view", ["viewed_at"])
    op.create_index(
        "ix_recommend_view_member_id_viewed_at", "recommend_view", ["member_id", "viewed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_recommend_view_member_id_viewed_at", table_name="recommend_view")
    op.drop_index("ix_recommend_view_viewed_at", table_name="recommend_view")
    op.drop_table("recommend_view")
