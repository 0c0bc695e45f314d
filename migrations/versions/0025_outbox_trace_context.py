"""core: outbox events keep the publisher's W3C traceparent (tracing across the worker)

Revision ID: 0025_outbox_trace_context
Revises: 0022_reviews
Create Date: 2026-12-04 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_outbox_trace_context"
down_revision: str | None = "0022_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("core_outbox_event") as batch:
        batch.add_column(sa.Column("trace_context", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("core_outbox_event") as batch:
        batch.drop_column("trace_context")
