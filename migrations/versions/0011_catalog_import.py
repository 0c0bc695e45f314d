"""catalog: product import (merchant SKU codes, brand and tags, import jobs)

Revision ID: 0011_catalog_import
Revises: 0010_loyalty_points
Create Date: 2026-12-03 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_catalog_import"
down_revision: str | None = "0010_loyalty_points"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "kind IN ('publish', 'unpublish', 'price', 'stock')"
KINDS_AFTER = "kind IN ('publish', 'unpublish', 'price', 'stock', 'import')"


def upgrade() -> None:
    with op.batch_alter_table("catalog_product") as batch:
        batch.add_column(
            sa.Column("brand", sa.String(length=50), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("tags", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    op.create_index("ix_catalog_product_title", "catalog_product", ["title"], unique=False)
    with op.batch_alter_table("catalog_sku") as batch:
        batch.add_column(sa.Column("sku_code", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_catalog_sku_sku_code"), ["sku_code"])
    with op.batch_alter_table("catalog_bulk_job") as batch:
        batch.drop_constraint(op.f("ck_catalog_bulk_job_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_catalog_bulk_job_kind"), KINDS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM catalog_bulk_job WHERE kind = 'import'")
    with op.batch_alter_table("catalog_bulk_job") as batch:
        batch.drop_constraint(op.f("ck_catalog_bulk_job_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_catalog_bulk_job_kind"), KINDS_BEFORE)
    with op.batch_alter_table("catalog_sku") as batch:
        batch.drop_constraint(op.f("uq_catalog_sku_sku_code"), type_="unique")
        batch.drop_column("sku_code")
    op.drop_index("ix_catalog_product_title", table_name="catalog_product")
    with op.batch_alter_table("catalog_product") as batch:
        batch.drop_column("tags")
        batch.drop_column("brand")
