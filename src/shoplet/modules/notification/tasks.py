"""Notification's handlers and job: domain events become pending sends (in the event's
transaction, idempotent on the event's ref): ``order.paid`` (支付成功), ``order.shipped``
(发货), ``inventory.restocked`` (到货提醒 to the shoppers waiting for the SKU) and
``catalog.product_changed`` on a repricing (降价提醒 to those who accepted at a higher price);
``member.unionid_recorded`` links the 公众号 follower of that unionid at once;
group-buy results and points expiring are recorded by social and loyalty through
``public.enqueue``. And ``notification.send_pending`` sends them, each
in its own short transactions around WeChat's call (``service.deliver_one``);
``notification.send_oa_pending`` sends 公众号 template messages and
``notification.sync_oa_followers`` reads the 公众号's follower list once a day."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members
from shoplet.modules.notification import official_account, service
from shoplet.modules.notification.errors import OaNotConfigured
from shoplet.modules.orders import public as orders

log = structlog.get_logger("shoplet.notification")

BATCH = 100
SEND_JOB = "notification.send_pending"
OA_SEND_JOB = "notification.send_oa_pending"
OA_SYNC_JOB = "notification.sync_oa_followers"


def _at(value: object, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return default
    return default


@subscriber(orders.ORDER_PAID, name="notification.on_order_paid")
async def on_order_paid(event: Event, session: AsyncSession) -> None:
    p = event.payload
    await service.enqueue(
        session,
        event="payment_success",
        member_id=int(p["member_id"]),
        ref=str(p["order_no"]),
        values={
            "order_no": str(p["order_no"]),
            "amount": service.yuan(int(p.get("amount") or p.get("payable_total") or 0)),
            "paid_at": service.shown_time(_at(p.get("paid_at"), event.occurred_at)),
            "status": "支付成功",
        },
    )


@subscriber(orders.ORDER_SHIPPED, name="notification.on_order_shipped")
async def on_order_shipped(event: Event, session: AsyncSession) -> None:
    p = event.payload
    await service.enqueue(
        session,
        event="shipped",
        member_id=int(p["member_id"]),
        ref=str(p["order_no"]),
        values={
            "order_no": str(p["order_no"]),
            "carrier": str(p.get("carrier") or ""),
            "tracking_no": str(p.get("tracking_no") or ""),
            "item_desc": str(p.get("item_desc") or ""),
            "shipped_at": service.shown_time(event.occurred_at),
            "status": "已发货",
        },
    )


@subscriber(inventory.RESTOCKED, name="notification.on_restocked")
async def on_restocked(event: Event, session: AsyncSession) -> None:
    for sku_id in event.payload["sku_ids"]:
        await service.notify_restocked(session, sku_id=int(sku_id))


@subscriber(catalog.PRODUCT_CHANGED, name="notification.on_product_changed")
async def on_product_changed(event: Event, session: AsyncSession) -> None:
    if event.payload.get("reason") in ("price", "updated"):
        await service.notify_price_changed(session, product_id=int(event.payload["product_id"]))


@subscriber(members.MEMBER_UNIONID_RECORDED, name="notification.on_member_unionid")
async def on_member_unionid(event: Event, session: AsyncSession) -> None:
    """A shopper who followed the 公众号 before signing up is linked now, not at the next sync
    (idempotent: only unlinked followers of the unionid are linked)."""
    await official_account.link_member(
        session, unionid=str(event.payload["unionid"]), member_id=int(event.payload["member_id"])
    )


@periodic(every_seconds=5, name=SEND_JOB)
async def send_pending(ctx: AppContext) -> None:
    """Reclaim the sends a crashed worker left ``sending``, then send the pending ones."""
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.reclaim_stuck(session)
    async with unit_of_work(ctx.sessionmaker) as session:
        ids = await service.due_sends(session, BATCH)
    for send_id in ids:
        try:
            await service.deliver_one(ctx, send_id)
        except Exception:
            log.exception("notification_send_crashed", send_id=send_id)


@periodic(every_seconds=5, name=OA_SEND_JOB)
async def send_oa_pending(ctx: AppContext) -> None:
    """公众号 template messages: reclaim those a crashed worker left ``sending``, then send the
    due ones (each claimed by one worker: several workers at once send each message once)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await official_account.is_configured(session):
            return
        ids = await official_account.due_sends(session, BATCH)
    for send_id in ids:
        try:
            await official_account.deliver_one(ctx, send_id)
        except Exception:
            log.exception("oa_send_crashed", send_id=send_id)


@periodic(every_seconds=24 * 3600, name=OA_SYNC_JOB)
async def sync_oa_followers(ctx: AppContext) -> None:
    """Once a day: the 公众号's follower list (those who followed before Shoplet, pushes lost)."""
    try:
        await official_account.sync_followers(ctx)
    except OaNotConfigured:
        return
