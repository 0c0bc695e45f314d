"""Promotions tables: coupon templates, the coupons shoppers hold, and one redemption row per
order that used a coupon (the snapshot of the rule and its per-line allocation).

Counters move only through conditional UPDATEs in ``repository.py``: ``claimed`` never passes
``total_quota`` (a CHECK backs the ``WHERE claimed < total_quota``), and a coupon's ``state``
changes only ``WHERE state = :expected``.
"""

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
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

KINDS = ("threshold", "discount", "no_threshold", "shipping")
SCOPES = ("all", "products", "categories")
TEMPLATE_STATUSES = ("draft", "active", "stopped")
COUPON_STATES = ("unused", "locked", "used", "expired", "void")
COUPON_SOURCES = ("claim", "issue")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CouponTemplate(Base):
    """What a coupon offers and who may hold how many. ``threshold``: the spend (fen, over the
    lines in scope) it needs; ``amount``: fen off (threshold, no_threshold), the cap of a
    discount (None: no cap) or of the shipping fee waived; ``rate_permille``: what a discount
    coupon leaves to pay (850 = 8.5 折). Validity: fixed ``valid_from``..``valid_to`` or
    ``valid_days`` from the claim."""

    __tablename__ = "promotions_coupon_template"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("scope", SCOPES), name="scope_known"),
        CheckConstraint(_in("status", TEMPLATE_STATUSES), name="status_known"),
        CheckConstraint("threshold >= 0", name="threshold_non_negative"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint(
            "rate_permille IS NULL OR (rate_permille >= 1 AND rate_permille <= 999)",
            name="rate_in_range",
        ),
        CheckConstraint("total_quota >= 1", name="quota_positive"),
        CheckConstraint("per_shopper_limit >= 1", name="limit_positive"),
        CheckConstraint("claimed >= 0 AND claimed <= total_quota", name="claimed_within_quota"),
        CheckConstraint("used >= 0 AND used <= claimed", name="used_within_claimed"),
        CheckConstraint(
            "valid_days IS NOT NULL OR (valid_from IS NOT NULL AND valid_to IS NOT NULL)",
            name="validity_given",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to > valid_from",
            name="valid_to_after_from",
        ),
        Index("ix_promotions_coupon_template_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[int] = mapped_column(BigInteger, default=0)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    rate_permille: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(16))
    scope_ids: Mapped[list[int]] = mapped_column(JSON)
    is_new_customer_only: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    valid_days: Mapped[int | None] = mapped_column(Integer)
    total_quota: Mapped[int] = mapped_column(Integer)
    per_shopper_limit: Mapped[int] = mapped_column(Integer)
    is_claimable: Mapped[bool] = mapped_column(Boolean)
    # False: the coupon never combines with store-wide promotions (the better one applies).
    stackable_with_promotions: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Coupon(Base):
    """A shopper's copy of a template. ``seq`` numbers a member's copies of one template, so the
    unique (template, member, seq) makes two concurrent claims of the same copy collide instead
    of passing the per-shopper limit. ``order_no`` is set while locked by or used on an order."""

    __tablename__ = "promotions_coupon"
    __table_args__ = (
        UniqueConstraint("template_id", "member_id", "seq"),
        CheckConstraint(_in("state", COUPON_STATES), name="state_known"),
        CheckConstraint(_in("source", COUPON_SOURCES), name="source_known"),
        CheckConstraint("valid_to > valid_from", name="valid_to_after_from"),
        CheckConstraint(
            "(state IN ('locked', 'used')) = (order_no IS NOT NULL)", name="order_when_spent"
        ),
        Index("ix_promotions_coupon_member_id_state_id", "member_id", "state", "id"),
        Index("ix_promotions_coupon_order_no", "order_no"),
        Index("ix_promotions_coupon_template_id_id", "template_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_coupon_template.id", ondelete="RESTRICT")
    )
    member_id: Mapped[int] = mapped_column(BigId)
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime]
    order_no: Mapped[str | None] = mapped_column(String(32))
    issued_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime]
    locked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[str | None] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(String(200))


