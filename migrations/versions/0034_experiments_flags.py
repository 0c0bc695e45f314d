"""experiments: feature flags (experiments_flags), the ruleset version every change bumps,
the flags' change history and gray releases

Revision ID: 0034_experiments_flags
Revises: 0032_review_points
Create Date: 2026-12-05 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shoplet.core.db

revision: str = "0034_experiments_flags"
down_revision: str | None = "0033_experiments_assignment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = shoplet.core.db.UTCDateTime(timezone=True)


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "experiments_flags",
        sa.Column("id", BigId, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("variants", _json(), nullable=False),
        sa.Column("default_variant", sa.String(length=64), nullable=False),
        sa.Column("off_variant", sa.String(length=64), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("rules", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.CheckConstraint(
            "kind IN ('boolean', 'string')", name=op.f("ck_experiments_flags_kind_known")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_experiments_flags_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_flags")),
        sa.UniqueConstraint("key", name=op.f("uq_experiments_flags_key")),
    )
    op.create_table(
        "experiments_flags_ruleset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", BigId, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_flags_ruleset")),
    )
    op.create_table(
        "experiments_flags_change",
        sa.Column("id", BigId, nullable=False),
        sa.Column("flag_id", BigId, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("before", _json(), nullable=True),
        sa.Column("after", _json(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["experiments_flags.id"],
            name=op.f("fk_experiments_flags_change_flag_id_experiments_flags"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_flags_change")),
    )
    op.create_index(
        "ix_experiments_flags_change_flag_id_id",
        "experiments_flags_change",
        ["flag_id", "id"],
        unique=False,
    )
    op.create_table(
        "experiments_flags_release",
        sa.Column("id", BigId, nullable=False),
        sa.Column("flag_id", BigId, nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("steps", _json(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("hold_seconds", sa.Integer(), nullable=False),
        sa.Column("guardrails", _json(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("step_started_at", When, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'rolled_back')",
            name=op.f("ck_experiments_flags_release_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["experiments_flags.id"],
            name=op.f("fk_experiments_flags_release_flag_id_experiments_flags"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_flags_release")),
    )
    op.create_index(
        "ix_experiments_flags_release_flag_id_id",
        "experiments_flags_release",
        ["flag_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_experiments_flags_release_status",
        "experiments_flags_release",
        ["status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_experiments_flags_release_status", table_name="experiments_flags_release")
    op.drop_index("ix_experiments_flags_release_flag_id_id", table_name="experiments_flags_release")
    op.drop_table("experiments_flags_release")
    op.drop_index("ix_experiments_flags_change_flag_id_id", table_name="experiments_flags_change")
    op.drop_table("experiments_flags_change")
    op.drop_table("experiments_flags_ruleset")
    op.drop_table("experiments_flags")
