"""What other modules may use from flash sales: the console's campaign management, and the
app lifespan hook that starts this process's sold-out flags listener.

Orders calls nothing here: flash orders reach orders through ``orders.public.create_order``
(from this module's consumer) and come back through ``order.cancelled``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.flashsale import merge_hook as _merge
from shoplet.modules.flashsale.errors import (
    CampaignLocked,
    CampaignNotFound,
    InvalidCampaign,
    SkuNotInCampaign,
    SkuUnavailable,
)
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.schemas import (
    CampaignAdmin,
    CampaignCreate,
    CampaignItemCreate,
    CampaignItemUpdate,
    CampaignStatus,
    CampaignUpdate,
    ItemAdmin,
)
from shoplet.modules.flashsale.service import (
    campaign_windows,
    cancel_campaign,
    create_campaign,
    get_campaign_admin,
    hold_ref,
    list_campaigns_admin,
    live_product_ids,
    reconcile_campaign,
    update_campaign,
)
from shoplet.modules.members import public as members
from shoplet.modules.promotions import public as promotions

__all__ = [
    "CampaignAdmin",
    "CampaignCreate",
    "CampaignItemCreate",
    "CampaignItemUpdate",
    "CampaignLocked",
    "CampaignNotFound",
    "CampaignStatus",
    "CampaignUpdate",
    "InvalidCampaign",
    "ItemAdmin",
    "SkuNotInCampaign",
    "SkuUnavailable",
    "cancel_campaign",
    "create_campaign",
    "get_campaign_admin",
    "hold_ref",
    "list_campaigns_admin",
    "live_product_ids",
    "reconcile_campaign",
    "startup",
    "update_campaign",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """App lifespan hook (api and edge roles): the runtime, and the signals listener that keeps
    this process's sold-out flags and campaign cache current; the provider of campaign windows
    that insights overlays on its forecast charts (through promotions, below both)."""
    members.register_merge_hook(ctx, "flashsale", _merge.move_member, tables=_merge.TABLES)
    promotions.add_window_source(ctx, "flashsale", campaign_windows)
    runtime = runtime_of(ctx)
    await runtime.edge.start()
    return runtime.aclose
