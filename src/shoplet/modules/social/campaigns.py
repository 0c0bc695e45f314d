"""What the plays' campaigns and pages share, pure: a campaign's state by its status and clock
(group buy, bargain), and the masked names other shoppers see."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

CampaignState = Literal["running", "upcoming", "ended", "stopped"]


class Scheduled(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


def campaign_state(campaign: Scheduled, now: datetime) -> CampaignState:
    """``stopped`` by the merchant (or its budget), else ``upcoming`` / ``running`` / ``ended``
    by the clock."""
    if campaign.status == "stopped":
        return "stopped"
    if now < campaign.starts_at:
        return "upcoming"
    if now >= campaign.ends_at:
        return "ended"
    return "running"


def mask_name(nickname: str | None) -> str:
    """``小明同学`` -> ``小***``: other shoppers (group members, bargain helpers, a promoter's
    team, a poster's reader) see the first character only."""
    name = (nickname or "").strip()
    return f"{name[0]}***" if name else "微信用户"
