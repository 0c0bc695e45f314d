"""staff: the tamper-evident audit chain (staff_audit_log.seq / prev_hash / hash, backfilled in
id order; staff_audit_chain_head: the chain's last link; staff_audit_checkpoint: SM2-signed
anchors)

Revision ID: 0047_audit_chain
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import hashes

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0047_audit_chain"
down_revision: str | None = "0050_media_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000


# Chain format 1, frozen here (shoplet.modules.staff.audit_chain may move on to a format 2; rows
# linked by this migration stay format 1 and that module keeps verifying them).
def _link_hash(prev_hash: str, row: Any, seq: int) -> str:
    created_at: datetime = row.created_at
    body = {
        "v": 1,
        "seq": seq,
        "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "staff_id": row.staff_id,
        "username": row.username,
        "action": row.action,
        "target": row.target,
        "detail": json.loads(json.dumps(dict(row.detail or {}), default=str)),
        "ip": row.ip,
        "user_agent": row.user_agent,
    }
    digest = hashes.Hash(hashes.SM3())
    digest.update(bytes.fromhex(prev_hash))
    digest.update(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    return digest.finalize().hex()


def _backfill() -> tuple[int, str]:
    log = sa.table(
        "staff_audit_log",
        sa.column("id", BigId),
        sa.column("staff_id", BigId),
        sa.column("username", sa.String),
        sa.column("action", sa.String),
        sa.column("target", sa.String),
        sa.column("detail", sa.JSON),
        sa.column("ip", sa.String),
        sa.column("user_agent", sa.String),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("seq", sa.BigInteger),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    bind = op.get_bind()
    seq, prev, after = 0, GENESIS, 0
    while True:
        rows = bind.execute(
            sa.select(log).where(log.c.id > after).order_by(log.c.id).limit(BATCH)
        ).all()
        for row in rows:
            seq += 1
            chain_hash = _link_hash(prev, row, seq)
            bind.execute(
                sa.update(log)
                .where(log.c.id == row.id)
                .values(seq=seq, prev_hash=prev, hash=chain_hash)
            )
            prev = chain_hash
        if len(rows) < BATCH:
            return seq, prev
        after = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("staff_audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    seq, head_hash = _backfill()
    with op.batch_alter_table("staff_audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_staff_audit_log_seq", ["seq"])
    op.create_table(
        "staff_audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_staff_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit_chain_head")),
    )
    op.create_table(
        "staff_audit_checkpoint",
        sa.Column("id", BigId, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit_checkpoint")),
        sa.UniqueConstraint("seq", name="uq_staff_audit_checkpoint_seq"),
    )
    head = sa.table(
        "staff_audit_chain_head",
        sa.column("id", sa.Integer),
        sa.column("seq", sa.BigInteger),
        sa.column("hash", sa.String),
    )
    op.execute(sa.insert(head).values(id=1, seq=seq, hash=head_hash))


def downgrade() -> None:
    op.drop_table("staff_audit_checkpoint")
    op.drop_table("staff_audit_chain_head")
    with op.batch_alter_table("staff_audit_log") as batch:
        batch.drop_constraint("uq_staff_audit_log_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
