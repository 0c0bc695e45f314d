"""loyalty: points for product reviews (review_points, review_points_daily; ledger reason
'review'); review: the points each review holds

Revision ID: 0032_review_points
Revises: 0024_catalog_price_history
Create Date: 2026-12-04 21:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032_review_points"
down_revision: str | None = "0024_catalog_price_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS_BEFORE = (
    "reason IN ('order', 'signin', 'refund', 'spend_return', 'expiry', 'staff', 'mall')"
)
REASONS_AFTER = (
    "reason IN ('order', 'signin', 'refund', 'spend_return', 'expiry', 'staff', 'mall', 'review')"
)


def upgrade() -> None:
    with op.batch_alter_table("loyalty_settings") as batch:
        batch.add_column(
            sa.Column("review_points", sa.Integer(), server_default="10", nullable=False)
        )
        batch.add_column(
            sa.Column("review_points_daily", sa.Integer(), server_default="3", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_loyalty_settings_review_points_in_range"),
            "review_points >= 0 AND review_points <= 10000",
        )
        batch.create_check_constraint(
            op.f("ck_loyalty_settings_review_points_daily_in_range"),
            "review_points_daily >= 1 AND review_points_daily <= 50",
        )
    with op.batch_alter_table("loyalty_points_entry") as batch:
        batch.drop_constraint(op.f("ck_loyalty_points_entry_reason_known"), type_="check")
        batch.create_check_constraint(op.f("ck_loyalty_points_entry_reason_known"), REASONS_AFTER)
    with op.batch_alter_table("review_review") as batch:
        batch.add_column(sa.Column("points", sa.Integer(), server_default="0", nullable=False))
        batch.create_check_constraint(op.f("ck_review_review_points_valid"), "points >= 0")


def downgrade() -> None:
    with op.batch_alter_table("review_review") as batch:
        batch.drop_constraint(op.f("ck_review_review_points_valid"), type_="check")
        batch.drop_column("points")
    # The ledger is append-only: review entries stay, relabelled as staff adjustments.
    op.execute("UPDATE loyalty_points_entry SET reason = 'staff' WHERE reason = 'review'")
    with op.batch_alter_table("loyalty_points_entry") as batch:
        batch.drop_constraint(op.f("ck_loyalty_points_entry_reason_known"), type_="check")
        batch.create_check_constraint(op.f("ck_loyalty_points_entry_reason_known"), REASONS_BEFORE)
    with op.batch_alter_table("loyalty_settings") as batch:
        batch.drop_constraint(
            op.f("ck_loyalty_settings_review_points_daily_in_range"), type_="check"
        )
        batch.drop_constraint(op.f("ck_loyalty_settings_review_points_in_range"), type_="check")
        batch.drop_column("review_points_daily")
        batch.drop_column("review_points")
