"""Group-buy tables: campaigns per SKU, the groups shoppers open, and each member's seat.

``social_group.filled`` moves only through one conditional UPDATE (``filled < size``, still
open, not past its deadline), run when a member's order is paid: a group is never over-filled,
and the seat that fills it also completes it in the same statement. ``social_campaign.
groups_opened`` moves the same way against ``max_groups``. A member row is unique per
(group, member) and per order; its status changes are conditional, so a refund happens once.

``social_quota`` is each shopper's claim against a play's per-shopper limit (group buys,
crowdfunding and bargains), taken by one conditional UPDATE (``used + n <= limit``) and given
back when a seat or pledge is cancelled or refunded, or a bargain expires or its order is never
paid. A campaign's optional ``budget`` (fen) is claimed the same way when an order is paid
(``subsidy_spent + s <= budget``); a claim that does not fit
stops the campaign and is counted in ``subsidy_over`` (the order still completes).
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
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId
from shoplet.modules.social.bargain import models as bargain_models  # noqa: F401
from shoplet.modules.social.crowdfunding.models import CrowdfundingCampaign, Pledge
from shoplet.modules.social.distribution import models as distribution_models  # noqa: F401
from shoplet.modules.social.kol import models as kol_models  # noqa: F401 - its tables
from shoplet.modules.social.offline import models as offline_models  # noqa: F401 - its tables
from shoplet.modules.social.sharing import models as sharing_models  # noqa: F401 - its tables

CAMPAIGN_STATUSES = ("active", "stopped")
GROUP_STATUSES = ("pending", "open", "succeeded", "failed")
MEMBER_STATUSES = ("pending", "joined", "succeeded", "refunded", "cancelled")
# A seat's or pledge's subsidy against its campaign's budget: not yet claimed, claimed within
# the budget, paid beyond it (the claim that stopped the campaign), given back (refunded).
SUBSIDY_STATES = ("none", "claimed", "over", "released")
PLAYS = ("groupbuy", "crowdfunding", "bargain")

__all__ = [
    "CrowdfundingCampaign",
    "Group",
    "GroupCampaign",
    "GroupMember",
    "Pledge",
    "Quota",
]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class GroupCampaign(Base):
    """A group-buy offer on one SKU: ``group_size`` shoppers pay ``group_price`` fen each within
    ``time_limit_seconds`` of the group's opening, or every one of them is refunded."""

    __tablename__ = "social_campaign"
    __table_args__ = (
        CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status_known"),
        CheckConstraint("group_size >= 2 AND group_size <= 50", name="group_size_valid"),
        CheckConstraint("group_price > 0", name="group_price_positive"),
        CheckConstraint("time_limit_seconds >= 60", name="time_limit_valid"),
        CheckConstraint("per_member_limit >= 1", name="limit_positive"),
        CheckConstraint(
            "groups_opened >= 0 AND groups_opened <= max_groups", name="groups_within_max"
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "auto_fill_min >= 1 AND auto_fill_min < group_size", name="auto_fill_min_valid"
        ),
        Index("ix_social_campaign_sku_id", "sku_id"),
        Index("ix_social_campaign_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    product_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    group_size: Mapped[int] = mapped_column(Integer)
    group_price: Mapped[int] = mapped_column(BigInteger)
    time_limit_seconds: Mapped[int] = mapped_column(Integer)
    per_member_limit: Mapped[int] = mapped_column(Integer)
    max_groups: Mapped[int] = mapped_column(Integer)
    groups_opened: Mapped[int] = mapped_column(Integer, default=0)
    free_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    # 模拟成团 (off by default): a group still short when its time runs out completes anyway
    # when at least ``auto_fill_min`` shoppers paid; the empty seats are filled by the shop.
    auto_fill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    auto_fill_min: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    # Why it stopped: "merchant" or "budget" (None while active).
    stopped_reason: Mapped[str | None] = mapped_column(String(16))
    budget: Mapped[int | None] = mapped_column(BigInteger)
    subsidy_spent: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    subsidy_over: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Group(Base):
    """One group (一个团). ``pending`` until its leader pays, ``open`` while it takes members,
    ``succeeded`` when the last seat is paid, ``failed`` past ``expires_at`` (members refunded)."""

    __tablename__ = "social_group"
    __table_args__ = (
        UniqueConstraint("share_id"),
        CheckConstraint(_in("status", GROUP_STATUSES), name="status_known"),
        CheckConstraint("filled >= 0 AND filled <= size", name="filled_within_size"),
        Index("ix_social_group_status_expires_at", "status", "expires_at"),
        Index("ix_social_group_campaign_id_id", "campaign_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    share_id: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    leader_member_id: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    # Seats the shop filled when the group completed by 模拟成团 (0: every seat was paid).
    auto_filled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GroupMember(Base):
    """A shopper's seat in a group, with the order that pays for it. ``pending`` until paid,
    ``joined`` once the seat is claimed, ``succeeded`` with its group; ``refunded`` when the
    group failed or was already full when the money came; ``cancelled`` when never paid."""

    __tablename__ = "social_member"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id"),
        UniqueConstraint("order_no"),
        CheckConstraint(_in("status", MEMBER_STATUSES), name="status_known"),
        Index("ix_social_member_campaign_id_member_id", "campaign_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(BigInteger)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    order_no: Mapped[str] = mapped_column(String(32))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime | None]
    # (shelf price - group price) fen of this seat, claimed against the budget once paid.
    subsidy: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    subsidy_state: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    # The shopper's first paid order was this seat's (a customer the campaign acquired).
    is_new_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Quota(Base):
    """Units a shopper holds in one campaign of a play, against its per-shopper limit."""

    __tablename__ = "social_quota"
    __table_args__ = (
        UniqueConstraint("play", "campaign_id", "member_id"),
        CheckConstraint(_in("play", PLAYS), name="play_known"),
        CheckConstraint("used >= 0", name="used_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    play: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    used: Mapped[int] = mapped_column(Integer, default=0)
