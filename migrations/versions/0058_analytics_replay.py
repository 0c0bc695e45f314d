"""analytics: session replay and click heatmaps of the H5 store (analytics_replay_session,
analytics_replay_chunk: zlib-compressed rrweb events per page, analytics_replay_click), and the
promoter status social announces (analytics_promoter; analytics_profile.has_shared keeps
the sharer fact apart from the role a promoter outranks)

Revision ID: 0058_analytics_replay
Revises: 0057_content_posts
Create Date: 2026-12-05 10:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0058_analytics_replay"
down_revision: str | None = "0057_content_posts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_replay_session",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("replay_id", sa.String(64), nullable=False),
        sa.Column("anonymous_id", sa.String(64), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("first_page", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("raw_bytes", sa.BigInteger(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_replay_session")),
        sa.UniqueConstraint("replay_id", name=op.f("uq_analytics_replay_session_replay_id")),
    )
    op.create_index(
        "ix_analytics_replay_session_member_id",
        "analytics_replay_session",
        ["member_id", "id"],
    )
    op.create_index(
        "ix_analytics_replay_session_anonymous_id", "analytics_replay_session", ["anonymous_id"]
    )
    op.create_index("ix_analytics_replay_session_last_at", "analytics_replay_session", ["last_at"])
    op.create_table(
        "analytics_replay_chunk",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(200), nullable=False),
        sa.Column("first_ts", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_ts", UTCDateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("raw_bytes", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_analytics_replay_chunk_seq_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_replay_chunk")),
        sa.UniqueConstraint(
            "session_id", "seq", name=op.f("uq_analytics_replay_chunk_session_id_seq")
        ),
    )
    op.create_index(
        "ix_analytics_replay_chunk_page", "analytics_replay_chunk", ["page", "session_id"]
    )
    op.create_table(
        "analytics_replay_click",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("page", sa.String(200), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "x BETWEEN 0 AND 1000", name=op.f("ck_analytics_replay_click_x_permille")
        ),
        sa.CheckConstraint("y >= 0", name=op.f("ck_analytics_replay_click_y_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_replay_click")),
    )
    op.create_index("ix_analytics_replay_click_page_at", "analytics_replay_click", ["page", "at"])
    op.create_index(
        "ix_analytics_replay_click_session_id", "analytics_replay_click", ["session_id"]
    )

    op.create_table(
        "analytics_promoter",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_analytics_promoter")),
    )
    with op.batch_alter_table("analytics_profile") as batch:
        batch.add_column(
            sa.Column("has_shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE analytics_profile SET has_shared = (social_role = 'sharer')")


def downgrade() -> None:
    with op.batch_alter_table("analytics_profile") as batch:
        batch.drop_column("has_shared")
    op.drop_table("analytics_promoter")
    op.drop_table("analytics_replay_click")
    op.drop_table("analytics_replay_chunk")
    op.drop_table("analytics_replay_session")
