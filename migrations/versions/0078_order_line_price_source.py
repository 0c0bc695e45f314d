"""Order lines name the play that set their price (``live:<session>`` for a 直播价).

Revision ID: 0078_order_line_price_source
Revises: 0072_achievements
Create Date: 2026-12-06 00:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0078_order_line_price_source"
down_revision: str | None = "0072_achievements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders_line", sa.Column("price_source", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders_line") as batch_op:
        batch_op.drop_column("price_source")
