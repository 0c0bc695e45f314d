"""Open-platform tables.

``openapi_app`` is a partner app (a later slice subscribes apps to webhooks on it).
``openapi_secret`` holds an app's signing secrets, SM4-encrypted (``core.security.PiiCipher``):
several are valid at once only during a rotation's overlap, until the old one's ``expires_at``.
``openapi_token`` keeps only the SHA-256 of each OAuth2 bearer token. ``openapi_idempotency``
remembers the first answer to each ``Idempotency-Key`` of an app; the unique key makes a
concurrent retry wait for the first one's commit and then replay it. ``openapi_access_log`` is
append-only, written in batches after the responses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId


class App(Base):
    __tablename__ = "openapi_app"
    __table_args__ = (
        UniqueConstraint("app_key"),
        CheckConstraint("rate_limit_per_minute >= 1", name="rate_limit_positive"),
        CheckConstraint(
            "revenue_share_bp >= 0 AND revenue_share_bp <= 10000", name="revenue_share_range"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    app_key: Mapped[str] = mapped_column(String(40))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    ip_allowlist: Mapped[list[str]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean)
    # The partner's share of the revenue its co-branded items bring, in basis points (万分之),
    # set by the merchant: 250 = 2.5 %.
    revenue_share_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Secret(Base):
    __tablename__ = "openapi_secret"
    __table_args__ = (Index("ix_openapi_secret_app_id_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # The last four characters, so the console can tell secrets apart without showing them.
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    # None: valid until a rotation sets it; a secret is accepted while ``now < expires_at``.
    expires_at: Mapped[datetime | None]


class Token(Base):
    __tablename__ = "openapi_token"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_openapi_token_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class IdempotentRequest(Base):
    __tablename__ = "openapi_idempotency"
    __table_args__ = (
        UniqueConstraint("app_id", "key"),
        Index("ix_openapi_idempotency_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(100))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AccessLog(Base):
    __tablename__ = "openapi_access_log"
    __table_args__ = (
        Index("ix_openapi_access_log_app_id_id", "app_id", "id"),
        Index("ix_openapi_access_log_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int | None] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    ip: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


WEBHOOK_DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed", "dead")
WEBHOOK_ATTEMPT_OUTCOMES = ("ok", "retry", "failed", "dead", "abandoned")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Webhook(Base):
    """An app's subscription: the event types it wants POSTed to ``url``, signed with its own
    secret (SM4-encrypted like the app secret, the console shows only ``secret_hint``)."""

    __tablename__ = "openapi_webhook"
    __table_args__ = (Index("ix_openapi_webhook_app_id_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(8))
    # After a rotation, the secret it replaced: deliveries carry its signature too (in
    # ``X-Shoplet-Signature-Previous``) while ``now < previous_secret_expires_at``.
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_hint: Mapped[str | None] = mapped_column(String(8), default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event for one subscription, delivered at least once.

    ``(webhook_id, event_id)`` is unique, so a redelivered outbox event queues nothing twice.
    A worker claims a due row by a conditional update that sets ``status = 'sending'``, a fresh
    ``lease_token`` and ``lease_until``, and commits before it sends; it records the answer only
    while its token still holds. A worker that dies between the two leaves the row ``sending``
    with an expired lease, which the next claim takes again: the receiver then sees the same
    event id a second time (receivers dedupe on it). ``round_attempts`` counts the sends since
    the row was last (re)queued and walks the retry schedule; ``attempts`` counts them all.
    """

    __tablename__ = "openapi_webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        CheckConstraint(_in("status", WEBHOOK_DELIVERY_STATUSES), name="status_known"),
        Index("ix_openapi_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_openapi_webhook_delivery_app_id_id", "app_id", "id"),
        Index("ix_openapi_webhook_delivery_webhook_occurred", "webhook_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_webhook.id"))
    app_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(100))
    # The JSON body as sent (``{"id", "type", "occurred_at", "data"}``), kept so a resend or a
    # replay sends the very same event after the outbox row is long gone.
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    round_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_latency_ms: Mapped[float | None] = mapped_column(Float)
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookAttempt(Base):
    """One POST of a delivery (append-only but for its own outcome): written when the worker
    claims the delivery (``outcome`` NULL while in flight), completed when the answer is
    recorded; ``abandoned`` when its worker died and the delivery was claimed again."""

    __tablename__ = "openapi_webhook_attempt"
    __table_args__ = (
        CheckConstraint(
            f"outcome IS NULL OR {_in('outcome', WEBHOOK_ATTEMPT_OUTCOMES)}", name="outcome_known"
        ),
        Index("ix_openapi_webhook_attempt_delivery_id_id", "delivery_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_webhook_delivery.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    lease_token: Mapped[str] = mapped_column(String(36))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(12))
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(300))
    response_excerpt: Mapped[str | None] = mapped_column(String(500))


COBRAND_KINDS = ("bundle", "coupon")


class CobrandItem(Base):
    """A promotions object a partner app created through ``/open/v1/cobrand``: a bundle (a
    ``promotions_promotion`` of kind ``bundle``) or a coupon template. Orders that use it are
    attributed to the app."""

    __tablename__ = "openapi_cobrand_item"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        CheckConstraint(_in("kind", COBRAND_KINDS), name="kind_known"),
        Index("ix_openapi_cobrand_item_app_id_id", "app_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    kind: Mapped[str] = mapped_column(String(12))
    # promotions_promotion.id (bundle) or promotions_coupon_template.id (coupon)
    ref_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class CobrandRedemption(Base):
    """A paid order that used one or more of an app's co-branded items (one row per app and
    order, so a redelivered ``order.paid`` records nothing twice): what was paid, what the
    items took off, what was refunded since. The revenue-share report sums these."""

    __tablename__ = "openapi_cobrand_redemption"
    __table_args__ = (
        UniqueConstraint("app_id", "order_no"),
        CheckConstraint(
            "amount >= 0 AND discount >= 0 AND refunded >= 0", name="amounts_non_negative"
        ),
        Index("ix_openapi_cobrand_redemption_app_paid", "app_id", "paid_at"),
        Index("ix_openapi_cobrand_redemption_order_no", "order_no"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    order_no: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(BigInteger)
    # [{"kind", "ref_id", "name", "discount"}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    amount: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(Integer)
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime]
    created_at: Mapped[datetime]
