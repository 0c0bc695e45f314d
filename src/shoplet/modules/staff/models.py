"""Console tables: staff accounts, their passkeys, WebAuthn challenges, the sign-in policy and the
append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow

DetailJSON = JSON().with_variant(JSONB(), "postgresql")


class Staff(Base):
    __tablename__ = "staff_account"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'operator', 'support')", name="role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # TOTP secrets are encrypted with the PII key (SM4-GCM); the pending one awaits confirmation.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255), default=None)
    totp_pending_encrypted: Mapped[str | None] = mapped_column(String(255), default=None)
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Highest 30-second TOTP step accepted so far: a code is never accepted twice (replay guard).
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditLog(Base):
    """Who did what, when, from where. Rows are only ever inserted.

    Each row is a link of a hash chain (``audit_chain.py``, docs/audit.md): ``seq`` numbers the
    rows without gaps, ``hash = SM3(prev_hash || canonical row)``, ``prev_hash`` is the hash of
    row ``seq - 1`` (64 zeros for the first), so an edited, deleted or reordered row breaks it.
    """

    __tablename__ = "staff_audit_log"
    __table_args__ = (
        Index("ix_staff_audit_log_staff_id_id", "staff_id", "id"),
        Index("ix_staff_audit_log_action_id", "action", "id"),
        UniqueConstraint("seq", name="uq_staff_audit_log_seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_account.id"))
    # The acting (or, for refused sign-ins, the attempted) username, kept even if renamed later.
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(DetailJSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditChainHead(Base):
    """The one row (id 1) naming the chain's last link. Appending updates it first, so the row
    lock serialises concurrent appends (PostgreSQL) and a row deleted at the end still shows."""

    __tablename__ = "staff_audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed anchor of the chain: SM2 signature over (seq, hash, created_at) by the key named
    ``key_id``. Rewriting the chain before ``seq`` (even recomputing every hash) no longer
    matches a checkpoint, and a checkpoint cannot be forged without the private key."""

    __tablename__ = "staff_audit_checkpoint"
    __table_args__ = (UniqueConstraint("seq", name="uq_staff_audit_checkpoint_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Passkey(Base):
    """A staff member's WebAuthn credential (a passkey). Revoked ones are kept, never used."""

    __tablename__ = "staff_passkey"
    __table_args__ = (
        Index("ix_staff_passkey_staff_id_id", "staff_id", "id"),
        CheckConstraint("sign_count >= 0", name="sign_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_account.id"))
    # base64url of the authenticator's credential id (at most 1023 bytes by the spec).
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE_Key
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(50))
    aaguid: Mapped[str] = mapped_column(String(36))
    fmt: Mapped[str] = mapped_column(String(16))
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebAuthnChallenge(Base):
    """A challenge handed to the browser: expires, and is claimed (used_at) exactly once."""

    __tablename__ = "staff_webauthn_challenge"
    __table_args__ = (
        CheckConstraint("purpose IN ('register', 'login', 'step_up')", name="purpose_known"),
        Index("ix_staff_webauthn_challenge_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    # None: a passwordless sign-in, where the authenticator tells who it is.
    staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_account.id"))
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class AuthPolicy(Base):
    """The shop's console sign-in policy (one row, id 1; absent: the defaults)."""

    __tablename__ = "staff_auth_policy"
    __table_args__ = (
        CheckConstraint(
            "passkey_login IN ('second_factor', 'passwordless')", name="passkey_login_known"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # second_factor: password, then a passkey (or TOTP); passwordless: a passkey alone will do.
    passkey_login: Mapped[str] = mapped_column(String(16), default="second_factor")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
