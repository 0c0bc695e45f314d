"""What the flash-sale use cases share: hold references, a campaign's status and cached pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.modules.flashsale.models import Campaign, CampaignItem
from shoplet.modules.flashsale.schemas import CampaignInfo, CampaignStatus, ItemInfo

log = structlog.get_logger("shoplet.flashsale")
# The inventory holds outlive the campaign by far: the settle job releases them long before.
HOLD_GRACE = timedelta(days=30)
MAX_LIMIT = 100
# Storefront pages cached by ctx.cache (dropped after console changes commit).
LIST_NAMESPACE = "flashsale_list"
CAMPAIGN_NAMESPACE = "flashsale_campaign"


def hold_ref(campaign_id: int, sku_id: int) -> str:
    """The inventory reservation holding a campaign SKU's units."""
    return f"flash:{campaign_id}:{sku_id}"


def parse_hold_ref(ref: str) -> tuple[int, int] | None:
    parts = ref.split(":")
    if len(parts) != 3 or parts[0] != "flash" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


def campaign_status(
    campaign: Campaign, now: datetime, remaining: Mapping[int, int] | None
) -> CampaignStatus:
    if campaign.status == "cancelled":
        return "cancelled"
    if now < campaign.starts_at:
        return "upcoming"
    if now >= campaign.ends_at:
        return "ended"
    if remaining and all(units <= 0 for units in remaining.values()):
        return "sold_out"
    return "live"


def campaign_info(campaign: Campaign, items: Sequence[CampaignItem]) -> CampaignInfo:
    return CampaignInfo(
        id=campaign.id,
        title=campaign.title,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        cancelled=campaign.status == "cancelled",
        payment_timeout_seconds=campaign.payment_timeout_seconds,
        free_shipping=campaign.free_shipping,
        items=[
            ItemInfo(
                sku_id=i.sku_id,
                product_id=i.product_id,
                title=i.title,
                spec_text=i.spec_text,
                image=i.image,
                original_price=i.original_price,
                flash_price=i.flash_price,
                stock=i.stock,
                per_shopper_limit=i.per_shopper_limit,
            )
            for i in items
        ],
    )


def _drop_pages(session: AsyncSession, campaign_id: int) -> None:
    invalidate_after_commit(session, LIST_NAMESPACE)
    invalidate_after_commit(session, CAMPAIGN_NAMESPACE, campaign_id)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)
