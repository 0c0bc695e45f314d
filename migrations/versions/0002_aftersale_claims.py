"""orders: after-sale amount claims on the order row

Revision ID: 0002_aftersale_claims
Revises: 0001
Create Date: 2026-12-03 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_aftersale_claims"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "orders_order",
        sa.Column("aftersale_claimed_total", sa.BigInteger(), server_default="0", nullable=False),
    )
    # Requests already open hold their amount from now on.
    op.execute(
        "UPDATE orders_order SET aftersale_claimed_total = COALESCE(("
        " SELECT SUM(a.amount) FROM orders_aftersale a"
        " WHERE a.order_id = orders_order.id"
        " AND a.status IN ('requested', 'approved', 'awaiting_return', 'returned', 'refunding')"
        "), 0)"
    )


def downgrade() -> None:
    op.drop_column("orders_order", "aftersale_claimed_total")