class Redemption(Base):
    """Append-only: a coupon applied to an order, with the rule as it was (template name,
    kind, threshold, amount, rate), what it took off, and how that was split over the order's
    lines ({sku_id: fen}), so after-sales refunds never recompute it. ``returned_at``: the
    order was cancelled or fully refunded and the coupon given back (or expired)."""

    __tablename__ = "promotions_redemption"
    __table_args__ = (
        UniqueConstraint("order_no"),
        CheckConstraint("discount >= 0 AND shipping_discount >= 0", name="amounts_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_coupon.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int] = mapped_column(BigId)
    order_no: Mapped[str] = mapped_column(String(32))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    discount: Mapped[int] = mapped_column(BigInteger)
    shipping_discount: Mapped[int] = mapped_column(BigInteger)
    line_discounts: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]


# -- codes, voiding and segment jobs (service/codes.py, voiding.py, segments.py) ----------------

CODE_KINDS = ("one_time", "shared")
BATCH_STATUSES = ("active", "disabled")
JOB_KINDS = ("issue_segment", "void_unused")
JOB_STATUSES = ("queued", "running", "done", "failed")


class CodeBatch(Base):
    """Codes generated together for one template: ``count`` one-time codes, or one shared code
    (``count`` 1). ``redeemed`` counts redemptions (a shared code's many); ``status`` disabled
    makes every code of the batch unknown to shoppers."""

    __tablename__ = "promotions_code_batch"
    __table_args__ = (
        CheckConstraint(_in("kind", CODE_KINDS), name="kind_known"),
        CheckConstraint(_in("status", BATCH_STATUSES), name="status_known"),
        CheckConstraint("redeemed >= 0", name="redeemed_non_negative"),
        Index("ix_promotions_code_batch_template_id_id", "template_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_coupon_template.id", ondelete="RESTRICT")
    )
    kind: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    redeemed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CouponCode(Base):
    """One code, stored plain (one-time codes are printed from a CSV export; a shared code is
    the merchant's own word). ``code`` is unique across batches. A one-time code is spent by
    ``UPDATE ... SET redeemed_by = :m WHERE id = :id AND redeemed_by IS NULL``; a shared code's
    ``redeemed_by`` stays NULL."""

    __tablename__ = "promotions_code"
    __table_args__ = (Index("ix_promotions_code_batch_id_id", "batch_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_code_batch.id", ondelete="RESTRICT")
    )
    code: Mapped[str] = mapped_column(String(32), unique=True)
    redeemed_by: Mapped[int | None] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime | None]
    coupon_id: Mapped[int | None] = mapped_column(BigInteger)


