"""search and recommend: impressions, clicks and daily click-through rollups

Revision ID: 0020_search_clicks
Revises: 0019_search_images
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0020_search_clicks"
down_revision: str | None = "0019_search_images"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _clicks(table: str) -> None:
    op.create_table(
        table,
        sa.Column("impression_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f(f"ck_{table}_position_positive")),
        sa.PrimaryKeyConstraint("impression_id", "product_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(f"ix_{table}_created_at", table, ["created_at"])


def upgrade() -> None:
    op.create_table(
        "search_impression",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("query", sa.String(length=50), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("first_page", sa.Boolean(), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_impression")),
    )
    op.create_index("ix_search_impression_created_at", "search_impression", ["created_at"])
    _clicks("search_click")
    op.create_table(
        "search_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(length=50), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "searches >= 0 AND clicks >= 0 AND zero_results >= 0",
            name=op.f("ck_search_daily_counts"),
        ),
        sa.PrimaryKeyConstraint("day", "query", "variant", name=op.f("pk_search_daily")),
    )
    op.create_table(
        "recommend_impression",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("placement", sa.String(length=16), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommend_impression")),
    )
    op.create_index("ix_recommend_impression_created_at", "recommend_impression", ["created_at"])
    _clicks("recommend_click")
    op.create_table(
        "recommend_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("placement", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=16), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "impressions >= 0 AND clicks >= 0", name=op.f("ck_recommend_daily_counts")
        ),
        sa.PrimaryKeyConstraint(
            "day", "placement", "model", "variant", name=op.f("pk_recommend_daily")
        ),
    )


def downgrade() -> None:
    op.drop_table("recommend_daily")
    op.drop_index("ix_recommend_click_created_at", table_name="recommend_click")
    op.drop_table("recommend_click")
    op.drop_index("ix_recommend_impression_created_at", table_name="recommend_impression")
    op.drop_table("recommend_impression")
    op.drop_table("search_daily")
    op.drop_index("ix_search_click_created_at", table_name="search_click")
    op.drop_table("search_click")
    op.drop_index("ix_search_impression_created_at", table_name="search_impression")
    op.drop_table("search_impression")
