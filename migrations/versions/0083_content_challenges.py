"""content: topic challenges (content_challenge, content_challenge_prize,
content_challenge_winner), challenge notices (content_notice.topic_id; question and product
optional), loyalty ledger reason ``challenge``

Revision ID: 0083_content_challenges
Revises: 0082_wecom_groups_broadcasts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0083_content_challenges"
down_revision: str | None = "0082_wecom_groups_broadcasts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REASONS = "'order', 'signin', 'refund', 'spend_return', 'expiry', 'staff', 'mall', 'review', "
REASONS_BEFORE = f"reason IN ({_REASONS}'achievement')"
REASONS_AFTER = f"reason IN ({_REASONS}'achievement', 'challenge')"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = shoplet.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_challenge",
        sa.Column("id", _ID, nullable=False),
        sa.Column("topic_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", _AT, nullable=False),
        sa.Column("ends_at", _AT, nullable=False),
        sa.Column("rules", sa.String(length=1000), nullable=False),
        sa.Column("settled_at", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_content_challenge_window_ordered")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_challenge")),
        sa.UniqueConstraint("topic_id", name=op.f("uq_content_challenge_topic_id")),
    )
    op.create_index(
        "ix_content_challenge_settled_at_ends_at",
        "content_challenge",
        ["settled_at", "ends_at"],
        unique=False,
    )
    op.create_table(
        "content_challenge_prize",
        sa.Column("id", _ID, nullable=False),
        sa.Column("challenge_id", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("coupon_template_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_content_challenge_prize_rank_positive")),
        sa.CheckConstraint(
            "points >= 0", name=op.f("ck_content_challenge_prize_points_non_negative")
        ),
        sa.CheckConstraint(
            "points > 0 OR coupon_template_id IS NOT NULL",
            name=op.f("ck_content_challenge_prize_not_empty"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_challenge_prize")),
        sa.UniqueConstraint(
            "challenge_id", "rank", name=op.f("uq_content_challenge_prize_challenge_id_rank")
        ),
    )
    op.create_table(
        "content_challenge_winner",
        sa.Column("id", _ID, nullable=False),
        sa.Column("challenge_id", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("nickname", sa.String(length=32), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("coupon_template_id", sa.BigInteger(), nullable=True),
        sa.Column("coupon_skipped", sa.String(length=64), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_challenge_winner")),
        sa.UniqueConstraint(
            "challenge_id", "rank", name=op.f("uq_content_challenge_winner_challenge_id_rank")
        ),
        sa.UniqueConstraint(
            "challenge_id",
            "member_id",
            name=op.f("uq_content_challenge_winner_challenge_id_member_id"),
        ),
    )
    op.create_index(
        "ix_content_challenge_winner_member_id",
        "content_challenge_winner",
        ["member_id"],
        unique=False,
    )
    with op.batch_alter_table("content_notice") as batch:
        batch.alter_column("question_id", existing_type=sa.BigInteger(), nullable=True)
        batch.alter_column("product_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("topic_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("loyalty_points_entry") as batch:
        batch.drop_constraint(op.f("ck_loyalty_points_entry_reason_known"), type_="check")
        batch.create_check_constraint(op.f("ck_loyalty_points_entry_reason_known"), REASONS_AFTER)


def downgrade() -> None:
    op.execute("UPDATE loyalty_points_entry SET reason = 'staff' WHERE reason = 'challenge'")
    with op.batch_alter_table("loyalty_points_entry") as batch:
        batch.drop_constraint(op.f("ck_loyalty_points_entry_reason_known"), type_="check")
        batch.create_check_constraint(op.f("ck_loyalty_points_entry_reason_known"), REASONS_BEFORE)
    op.execute("DELETE FROM content_notice WHERE question_id IS NULL OR product_id IS NULL")
    with op.batch_alter_table("content_notice") as batch:
        batch.drop_column("topic_id")
        batch.alter_column("product_id", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("question_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_index("ix_content_challenge_winner_member_id", table_name="content_challenge_winner")
    op.drop_table("content_challenge_winner")
    op.drop_table("content_challenge_prize")
    op.drop_index("ix_content_challenge_settled_at_ends_at", table_name="content_challenge")
    op.drop_table("content_challenge")