class PromotionsJob(Base):
    """A background job over many coupons: issue a template to a member segment, or void every
    unused copy of a stopped template. ``cursor``: the last member (or coupon) id done;
    ``progress`` / ``total``; ``result``: counts and skip reasons."""

    __tablename__ = "promotions_job"
    __table_args__ = (
        CheckConstraint(_in("kind", JOB_KINDS), name="kind_known"),
        CheckConstraint(_in("status", JOB_STATUSES), name="status_known"),
        Index("ix_promotions_job_status_id", "status", "id"),
        Index("ix_promotions_job_template_id_id", "template_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_coupon_template.id", ondelete="RESTRICT")
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class JobMember(Base):
    """A member an issue job has dealt with, once: (job, member) is the primary key, so a job
    run again never issues twice. ``outcome``: ``issued`` or the skip's problem code."""

    __tablename__ = "promotions_job_member"

    job_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("promotions_job.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    member_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(64))


# -- store-wide promotions -------------------------------------------------------------------

PROMOTION_KINDS = ("sku_discount", "bundle", "buy_n_get_m", "full_reduction")
PROMOTION_STATUSES = ("draft", "active", "stopped")
POLICY_ROW_ID = 1


class Promotion(Base):
    """A merchant's store-wide promotion (no claiming): ``kind``, the window ``starts_at`` ..
    ``ends_at`` and the kind's terms in ``config`` (validated by the service; see
    ``stacking.Promotion`` for the fields of each kind). Only a draft is edited."""

    __tablename__ = "promotions_promotion"
    __table_args__ = (
        CheckConstraint(_in("kind", PROMOTION_KINDS), name="kind_known"),
        CheckConstraint(_in("scope", SCOPES), name="scope_known"),
        CheckConstraint(_in("status", PROMOTION_STATUSES), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "per_shopper_limit IS NULL OR per_shopper_limit >= 1", name="limit_positive"
        ),
        Index("ix_promotions_promotion_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    scope_ids: Mapped[list[int]] = mapped_column(JSON)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    per_shopper_limit: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PromotionPolicy(Base):
    """At most one row (id 1): the stacking policy and the subsidy cap. Absent: the defaults
    (sku_discount stacks, one order-level promotion, no cap)."""

    __tablename__ = "promotions_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "max_discount_permille IS NULL OR "
            "(max_discount_permille >= 1 AND max_discount_permille <= 1000)",
            name="cap_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku_discount_stacks: Mapped[bool] = mapped_column(Boolean)
    combine_order_level: Mapped[bool] = mapped_column(Boolean)
    max_discount_permille: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class OrderRule(Base):
    """Append-only: one row per promotion applied to an order (the coupon keeps its
    ``promotions_redemption`` row): the rule as it was, its label, what it took off and how
    that was split over the order's lines ({sku_id: fen}), ``trimmed`` by the subsidy cap,
    ``units`` counted against a per-shopper limit; ``returned_at`` once the order was cancelled
    or fully refunded (and the units given back)."""

    __tablename__ = "promotions_order_rule"
    __table_args__ = (
        UniqueConstraint("order_no", "promotion_id"),
        CheckConstraint("saving >= 0 AND trimmed >= 0 AND units >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), index=True)
    promotion_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_promotion.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int] = mapped_column(BigId)
    seq: Mapped[int] = mapped_column(Integer)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(120))
    saving: Mapped[int] = mapped_column(BigInteger)
    trimmed: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(Integer)
    line_discounts: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]


class PromotionUsage(Base):
    """Units a shopper bought at a promotion with a per-shopper limit. Moves only through
    ``used = used + :n WHERE used + :n <= :limit`` (and back on cancellation)."""

    __tablename__ = "promotions_usage"
    __table_args__ = (CheckConstraint("used >= 0", name="used_non_negative"),)

    promotion_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("promotions_promotion.id", ondelete="RESTRICT"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    used: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


GIFT_KINDS = ("birthday", "exclusive")


class MemberGift(Base):
    """Append-only: one tier gift per (member, kind, period, template): the birthday coupon
    once a year (``period`` "2026"), each exclusive coupon of the member's tier once a month
    (``period`` "2026-12", Asia/Shanghai). The unique key is what makes the daily job, a re-run
    and the upgrade handler give each gift once; ``coupon_id`` is the copy given, or None with
    ``code`` saying why it was skipped (the template's quota or per-shopper limit)."""

    __tablename__ = "promotions_member_gift"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period", "template_id"),
        CheckConstraint("kind IN ('birthday', 'exclusive')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    template_id: Mapped[int] = mapped_column(BigId)
    level: Mapped[int] = mapped_column(Integer)
    coupon_id: Mapped[int | None] = mapped_column(BigId)
    code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PackSlot(Base):
    """Append-only: a member counted against their tier's monthly cap on the exclusive pack
    (``membership`` tier ``pack_monthly_cap``), once per (level, month); the unique key makes a
    re-run and the upgrade handler count them once."""

    __tablename__ = "promotions_pack_slot"
    __table_args__ = (UniqueConstraint("level", "period", "member_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    member_id: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime]


class PackCount(Base):
    """Members given a tier's exclusive pack in one month (``period`` "2026-12"): moved only by
    ``UPDATE … SET taken = taken + 1 WHERE taken < :cap``, so concurrent runs never pass the
    cap."""

    __tablename__ = "promotions_pack_count"
    __table_args__ = (CheckConstraint("taken >= 0", name="taken_non_negative"),)

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    taken: Mapped[int] = mapped_column(Integer)
