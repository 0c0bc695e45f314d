"""Crowdfunding tables: a campaign per SKU and each shopper's pledges.

``social_crowdfunding.claimed_units`` (units held by unpaid and paid pledges) moves only through
one conditional UPDATE against ``max_quantity``, so the last units are never pledged twice;
``pledged_units`` and ``backers`` count paid pledges, moved under the campaign's row lock when
the money arrives. The deadline settles a campaign once: a conditional UPDATE of its status
(``active``/``stopped`` -> ``succeeded``/``failed``); each pledge's status change is conditional,
so every pledge ships or is refunded exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

CROWDFUNDING_STATUSES = ("active", "stopped", "succeeded", "failed")
PLEDGE_STATUSES = ("pending", "paid", "succeeded", "refunded", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CrowdfundingCampaign(Base):
    """A pre-sale of one SKU: shoppers pay ``pledge_price`` fen per unit before ``ends_at``;
    ``target_quantity`` paid units by then confirm production and shipping, fewer refund
    every pledge."""

    __tablename__ = "social_crowdfunding"
    __table_args__ = (
        CheckConstraint(_in("status", CROWDFUNDING_STATUSES), name="status_known"),
        CheckConstraint("pledge_price > 0", name="pledge_price_positive"),
        CheckConstraint("target_quantity >= 1", name="target_positive"),
        CheckConstraint("max_quantity >= target_quantity", name="max_covers_target"),
        CheckConstraint("per_member_limit >= 1", name="limit_positive"),
        CheckConstraint(
            "claimed_units >= 0 AND claimed_units <= max_quantity", name="claimed_within_max"
        ),
        CheckConstraint("pledged_units >= 0 AND pledged_units <= claimed_units", name="paid_held"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_social_crowdfunding_product_id", "product_id"),
        Index("ix_social_crowdfunding_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    story: Mapped[str] = mapped_column(Text)
    product_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    pledge_price: Mapped[int] = mapped_column(BigInteger)
    target_quantity: Mapped[int] = mapped_column(Integer)
    max_quantity: Mapped[int] = mapped_column(Integer)
    per_member_limit: Mapped[int] = mapped_column(Integer)
    claimed_units: Mapped[int] = mapped_column(Integer, default=0)
    pledged_units: Mapped[int] = mapped_column(Integer, default=0)
    backers: Mapped[int] = mapped_column(Integer, default=0)
    free_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    stopped_reason: Mapped[str | None] = mapped_column(String(16))
    budget: Mapped[int | None] = mapped_column(BigInteger)
    subsidy_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    subsidy_over: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Pledge(Base):
    """A shopper's pledge (支持) and the order that pays for it: ``pending`` until paid,
    ``paid`` once counted, then ``succeeded`` (ships) or ``refunded`` with its campaign;
    ``cancelled`` when never paid."""

    __tablename__ = "social_pledge"
    __table_args__ = (
        UniqueConstraint("order_no"),
        CheckConstraint(_in("status", PLEDGE_STATUSES), name="status_known"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("ix_social_pledge_campaign_id_status", "campaign_id", "status"),
        Index("ix_social_pledge_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    order_no: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    subsidy: Mapped[int] = mapped_column(BigInteger, default=0)
    subsidy_state: Mapped[str] = mapped_column(String(8), default="none")
    is_new_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
