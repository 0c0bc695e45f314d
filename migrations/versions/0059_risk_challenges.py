"""risk: shopper challenges (risk_challenge: the texted code, hashed, its attempts, and the
single-use grant that lets the refused action through once)

Revision ID: 0059_risk_challenges
Revises: 0057_scan_to_buy
Create Date: 2026-12-05 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0059_risk_challenges"
down_revision: str | None = "0057_scan_to_buy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_challenge",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.BigInteger(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("grant_hash", sa.String(64), nullable=True),
        sa.Column("grant_expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("grant_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_challenge")),
        sa.UniqueConstraint("token", name=op.f("uq_risk_challenge_token")),
        sa.UniqueConstraint("grant_hash", name=op.f("uq_risk_challenge_grant_hash")),
    )


def downgrade() -> None:
    op.drop_table("risk_challenge")
