"""passkeys: staff and shopper WebAuthn credentials (staff_passkey, members_passkey), their
server-side challenges (staff_webauthn_challenge, members_webauthn_challenge: expire, spent
once) and the console sign-in policy (staff_auth_policy: a passkey as second factor only, or
passwordless)

Revision ID: 0046_passkeys
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0046_passkeys"
down_revision: str | None = "0045_moderation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_passkey",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("staff_id", BigId, nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("fmt", sa.String(length=16), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "sign_count >= 0", name=op.f("ck_staff_passkey_sign_count_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_account.id"], name=op.f("fk_staff_passkey_staff_id_staff_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_passkey")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_staff_passkey_credential_id")),
    )
    op.create_index("ix_staff_passkey_staff_id_id", "staff_passkey", ["staff_id", "id"])
    op.create_table(
        "staff_webauthn_challenge",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("challenge", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('register', 'login', 'step_up')",
            name=op.f("ck_staff_webauthn_challenge_purpose_known"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_account.id"],
            name=op.f("fk_staff_webauthn_challenge_staff_id_staff_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_webauthn_challenge")),
    )
    op.create_index(
        "ix_staff_webauthn_challenge_expires_at", "staff_webauthn_challenge", ["expires_at"]
    )
    op.create_table(
        "staff_auth_policy",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("passkey_login", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "passkey_login IN ('second_factor', 'passwordless')",
            name=op.f("ck_staff_auth_policy_passkey_login_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_auth_policy")),
    )
    op.create_table(
        "members_passkey",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("fmt", sa.String(length=16), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "sign_count >= 0", name=op.f("ck_members_passkey_sign_count_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_member.id"],
            name=op.f("fk_members_passkey_member_id_members_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_passkey")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_members_passkey_credential_id")),
    )
    op.create_index("ix_members_passkey_member_id_id", "members_passkey", ["member_id", "id"])
    op.create_table(
        "members_webauthn_challenge",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("member_id", BigId, nullable=True),
        sa.Column("challenge", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('register', 'login')",
            name=op.f("ck_members_webauthn_challenge_purpose_known"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members_member.id"],
            name=op.f("fk_members_webauthn_challenge_member_id_members_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members_webauthn_challenge")),
    )
    op.create_index(
        "ix_members_webauthn_challenge_expires_at", "members_webauthn_challenge", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(
        "ix_members_webauthn_challenge_expires_at", table_name="members_webauthn_challenge"
    )
    op.drop_table("members_webauthn_challenge")
    op.drop_index("ix_members_passkey_member_id_id", table_name="members_passkey")
    op.drop_table("members_passkey")
    op.drop_table("staff_auth_policy")
    op.drop_index("ix_staff_webauthn_challenge_expires_at", table_name="staff_webauthn_challenge")
    op.drop_table("staff_webauthn_challenge")
    op.drop_index("ix_staff_passkey_staff_id_id", table_name="staff_passkey")
    op.drop_table("staff_passkey")
