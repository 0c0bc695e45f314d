"""experiments: layers, experiments and arms, exposures, attributed orders, decision log,
bandit allocations, ruleset version

Revision ID: 0033_experiments_assignment
Revises: 0032_review_points
Create Date: 2026-12-04 23:53:51.712537
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import shoplet.core.db


revision: str = "0033_experiments_assignment"
down_revision: str | None = "0032_review_points"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiments_layer",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("salt", sa.String(length=40), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_layer")),
        sa.UniqueConstraint("key", name=op.f("uq_experiments_layer_key")),
    )
    op.create_table(
        "experiments_ruleset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_ruleset")),
    )
    op.create_table(
        "experiments_experiment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("layer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("hypothesis", sa.String(length=500), nullable=False),
        sa.Column("primary_metric", sa.String(length=24), nullable=False),
        sa.Column("guardrail_metrics", sa.JSON(), nullable=False),
        sa.Column("salt", sa.String(length=40), nullable=False),
        sa.Column("bucket_start", sa.Integer(), nullable=False),
        sa.Column("bucket_end", sa.Integer(), nullable=False),
        sa.Column("traffic_percent", sa.Integer(), nullable=False),
        sa.Column("holdout_percent", sa.Integer(), nullable=False),
        sa.Column("targeting", sa.JSON(), nullable=False),
        sa.Column("allocation", sa.String(length=8), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("winner_arm_id", sa.BigInteger(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("started_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "allocation IN ('fixed', 'bandit')",
            name=op.f("ck_experiments_experiment_allocation_known"),
        ),
        sa.CheckConstraint(
            "policy IN ('thompson', 'epsilon_greedy', 'ucb1')",
            name=op.f("ck_experiments_experiment_policy_known"),
        ),
        sa.CheckConstraint(
            "primary_metric IN ('conversion', 'revenue_per_visitor', 'aov')",
            name=op.f("ck_experiments_experiment_metric_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'running', 'paused', 'stopped')",
            name=op.f("ck_experiments_experiment_status_known"),
        ),
        sa.CheckConstraint(
            "bucket_start >= 0 AND bucket_start < bucket_end AND bucket_end <= 1000",
            name=op.f("ck_experiments_experiment_buckets_valid"),
        ),
        sa.CheckConstraint(
            "holdout_percent >= 0 AND holdout_percent <= 50",
            name=op.f("ck_experiments_experiment_holdout_valid"),
        ),
        sa.CheckConstraint(
            "traffic_percent >= 1 AND traffic_percent <= 100",
            name=op.f("ck_experiments_experiment_traffic_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["layer_id"],
            ["experiments_layer.id"],
            name=op.f("fk_experiments_experiment_layer_id_experiments_layer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_experiment")),
    )
    op.create_index(
        "ix_experiments_experiment_layer_status",
        "experiments_experiment",
        ["layer_id", "status"],
        unique=False,
    )
    op.create_table(
        "experiments_allocation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("computed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiment.id"],
            name=op.f("fk_experiments_allocation_experiment_id_experiments_experiment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_allocation")),
    )
    op.create_index(
        "ix_experiments_allocation_experiment",
        "experiments_allocation",
        ["experiment_id", "id"],
        unique=False,
    )
    op.create_table(
        "experiments_arm",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.BigInteger(), nullable=False),
        sa.Column("conversions", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("revenue_squares", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "visitors >= 0 AND conversions >= 0 AND orders >= 0",
            name=op.f("ck_experiments_arm_counts_valid"),
        ),
        sa.CheckConstraint(
            "weight >= 0 AND weight <= 10000", name=op.f("ck_experiments_arm_weight_valid")
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiment.id"],
            name=op.f("fk_experiments_arm_experiment_id_experiments_experiment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_arm")),
        sa.UniqueConstraint(
            "experiment_id", "key", name=op.f("uq_experiments_arm_experiment_id_key")
        ),
    )
    op.create_table(
        "experiments_decision",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("winner_arm_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('create', 'edit', 'start', 'pause', 'stop', 'ramp')",
            name=op.f("ck_experiments_decision_action_known"),
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiment.id"],
            name=op.f("fk_experiments_decision_experiment_id_experiments_experiment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_decision")),
    )
    op.create_index(
        "ix_experiments_decision_experiment",
        "experiments_decision",
        ["experiment_id", "id"],
        unique=False,
    )
    op.create_table(
        "experiments_exposure",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("arm_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("exposed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["arm_id"],
            ["experiments_arm.id"],
            name=op.f("fk_experiments_exposure_arm_id_experiments_arm"),
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiment.id"],
            name=op.f("fk_experiments_exposure_experiment_id_experiments_experiment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_exposure")),
        sa.UniqueConstraint(
            "experiment_id", "unit", name=op.f("uq_experiments_exposure_experiment_id_unit")
        ),
    )
    op.create_index("ix_experiments_exposure_unit", "experiments_exposure", ["unit"], unique=False)
    op.create_table(
        "experiments_order",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("arm_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("order_no", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("is_counted", sa.Boolean(), nullable=False),
        sa.Column("paid_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_experiments_order_amount_valid")),
        sa.ForeignKeyConstraint(
            ["arm_id"],
            ["experiments_arm.id"],
            name=op.f("fk_experiments_order_arm_id_experiments_arm"),
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiment.id"],
            name=op.f("fk_experiments_order_experiment_id_experiments_experiment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_order")),
        sa.UniqueConstraint(
            "experiment_id", "order_no", name=op.f("uq_experiments_order_experiment_id_order_no")
        ),
    )
    op.create_index(
        "ix_experiments_order_order_no", "experiments_order", ["order_no"], unique=False
    )
    op.create_table(
        "experiments_unit_metric",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("arm_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arm_id"],
            ["experiments_arm.id"],
            name=op.f("fk_experiments_unit_metric_arm_id_experiments_arm"),
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiment.id"],
            name=op.f("fk_experiments_unit_metric_experiment_id_experiments_experiment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_unit_metric")),
        sa.UniqueConstraint(
            "experiment_id", "unit", name=op.f("uq_experiments_unit_metric_experiment_id_unit")
        ),
    )


def downgrade() -> None:
    op.drop_table("experiments_unit_metric")
    op.drop_index("ix_experiments_order_order_no", table_name="experiments_order")
    op.drop_table("experiments_order")
    op.drop_index("ix_experiments_exposure_unit", table_name="experiments_exposure")
    op.drop_table("experiments_exposure")
    op.drop_index("ix_experiments_decision_experiment", table_name="experiments_decision")
    op.drop_table("experiments_decision")
    op.drop_table("experiments_arm")
    op.drop_index("ix_experiments_allocation_experiment", table_name="experiments_allocation")
    op.drop_table("experiments_allocation")
    op.drop_index("ix_experiments_experiment_layer_status", table_name="experiments_experiment")
    op.drop_table("experiments_experiment")
    op.drop_table("experiments_ruleset")
    op.drop_table("experiments_layer")
