"""Tables of the members module: shoppers, their refresh tokens, SMS login codes, addresses,
passkeys (H5) and their WebAuthn challenges.

Personal data (phone, recipient, detail address) is stored SM4-GCM encrypted (``ctx.pii``); the
phone also gets a blind index so a login by phone finds its member without decrypting anything.
"""

from __future__ import annotations

from datetime import date, datetime

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
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow

# Ciphertext of a short value: base64(version + nonce + data + tag), comfortably within 512.
CIPHERTEXT_LENGTH = 512
# Blind index / digests: 64 hex characters.
DIGEST_LENGTH = 64


class Member(Base):
    __tablename__ = "members_member"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    nickname: Mapped[str] = mapped_column(String(32))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    phone_encrypted: Mapped[str | None] = mapped_column(String(CIPHERTEXT_LENGTH))
    phone_index: Mapped[str | None] = mapped_column(String(DIGEST_LENGTH), unique=True)
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    wechat_unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    gender: Mapped[str] = mapped_column(String(8), default="unknown", server_default="unknown")
    birthday: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Set once, when this account was merged into another (one identity across channels).
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


class MemberMerge(Base):
    """One row per merge (the audit of 账号合并): ``from_member_id`` is unique, so an account is
    absorbed exactly once; ``moved`` counts what each owning module moved (orders, coupons,
    points, cart lines, addresses…)."""

    __tablename__ = "members_merge"
    __table_args__ = (Index("ix_members_merge_into_member_id", "into_member_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    from_member_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    into_member_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    moved: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefreshToken(Base):
    """One row per issued refresh token; rotation marks ``used_at``, logout marks ``revoked_at``.

    All tokens descending from one login share ``family_id``: presenting a token that was already
    rotated means it leaked (or a client raced itself), so the whole family is revoked.
    """

    __tablename__ = "members_refresh_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members_member.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    user_agent: Mapped[str] = mapped_column(String(255), default="", server_default="")


class LoginCode(Base):
    """The one live SMS code of a phone (keyed by the phone's blind index).

    Requesting a new code replaces the previous one; ``code_hash`` is a keyed hash, so a leaked
    table does not reveal codes even though they have only a million values.
    """

    __tablename__ = "members_login_code"

    phone_index: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    consumed_at: Mapped[datetime | None] = mapped_column()


class Address(Base):
    __tablename__ = "members_address"
    __table_args__ = (
        # At most one live default address per member, enforced by the database.
        Index(
            "uq_members_address_default",
            "member_id",
            unique=True,
            postgresql_where=text("is_default AND deleted_at IS NULL"),
            sqlite_where=text("is_default AND deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members_member.id", ondelete="CASCADE"), index=True
    )
    recipient_encrypted: Mapped[str] = mapped_column(String(CIPHERTEXT_LENGTH))
    phone_encrypted: Mapped[str] = mapped_column(String(CIPHERTEXT_LENGTH))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(6))
    detail_encrypted: Mapped[str] = mapped_column(String(1024))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    tag: Mapped[str | None] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()


class Passkey(Base):
    """A shopper's WebAuthn credential, registered from 设置 on H5. Revoked ones stay, unused."""

    __tablename__ = "members_passkey"
    __table_args__ = (
        Index("ix_members_passkey_member_id_id", "member_id", "id"),
        CheckConstraint("sign_count >= 0", name="sign_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members_member.id", ondelete="CASCADE")
    )
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE_Key
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(50))
    fmt: Mapped[str] = mapped_column(String(16))
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebAuthnChallenge(Base):
    """A challenge handed to the H5 page: expires, and is claimed (used_at) exactly once."""

    __tablename__ = "members_webauthn_challenge"
    __table_args__ = (
        CheckConstraint("purpose IN ('register', 'login')", name="purpose_known"),
        Index("ix_members_webauthn_challenge_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("members_member.id", ondelete="CASCADE")
    )
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
