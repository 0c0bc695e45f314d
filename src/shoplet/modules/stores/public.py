"""What other modules may use from stores: checkout plans a pickup or same-city delivery
(``plan_pickup`` / ``plan_same_city`` give the fee and the stock's source ref) and records it
once the order exists (``record_store_order``); reports join ``store_order_facts`` to orders'
facts by ``order_no`` (insights' store level of 经营看板, whose store board shows
``store_card``: what waits at the store today); WeCom names the stores its customers
came from (``store_names``); checkout charges 扫码购 at the store's own prices
(``current_prices``, one query per cart, when the plan is ``store_priced``)."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.stores import repository as _merge
from shoplet.modules.stores.errors import (
    InvalidPickupWindow,
    OutOfDeliveryRange,
    PickupDisabled,
    StoreClosedNow,
    StoreNotFound,
)
from shoplet.modules.stores.events import PICKUP_VERIFIED
from shoplet.modules.stores.prices import STORE_PRICE_LABEL, current_prices, price_ref
from shoplet.modules.stores.repository import store_order_facts
from shoplet.modules.stores.schemas import StoreCard
from shoplet.modules.stores.service import (
    DeliveryPlan,
    active_store_names,
    plan_pickup,
    plan_same_city,
    plan_scan,
    record_store_order,
    store_card,
    store_names,
    store_ref,
)

__all__ = [
    "PICKUP_VERIFIED",
    "STORE_PRICE_LABEL",
    "DeliveryPlan",
    "InvalidPickupWindow",
    "OutOfDeliveryRange",
    "PickupDisabled",
    "StoreCard",
    "StoreClosedNow",
    "StoreNotFound",
    "active_store_names",
    "current_prices",
    "plan_pickup",
    "plan_same_city",
    "plan_scan",
    "price_ref",
    "record_store_order",
    "startup",
    "store_card",
    "store_names",
    "store_order_facts",
    "store_ref",
]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves appointments and store orders through this hook."""
    members.register_merge_hook(ctx, "stores", _merge.move_member, tables=_merge.MERGED_TABLES)
