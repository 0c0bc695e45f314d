"""social: KOL discovery (social_kol_run, social_kol_score, social_kol_invite); bargains claim
their per-shopper limit in social_quota (play 'bargain', backfilled from held bargains); indexes
for the bargain cut's risk signals; a withdrawal's payee name (encrypted and masked), which WeChat
needs for transfers from ¥2,000; group buys' 模拟成团 (auto_fill, auto_fill_min; a group's
auto_filled seats)

Revision ID: 0036_social_kol
Revises: 0034_experiments_flags
Create Date: 2026-12-05 00:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0036_social_kol"
down_revision: str | None = "0034_experiments_flags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAYS_BEFORE = "play IN ('groupbuy', 'crowdfunding')"
PLAYS_AFTER = "play IN ('groupbuy', 'crowdfunding', 'bargain')"


def upgrade() -> None:
    op.create_table(
        "social_kol_run",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("edges", sa.Integer(), nullable=False),
        sa.Column("communities", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("triggered_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done')", name=op.f("ck_social_kol_run_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_kol_run")),
    )
    op.create_table(
        "social_kol_score",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("pagerank", sa.Float(), nullable=False),
        sa.Column("brought", sa.Integer(), nullable=False),
        sa.Column("reach_2", sa.Integer(), nullable=False),
        sa.Column("converted", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("community", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_kol_score")),
        sa.UniqueConstraint(
            "run_id", "member_id", name=op.f("uq_social_kol_score_run_id_member_id")
        ),
    )
    op.create_index(
        "ix_social_kol_score_run_id_rank", "social_kol_score", ["run_id", "rank"], unique=False
    )
    op.create_table(
        "social_kol_invite",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("play", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("coupon_template_id", sa.BigInteger(), nullable=True),
        sa.Column("coupon_issued", sa.Boolean(), nullable=False),
        sa.Column("invited_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('promoter', 'campaign')", name=op.f("ck_social_kol_invite_kind_known")
        ),
        sa.CheckConstraint(
            "play IN ('', 'groupbuy', 'bargain', 'crowdfunding')",
            name=op.f("ck_social_kol_invite_play_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_kol_invite")),
        sa.UniqueConstraint(
            "member_id",
            "kind",
            "play",
            "campaign_id",
            name=op.f("uq_social_kol_invite_member_id_kind_play_campaign_id"),
        ),
    )
    op.create_index(
        "ix_social_kol_invite_play_campaign_id",
        "social_kol_invite",
        ["play", "campaign_id"],
        unique=False,
    )
    for name, columns in (
        ("ix_social_bargain_cut_helper_member_id_created_at", ["helper_member_id", "created_at"]),
        ("ix_social_bargain_cut_ip_created_at", ["ip", "created_at"]),
        ("ix_social_bargain_cut_device_id_created_at", ["device_id", "created_at"]),
    ):
        op.create_index(name, "social_bargain_cut", columns, unique=False)
    with op.batch_alter_table("social_campaign") as batch:
        batch.add_column(
            sa.Column("auto_fill", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("auto_fill_min", sa.Integer(), server_default="1", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_social_campaign_auto_fill_min_valid"),
            "auto_fill_min >= 1 AND auto_fill_min < group_size",
        )
    op.add_column(
        "social_group",
        sa.Column("auto_filled", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "social_dist_withdrawal",
        sa.Column("payee_name_encrypted", sa.String(length=512), nullable=True),
    )
    op.add_column(
        "social_dist_withdrawal",
        sa.Column("payee_name_masked", sa.String(length=40), nullable=True),
    )
    with op.batch_alter_table("social_quota") as batch:
        batch.drop_constraint(op.f("ck_social_quota_play_known"), type_="check")
        batch.create_check_constraint(op.f("ck_social_quota_play_known"), PLAYS_AFTER)
    # Bargains held now (open, ordered or paid) count against their campaign's limit.
    op.execute(
        "INSERT INTO social_quota (play, campaign_id, member_id, used) "
        "SELECT 'bargain', campaign_id, member_id, COUNT(*) FROM social_bargain "
        "WHERE status IN ('open', 'ordered', 'paid') GROUP BY campaign_id, member_id"
    )


def downgrade() -> None:
    op.drop_column("social_group", "auto_filled")
    with op.batch_alter_table("social_campaign") as batch:
        batch.drop_constraint(op.f("ck_social_campaign_auto_fill_min_valid"), type_="check")
        batch.drop_column("auto_fill_min")
        batch.drop_column("auto_fill")
    with op.batch_alter_table("social_dist_withdrawal") as batch:
        batch.drop_column("payee_name_masked")
        batch.drop_column("payee_name_encrypted")
    op.execute("DELETE FROM social_quota WHERE play = 'bargain'")
    with op.batch_alter_table("social_quota") as batch:
        batch.drop_constraint(op.f("ck_social_quota_play_known"), type_="check")
        batch.create_check_constraint(op.f("ck_social_quota_play_known"), PLAYS_BEFORE)
    for name in (
        "ix_social_bargain_cut_device_id_created_at",
        "ix_social_bargain_cut_ip_created_at",
        "ix_social_bargain_cut_helper_member_id_created_at",
    ):
        op.drop_index(name, table_name="social_bargain_cut")
    op.drop_index("ix_social_kol_invite_play_campaign_id", table_name="social_kol_invite")
    op.drop_table("social_kol_invite")
    op.drop_index("ix_social_kol_score_run_id_rank", table_name="social_kol_score")
    op.drop_table("social_kol_score")
    op.drop_table("social_kol_run")
