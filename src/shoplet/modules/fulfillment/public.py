"""What other modules may use from fulfillment.

Fulfillment sits on payments' line, below orders, and never imports orders: orders hands it
each shipped order from its own ``order.shipped`` subscriber and subscribes to
``shipment.signed`` (payload in ``events.py``) to receive signed orders automatically.

```python
await track_shipment(session, order_no=…, member_id=…, carrier=…, tracking_no=…,
                     item_desc=…, receiver_contact="138****0000", transaction_id=…,
                     payer_openid=…)                         # caller's transaction, idempotent
printed = await print_waybill(ctx, order_no=…, carrier_code="zhongtong",
                              recipient=Party(name, mobile, address), cargo=…)
await check_shipping_carrier(session, settings, "顺丰")  # 400/409 unless the shop ships with it
await require_enabled(session, settings, "zhongtong")    # the enabled carrier (its shown name)
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.logistics.carrier import Party
from shoplet.integrations.setup import Integrations
from shoplet.modules.fulfillment import merge_hook as _merge
from shoplet.modules.fulfillment.carriers import (
    ShopCarrier,
    check_shipping_carrier,
    require_enabled,
    shop_carriers,
)
from shoplet.modules.fulfillment.errors import (
    CarrierDisabled,
    CarrierFailed,
    CarrierUnsupported,
    ShipmentNotFound,
    WaybillNotFound,
)
from shoplet.modules.fulfillment.events import SHIPMENT_SIGNED
from shoplet.modules.fulfillment.schemas import WaybillBatch, WaybillBatchResult, WaybillResult
from shoplet.modules.fulfillment.service import (
    PrintedWaybill,
    install,
    print_waybill,
    track_shipment,
    tracking_for_order,
)
from shoplet.modules.members import public as members

__all__ = [
    "SHIPMENT_SIGNED",
    "CarrierDisabled",
    "CarrierFailed",
    "CarrierUnsupported",
    "Party",
    "PrintedWaybill",
    "ShipmentNotFound",
    "ShopCarrier",
    "WaybillBatch",
    "WaybillBatchResult",
    "WaybillNotFound",
    "WaybillResult",
    "check_shipping_carrier",
    "print_waybill",
    "require_enabled",
    "shop_carriers",
    "startup",
    "track_shipment",
    "tracking_for_order",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook: give fulfillment's jobs the carrier and WeChat clients."""
    members.register_merge_hook(ctx, "fulfillment", _merge.move_member, tables=_merge.TABLES)
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
    return None
