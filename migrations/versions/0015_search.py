"""search: synonyms, corrections, the change feed, query statistics

Revision ID: 0015_search
Revises: 0014_points_mall
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0015_search"
down_revision: str | None = "0014_points_mall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "search_synonym",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym")),
    )
    op.create_table(
        "search_correction",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("wrong", sa.String(length=50), nullable=False),
        sa.Column("right", sa.String(length=50), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_correction")),
        sa.UniqueConstraint("wrong", name=op.f("uq_search_correction_wrong")),
    )
    op.create_table(
        "search_change",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('product', 'dictionary')", name=op.f("ck_search_change_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_change")),
    )
    op.create_index("ix_search_change_created_at", "search_change", ["created_at"])
    op.create_table(
        "search_query_stat",
        sa.Column("query", sa.String(length=50), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.Column("last_result_count", sa.Integer(), nullable=False),
        sa.Column("last_searched_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "searches >= 0 AND zero_results >= 0", name=op.f("ck_search_query_stat_counts")
        ),
        sa.PrimaryKeyConstraint("query", name=op.f("pk_search_query_stat")),
    )
    op.create_index("ix_search_query_stat_searches", "search_query_stat", ["searches"])
    op.create_index(
        "ix_search_query_stat_zero",
        "search_query_stat",
        ["last_result_count", "last_searched_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_search_query_stat_zero", table_name="search_query_stat")
    op.drop_index("ix_search_query_stat_searches", table_name="search_query_stat")
    op.drop_table("search_query_stat")
    op.drop_index("ix_search_change_created_at", table_name="search_change")
    op.drop_table("search_change")
    op.drop_table("search_correction")
    op.drop_table("search_synonym")
