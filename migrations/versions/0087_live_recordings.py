"""live: recorded replays (live_recording, live_recording_segment)

Revision ID: 0087_live_recordings
Revises: 0091_content_prize_retry
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0087_live_recordings"
down_revision: str | None = "0091_content_prize_retry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = shoplet.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "live_recording",
        sa.Column("id", _ID, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("segment_total", sa.Integer(), nullable=False),
        sa.Column("gap_total", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("playlist_key", sa.String(length=300), nullable=True),
        sa.Column("media_url", sa.String(length=1000), nullable=True),
        sa.Column("expires_at", _AT, nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("finalised_at", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.CheckConstraint(
            "status IN ('recording', 'ready', 'none')", name=op.f("ck_live_recording_status_known")
        ),
        sa.CheckConstraint(
            "source IN ('pushpull', 'wechat')", name=op.f("ck_live_recording_source_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_recording")),
        sa.UniqueConstraint("session_id", name=op.f("uq_live_recording_session_id")),
    )
    op.create_table(
        "live_recording_segment",
        sa.Column("id", _ID, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("media_sequence", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("is_discontinuity", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", _AT, nullable=False),
        sa.CheckConstraint(
            "status IN ('claimed', 'stored', 'gap')",
            name=op.f("ck_live_recording_segment_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_recording_segment")),
        sa.UniqueConstraint(
            "session_id", "media_sequence", name=op.f("uq_live_recording_segment_seq")
        ),
    )


def downgrade() -> None:
    op.drop_table("live_recording_segment")
    op.drop_table("live_recording")
