"""scan to buy (扫码购): stores_order.method may be 'scan' (bought off a store's shelf, no code,
handed over once paid)

Revision ID: 0057_scan_to_buy
Revises: 0058_analytics_replay
Create Date: 2026-12-05 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0057_scan_to_buy"
down_revision: str | None = "0058_analytics_replay"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METHODS_BEFORE = "method IN ('pickup', 'same_city')"
METHODS_AFTER = "method IN ('pickup', 'same_city', 'scan')"


def upgrade() -> None:
    with op.batch_alter_table("stores_order") as batch:
        batch.drop_constraint(op.f("ck_stores_order_method_known"), type_="check")
        batch.create_check_constraint(op.f("ck_stores_order_method_known"), METHODS_AFTER)


def downgrade() -> None:
    # A handed-over scan order is a picked-up pickup without a window: relabel it.
    op.execute("UPDATE stores_order SET method = 'pickup' WHERE method = 'scan'")
    with op.batch_alter_table("stores_order") as batch:
        batch.drop_constraint(op.f("ck_stores_order_method_known"), type_="check")
        batch.create_check_constraint(op.f("ck_stores_order_method_known"), METHODS_BEFORE)
