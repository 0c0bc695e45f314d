"""notification: a send's lease (claimed_at, attempts), so a send left ``sending`` by a crashed
worker is reclaimed once its lease has run out

Revision ID: 0064_notification_retry
Revises: 0061_subscribe_messages
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0064_notification_retry"
down_revision: str | None = "0061_subscribe_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "notification_send", sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "notification_send",
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    # Rows a worker holds while this runs: their lease starts now, from their creation time.
    op.execute("UPDATE notification_send SET claimed_at = created_at WHERE status = 'sending'")


def downgrade() -> None:
    op.drop_column("notification_send", "attempts")
    op.drop_column("notification_send", "claimed_at")
