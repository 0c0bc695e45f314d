"""notification: a credit's subject (a SKU for 到货提醒, a product and its price for 降价提醒)
and the subject whose credit a send spends

Revision ID: 0068_notification_subjects
Revises: 0060_logistics_carriers
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0068_notification_subjects"
down_revision: str | None = "0060_logistics_carriers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_credit") as batch:
        batch.add_column(sa.Column("subject", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("price", sa.BigInteger(), nullable=True))
        batch.drop_constraint("uq_notification_credit_member", type_="unique")
        batch.create_unique_constraint(
            "uq_notification_credit_subject", ["member_id", "template_id", "subject"]
        )
        batch.create_index("ix_notification_credit_subject", ["template_id", "subject"])
    op.add_column(
        "notification_send",
        sa.Column("subject", sa.String(40), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("notification_send", "subject")
    op.execute("DELETE FROM notification_credit WHERE subject <> ''")
    with op.batch_alter_table("notification_credit") as batch:
        batch.drop_index("ix_notification_credit_subject")
        batch.drop_constraint("uq_notification_credit_subject", type_="unique")
        batch.create_unique_constraint(
            "uq_notification_credit_member", ["member_id", "template_id"]
        )
        batch.drop_column("price")
        batch.drop_column("subject")
