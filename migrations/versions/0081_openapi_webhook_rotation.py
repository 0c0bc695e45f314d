"""openapi: webhook signing-secret rotation with an overlap (openapi_webhook's previous secret,
its hint and when it stops signing deliveries)

Revision ID: 0081_openapi_webhook_rotation
Revises: 0079_wecom_contacts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0081_openapi_webhook_rotation"
down_revision: str | None = "0079_wecom_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("openapi_webhook") as batch:
        batch.add_column(sa.Column("previous_secret_encrypted", sa.Text(), nullable=True))
        batch.add_column(sa.Column("previous_secret_hint", sa.String(length=8), nullable=True))
        batch.add_column(
            sa.Column(
                "previous_secret_expires_at",
                shoplet.core.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("openapi_webhook") as batch:
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret_hint")
        batch.drop_column("previous_secret_encrypted")
