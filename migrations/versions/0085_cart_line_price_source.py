"""Cart lines remember the play that priced them (``live:<session>``: added from a live room at
its 直播价), so the cart and checkout ask that play for the price while it still applies.

Revision ID: 0085_cart_line_price_source
Revises: 0081_openapi_webhook_rotation
Create Date: 2026-12-06 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0085_cart_line_price_source"
down_revision: str | None = "0081_openapi_webhook_rotation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cart_line", sa.Column("price_source", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cart_line") as batch_op:
        batch_op.drop_column("price_source")
