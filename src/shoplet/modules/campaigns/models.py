"""Campaign tables: the campaign, one row per shopper a campaign reached for (its group, its
state, its attribution window), and the last touch of each shopper across all campaigns.

``uq_campaigns_touch_member`` makes a campaign reach a shopper once, whoever materialises its
audience at the same moment; a touch is claimed by one conditional ``UPDATE … WHERE status =
'pending'``. ``campaigns_contact`` holds one row per shopper: the frequency cap is claimed by one
``INSERT … ON CONFLICT DO UPDATE … WHERE last_touch_at <= :now - cap`` so two campaigns racing
for one shopper touch them once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, UTCDateTime

Status = Literal["draft", "scheduled", "running", "done", "cancelled"]
AudienceKind = Literal["segment", "rfm_class", "tag", "dormant"]
Trigger = Literal["once", "daily"]
Group = Literal["treated", "holdout"]
# subscribe: 订阅消息 to credit holders; official_account: 公众号模板消息 to linked followers;
# auto: the subscribe message when the shopper holds a credit, else the 公众号 when they follow.
Channel = Literal["subscribe", "official_account", "auto"]
# The channel a touch messaged through (auto resolves to one of these per shopper).
TouchChannel = Literal["subscribe", "official_account"]
# pending: due at ``due_at``; done: touched; capped: another campaign touched the shopper
# within the cap; no_credit: a message only, and the shopper is not reachable on the campaign's
# channel (no subscribe accept, not a linked 公众号 follower); holdout: recorded,
# never touched; cancelled: the campaign was cancelled before the touch.
TouchStatus = Literal["pending", "done", "capped", "no_credit", "holdout", "cancelled"]
STATUSES: tuple[str, ...] = get_args(Status)
AUDIENCE_KINDS: tuple[str, ...] = get_args(AudienceKind)
TRIGGERS: tuple[str, ...] = get_args(Trigger)
GROUPS: tuple[str, ...] = get_args(Group)
TOUCH_STATUSES: tuple[str, ...] = get_args(TouchStatus)
CHANNELS: tuple[str, ...] = get_args(Channel)
TOUCH_CHANNELS: tuple[str, ...] = get_args(TouchChannel)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Campaign(Base):
    """A campaign as the merchant saved it; its progress is counted from its touches."""

    __tablename__ = "campaigns_campaign"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("audience_kind", AUDIENCE_KINDS), name="audience_known"),
        CheckConstraint(_in("trigger", TRIGGERS), name="trigger_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint("holdout_percent BETWEEN 0 AND 50", name="holdout_range"),
        CheckConstraint("cap_days >= 1", name="cap_positive"),
        Index("ix_campaigns_campaign_due", "status", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    audience_kind: Mapped[str] = mapped_column(String(12))
    audience_value: Mapped[str] = mapped_column(String(64))
    # The notification event whose template carries the message, and its values per WeChat key.
    message_event: Mapped[str | None] = mapped_column(String(30))
    message_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(
        String(16), default="subscribe", server_default="subscribe"
    )
    coupon_template_id: Mapped[int | None] = mapped_column(BigId)
    trigger: Mapped[str] = mapped_column(String(8), default="once")
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    holdout_percent: Mapped[int] = mapped_column(Integer, default=10)
    cap_days: Mapped[int] = mapped_column(Integer, default=7)
    # Minutes after midnight in Asia/Shanghai; equal values: no quiet hours.
    quiet_start_minute: Mapped[int] = mapped_column(Integer, default=22 * 60)
    quiet_end_minute: Mapped[int] = mapped_column(Integer, default=8 * 60)
    window_days: Mapped[int] = mapped_column(Integer, default=14)
    # When the audience is materialised next (scheduled/running daily campaigns), else None.
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class CampaignTouch(Base):
    """One shopper in one campaign: the group the hash put them in, and what happened."""

    __tablename__ = "campaigns_touch"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", name="uq_campaigns_touch_member"),
        CheckConstraint(_in("grp", GROUPS), name="group_known"),
        CheckConstraint(_in("status", TOUCH_STATUSES), name="status_known"),
        CheckConstraint(
            f"channel IS NULL OR {_in('channel', TOUCH_CHANNELS)}", name="channel_known"
        ),
        Index("ix_campaigns_touch_due", "campaign_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigId)
    member_id: Mapped[int] = mapped_column(BigId)
    grp: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    # Quiet hours moved the touch to the end of the window (counted once, never dropped).
    is_deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    is_messaged: Mapped[bool] = mapped_column(Boolean, default=False)
    # The channel the message went through (None: no message, coupon only or not touched).
    channel: Mapped[str | None] = mapped_column(String(16))
    is_coupon_issued: Mapped[bool] = mapped_column(Boolean, default=False)
    # Orders paid in [attributed_from, attributed_until) count for this shopper's group.
    attributed_from: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    attributed_until: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class CampaignContact(Base):
    """A shopper's last campaign touch, across every campaign (the frequency cap)."""

    __tablename__ = "campaigns_contact"

    member_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(BigId)
    last_touch_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
