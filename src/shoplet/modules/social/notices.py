"""拼团结果 subscribe messages: when a group succeeds or fails, each of its paid members gets
one message (notification records the send; its worker sends it against the shopper's
credit). Recorded in the handler's transaction, once per member and order: a result event
delivered twice records nothing more (notification's ``(event, member, ref)`` is unique)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.notification import public as notification
from shoplet.modules.social import repository as repo

EVENT = "groupbuy_result"


async def notify_group_result(
    session: AsyncSession, payload: Mapping[str, Any], *, succeeded: bool
) -> int:
    """One 拼团结果 per member whose order the result names (``order_nos`` of a group that
    succeeded, ``refunded_order_nos`` of one that failed). Sends recorded."""
    order_nos = {
        str(n) for n in payload.get("order_nos" if succeeded else "refunded_order_nos", [])
    }
    if not order_nos:
        return 0
    seats = [
        s for s in await repo.seats_of(session, int(payload["group_id"])) if s.order_no in order_nos
    ]
    campaign = await repo.get_campaign(session, int(payload["campaign_id"]))
    if not seats or campaign is None:
        return 0
    snapshot = (await catalog.get_sku_snapshots(session, [campaign.sku_id])).get(campaign.sku_id)
    name = notification.shorten(snapshot.product_title if snapshot else campaign.title)
    recorded = 0
    for seat in seats:
        recorded += await notification.enqueue(
            session,
            event=EVENT,
            member_id=seat.member_id,
            ref=seat.order_no,
            values={
                "order_no": seat.order_no,
                "product_name": name,
                "result": "拼团成功" if succeeded else "拼团失败",
                "status": "待发货" if succeeded else "已退款",
            },
        )
    return recorded
