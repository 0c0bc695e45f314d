"""omnichannel: one identity everywhere — members_member.merged_into_id and the merge audit
(members_merge: one row per absorbed account, unique)

Revision ID: 0056_omnichannel
Revises: 0046_passkeys
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0056_omnichannel"
down_revision: str | None = "0046_passkeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members_member") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "members_merge",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("from_member_id", sa.BigInteger(), nullable=False),
        sa.Column("into_member_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("merged_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_merge")),
        sa.UniqueConstraint("from_member_id", name=op.f("uq_members_merge_from_member_id")),
    )
    op.create_index(
        "ix_members_merge_into_member_id", "members_merge", ["into_member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_members_merge_into_member_id", table_name="members_merge")
    op.drop_table("members_merge")
    with op.batch_alter_table("members_member") as batch:
        batch.drop_column("merged_into_id")
