"""staff: console_* tables renamed after the modules that own them

``console_staff`` → ``staff_account``, ``console_audit_log`` → ``staff_audit_log`` (staff module),
``console_export_job`` → ``orders_export_job`` (orders module). Rows stay where they are: tables,
indexes, constraints and sequences are renamed in place (SQLite rewrites the foreign keys that
name a renamed table itself).

Revision ID: 0003_staff_tables
Revises: 0002_aftersale_claims
Create Date: 2026-12-03 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_staff_tables"
down_revision: str | None = "0002_aftersale_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (old table, new table, {old constraint suffix: new constraint suffix} beyond pk/ck/uq renames)
TABLES: tuple[tuple[str, str], ...] = (
    ("console_staff", "staff_account"),
    ("console_audit_log", "staff_audit_log"),
    ("console_export_job", "orders_export_job"),
)
# (table after the rename, old index, new index, columns)
INDEXES: tuple[tuple[str, str, str, list[str]], ...] = (
    (
        "staff_audit_log",
        "ix_console_audit_log_staff_id_id",
        "ix_staff_audit_log_staff_id_id",
        ["staff_id", "id"],
    ),
    (
        "staff_audit_log",
        "ix_console_audit_log_action_id",
        "ix_staff_audit_log_action_id",
        ["action", "id"],
    ),
    (
        "orders_export_job",
        "ix_console_export_job_status_id",
        "ix_orders_export_job_status_id",
        ["status", "id"],
    ),
    (
        "orders_export_job",
        "ix_console_export_job_staff_id_id",
        "ix_orders_export_job_staff_id_id",
        ["staff_id", "id"],
    ),
)
# PostgreSQL keeps constraint names across a table rename: (table after the rename, old, new).
CONSTRAINTS: tuple[tuple[str, str, str], ...] = (
    ("staff_account", "pk_console_staff", "pk_staff_account"),
    ("staff_account", "uq_console_staff_username", "uq_staff_account_username"),
    ("staff_account", "ck_console_staff_role", "ck_staff_account_role"),
    (
        "staff_account",
        "ck_console_staff_failed_logins_non_negative",
        "ck_staff_account_failed_logins_non_negative",
    ),
    ("staff_audit_log", "pk_console_audit_log", "pk_staff_audit_log"),
    (
        "staff_audit_log",
        "fk_console_audit_log_staff_id_console_staff",
        "fk_staff_audit_log_staff_id_staff_account",
    ),
    ("orders_export_job", "pk_console_export_job", "pk_orders_export_job"),
    ("orders_export_job", "ck_console_export_job_status", "ck_orders_export_job_status"),
    ("orders_export_job", "ck_console_export_job_counts", "ck_orders_export_job_counts"),
    (
        "orders_export_job",
        "fk_console_export_job_staff_id_console_staff",
        "fk_orders_export_job_staff_id_staff_account",
    ),
)


def _rename(
    tables: Sequence[tuple[str, str]],
    indexes: Sequence[tuple[str, str, str, list[str]]],
    constraints: Sequence[tuple[str, str, str]],
) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for old, new in tables:
        op.rename_table(old, new)
        if postgres:
            op.execute(f'ALTER SEQUENCE IF EXISTS "{old}_id_seq" RENAME TO "{new}_id_seq"')
    for table, old, new, columns in indexes:
        if postgres:
            op.execute(f'ALTER INDEX "{old}" RENAME TO "{new}"')
        else:
            op.drop_index(old, table_name=table)
            op.create_index(new, table, columns, unique=False)
    for table, old, new in constraints:
        if postgres:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')
        elif old.startswith("uq_"):
            # SQLite compares unique constraints by name and cannot rename one: rebuild the table.
            op.execute("PRAGMA foreign_keys=OFF")
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.drop_constraint(old, type_="unique")
                batch.create_unique_constraint(new, ["username"])
            op.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    _rename(TABLES, INDEXES, CONSTRAINTS)


def downgrade() -> None:
    back = {new: old for old, new in TABLES}
    _rename(
        [(new, old) for old, new in TABLES],
        [(back[table], new, old, columns) for table, old, new, columns in INDEXES],
        [(back[table], new, old) for table, old, new in CONSTRAINTS],
    )
