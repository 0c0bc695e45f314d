"""analytics: a recording's JavaScript errors (analytics_replay_error, and the session's
error count), how far down each page it scrolled (analytics_replay_scroll), and the platform
of recordings and clicks (mini-program visits bring taps and depths, nothing to replay)

Revision ID: 0097_replay_errors_scroll
Revises: 0094_wecom_media
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0097_replay_errors_scroll"
down_revision: str | None = "0094_wecom_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_replay_session") as batch:
        batch.add_column(sa.Column("errors", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("platform", sa.String(16), nullable=False, server_default="h5"))
    with op.batch_alter_table("analytics_replay_click") as batch:
        batch.add_column(sa.Column("platform", sa.String(16), nullable=False, server_default="h5"))
    op.create_table(
        "analytics_replay_error",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("page", sa.String(200), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_replay_error")),
    )
    op.create_index(
        "ix_analytics_replay_error_session_id", "analytics_replay_error", ["session_id"]
    )
    op.create_index("ix_analytics_replay_error_at", "analytics_replay_error", ["at"])
    op.create_table(
        "analytics_replay_scroll",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False, server_default="h5"),
        sa.Column("page", sa.String(200), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("viewport", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "depth >= 0", name=op.f("ck_analytics_replay_scroll_depth_not_negative")
        ),
        sa.CheckConstraint(
            "height >= 1 AND viewport >= 1 AND width >= 1",
            name=op.f("ck_analytics_replay_scroll_sizes_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_replay_scroll")),
        sa.UniqueConstraint(
            "session_id", "page", name=op.f("uq_analytics_replay_scroll_session_id_page")
        ),
    )
    op.create_index("ix_analytics_replay_scroll_page_at", "analytics_replay_scroll", ["page", "at"])


def downgrade() -> None:
    op.drop_table("analytics_replay_scroll")
    op.drop_table("analytics_replay_error")
    with op.batch_alter_table("analytics_replay_click") as batch:
        batch.drop_column("platform")
    with op.batch_alter_table("analytics_replay_session") as batch:
        batch.drop_column("platform")
        batch.drop_column("errors")
