"""Fulfillment's business: shipments, their tracking subscription and WeChat upload (retried
with backoff, outside any transaction), the carrier's pushes turned into a normalised timeline,
and e-waybills.

Outside calls never run inside a transaction: a job reads what to send in one short
transaction, calls, then records the outcome in another, with a conditional update on the
attempt number so two replicas cannot both record one attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.integrations.logistics.carrier import (
    CARRIER_NAMES,
    WECHAT_DELIVERY_IDS,
    CarrierError,
    Party,
    TrackingPush,
    carrier_code,
)
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.shipping import ShippingInfo, ShippingUploadError
from shoplet.modules.fulfillment import carriers
from shoplet.modules.fulfillment import repository as repo
from shoplet.modules.fulfillment.errors import (
    CarrierFailed,
    RetryNotAllowed,
    ShipmentNotFound,
    WaybillNotFound,
)
from shoplet.modules.fulfillment.events import SHIPMENT_SIGNED
from shoplet.modules.fulfillment.models import Shipment, Waybill
from shoplet.modules.fulfillment.schemas import (
    CarrierOption,
    LogisticsSettings,
    TimelineEntry,
    Tracking,
)

log = structlog.get_logger("shoplet.fulfillment")

INTEGRATIONS_KEY = "fulfillment.integrations"
CLOCK_KEY = "fulfillment.clock"
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed calls: 1, 2, 4, … minutes, at most six hours."""
    exponent = min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    """The jobs' clock: ``ctx.extras[CLOCK_KEY]`` when a test sets one, else real UTC time."""
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


def integrations_of(ctx: AppContext) -> Integrations:
    found = ctx.extras.get(INTEGRATIONS_KEY)
    if not isinstance(found, Integrations):
        raise RuntimeError("fulfillment is not started in this process (no integrations)")
    return found


def install(ctx: AppContext, integrations: Integrations) -> None:
    ctx.extras[INTEGRATIONS_KEY] = integrations


# -- shipments -----------------------------------------------------------------------------


async def track_shipment(
    session: AsyncSession,
    *,
    order_no: str,
    member_id: int,
    carrier: str,
    tracking_no: str,
    item_desc: str,
    receiver_contact: str | None,
    transaction_id: str | None,
    payer_openid: str | None,
    now: datetime | None = None,
) -> bool:
    """Record a shipped order's parcel (once per order: a redelivery changes nothing) and queue
    its tracking subscription and, for a mini-program order paid with WeChat Pay, its WeChat
    upload. True when this call created it."""
    now = now or utcnow()
    code = carrier_code(carrier)
    # 物流公司 may set a known carrier to 不跟踪轨迹: no subscription (WeChat still gets its code).
    tracked = code is not None and await carriers.is_tracked(session, code)
    wechat = bool(transaction_id and payer_openid)
    return await repo.insert_shipment(
        session,
        {
            "order_no": order_no,
            "member_id": member_id,
            "carrier": carrier[:50],
            "carrier_code": code,
            "tracking_no": tracking_no[:50],
            "receiver_contact": receiver_contact,
            "item_desc": (item_desc or "商品")[:120],
            "subscribe_status": "pending" if tracked else "unsupported",
            "subscribe_attempts": 0,
            "subscribe_next_at": now,
            "transaction_id": transaction_id if wechat else None,
            "payer_openid": payer_openid if wechat else None,
            "wechat_status": "pending" if wechat else "none",
            "wechat_attempts": 0,
            "wechat_next_at": now if wechat else None,
            "created_at": now,
            "updated_at": now,
        },
    )


async def due_subscriptions(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    return await repo.due_subscriptions(session, now=now, limit=limit)


async def due_wechat_uploads(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    return await repo.due_wechat_uploads(session, now=now, limit=limit)


@dataclass(frozen=True, slots=True)
class _Call:
    shipment_id: int
    attempts: int
    carrier_code: str | None
    tracking_no: str
    receiver_contact: str | None
    transaction_id: str | None
    payer_openid: str | None
    express_company: str | None
    item_desc: str
    shipped_at: datetime


async def _load_call(ctx: AppContext, shipment_id: int, kind: str) -> _Call | None:
    async with unit_of_work(ctx.sessionmaker) as session:
        shipment = await repo.get_shipment(session, shipment_id)
        if shipment is None or getattr(shipment, f"{kind}_status") != "pending":
            return None
        return _Call(
            shipment_id=shipment.id,
            attempts=int(getattr(shipment, f"{kind}_attempts")) + 1,
            carrier_code=shipment.carrier_code,
            tracking_no=shipment.tracking_no,
            receiver_contact=shipment.receiver_contact,
            transaction_id=shipment.transaction_id,
            payer_openid=shipment.payer_openid,
            express_company=WECHAT_DELIVERY_IDS.get(shipment.carrier_code or ""),
            item_desc=shipment.item_desc,
            shipped_at=shipment.created_at,
        )


async def _record(
    ctx: AppContext,
    call: _Call,
    kind: str,
    *,
    ok: bool,
    retryable: bool,
    error: str | None,
    now: datetime,
) -> str:
    if ok:
        status, next_at = ("subscribed" if kind == "subscribe" else "uploaded"), None
    elif retryable and call.attempts < MAX_ATTEMPTS:
        status, next_at = "pending", now + backoff(call.attempts)
    else:
        status, next_at = "failed", None
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.record_call(
            session,
            call.shipment_id,
            kind=kind,
            attempts=call.attempts,
            status=status,
            next_at=next_at,
            error=(error or None) and str(error)[:200],
            now=now,
        )
    if not ok:
        log.warning(
            f"fulfillment_{kind}_failed",
            shipment_id=call.shipment_id,
            attempts=call.attempts,
            status=status,
            error=error,
        )
    return status


async def subscribe_one(ctx: AppContext, shipment_id: int, *, now: datetime) -> str | None:
    """One tracking subscription attempt; the shipment's new status (None: nothing to do)."""
    call = await _load_call(ctx, shipment_id, "subscribe")
    if call is None or call.carrier_code is None:
        return None
    integrations = integrations_of(ctx)
    carrier = integrations.carrier
    if carrier is None:
        return None
    contact = call.receiver_contact
    try:
        await carrier.subscribe(
            carrier=call.carrier_code,
            tracking_no=call.tracking_no,
            callback_url=integrations.kuaidi100_callback_url,
            phone=contact[-4:] if contact else None,
        )
    except CarrierError as exc:
        return await _record(
            ctx, call, "subscribe", ok=False, retryable=exc.retryable, error=str(exc), now=now
        )
    return await _record(ctx, call, "subscribe", ok=True, retryable=False, error=None, now=now)


async def upload_one(ctx: AppContext, shipment_id: int, *, now: datetime) -> str | None:
    """One WeChat 发货信息录入 attempt; the shipment's new WeChat status (None: nothing to do)."""
    if not ctx.settings.wechat_shipping_upload:
        return None
    call = await _load_call(ctx, shipment_id, "wechat")
    if call is None or not call.transaction_id or not call.payer_openid:
        return None
    client = integrations_of(ctx).wechat_shipping
    if client is None:
        return None
    try:
        await client.upload(
            ShippingInfo(
                transaction_id=call.transaction_id,
                payer_openid=call.payer_openid,
                tracking_no=call.tracking_no,
                express_company=call.express_company or "OTHERS",
                item_desc=call.item_desc,
                receiver_contact=call.receiver_contact,
                upload_time=call.shipped_at,
            )
        )
    except ShippingUploadError as exc:
        return await _record(
            ctx, call, "wechat", ok=False, retryable=exc.retryable, error=str(exc), now=now
        )
    return await _record(ctx, call, "wechat", ok=True, retryable=False, error=None, now=now)


# -- pushes --------------------------------------------------------------------------------


def _strip_controls(text: str) -> str:
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f")


async def apply_push(session: AsyncSession, push: TrackingPush, *, now: datetime) -> int:
    """Store a verified push's track on every shipment of that number (lines already stored
    are skipped: repeated pushes change nothing); each shipment's state becomes its newest
    line's by the carrier's time (a late push never rolls it back); the first signed state
    publishes ``shipment.signed``. How many shipments matched (0: not ours)."""
    shipments = await repo.shipments_by_number(session, push.carrier, push.tracking_no)
    rows = [
        {
            "occurred_at": e.occurred_at,
            "context": _strip_controls(e.context)[:500],
            "state": _strip_controls(e.state)[:16],
            "stage": e.stage,
            "area_name": _strip_controls(e.area_name)[:64] if e.area_name else None,
        }
        for e in push.events
    ]
    for shipment in shipments:
        await repo.insert_events(session, shipment.id, rows, now=now)
        newest = await repo.newest_event(session, shipment.id)
        if newest is None:
            continue
        await repo.set_state(
            session,
            shipment.id,
            stage=newest.stage,
            state=newest.state,
            state_at=newest.occurred_at,
            now=now,
        )
        if newest.stage == "signed" and await repo.mark_signed(
            session, shipment.id, signed_at=newest.occurred_at, now=now
        ):
            await publish(
                session,
                SHIPMENT_SIGNED,
                {
                    "order_no": shipment.order_no,
                    "member_id": shipment.member_id,
                    "carrier": shipment.carrier,
                    "tracking_no": shipment.tracking_no,
                    "signed_at": newest.occurred_at,
                },
                key=shipment.order_no,
            )
    return len(shipments)


# -- reading -------------------------------------------------------------------------------


def _tracking(shipment: Shipment, events: Sequence[Any]) -> Tracking:
    code = shipment.carrier_code
    return Tracking(
        order_no=shipment.order_no,
        carrier=shipment.carrier,
        carrier_code=code,
        carrier_name=CARRIER_NAMES.get(code or "", shipment.carrier),
        tracking_no=shipment.tracking_no,
        stage=cast("Any", shipment.stage),
        stage_at=shipment.state_at,
        signed_at=shipment.signed_at,
        is_tracked=shipment.subscribe_status == "subscribed",
        subscribe_status=shipment.subscribe_status,
        wechat_status=shipment.wechat_status,
        events=[
            TimelineEntry(
                occurred_at=e.occurred_at,
                context=e.context,
                stage=e.stage,
                state=e.state,
                area_name=e.area_name,
            )
            for e in events
        ],
    )


async def tracking_for_order(
    session: AsyncSession, order_no: str, *, member_id: int | None = None
) -> Tracking:
    """An order's parcel and timeline (newest first); a member sees only their own (404)."""
    shipment = await repo.shipment_by_order(session, order_no)
    if shipment is None or (member_id is not None and shipment.member_id != member_id):
        raise ShipmentNotFound(order_no=order_no)
    return _tracking(shipment, await repo.events_of(session, shipment.id))


async def retry_call(
    session: AsyncSession, order_no: str, *, kind: str, now: datetime | None = None
) -> Tracking:
    """The console's 重试: queue an order's tracking subscription (``kind="subscribe"``) or
    WeChat upload (``"wechat"``) for the next run of its job (within 15 s)."""
    if not await repo.requeue_call(session, order_no, kind=kind, now=now or utcnow()):
        if await repo.shipment_by_order(session, order_no) is None:
            raise ShipmentNotFound(order_no=order_no)
        raise RetryNotAllowed(order_no=order_no, kind=kind)
    return await tracking_for_order(session, order_no)


async def logistics_settings(session: AsyncSession, ctx: AppContext) -> LogisticsSettings:
    settings = ctx.settings
    integrations = ctx.extras.get(INTEGRATIONS_KEY)
    simulated = isinstance(integrations, Integrations) and (
        integrations.kuaidi100_simulator is not None
    )
    callback = integrations.kuaidi100_callback_url if isinstance(integrations, Integrations) else ""
    shop = await carriers.shop_carriers(session, settings)
    return LogisticsSettings(
        provider="kuaidi100",
        mode="simulator" if simulated else "live",
        is_key_configured=bool(settings.kuaidi100_key.get_secret_value()),
        is_secret_configured=bool(settings.kuaidi100_secret.get_secret_value()),
        callback_url=callback,
        carriers=[CarrierOption(code=c.code, name=c.name, is_enabled=c.is_enabled) for c in shop],
        auto_receive_after_signed_days=settings.orders_auto_receive_after_signed_days,
        wechat_shipping_upload=settings.wechat_shipping_upload,
        subscriptions=await repo.count_shipments(session),
    )


# -- e-waybills ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrintedWaybill:
    order_no: str
    carrier_code: str
    tracking_no: str


async def print_waybill(
    ctx: AppContext,
    *,
    order_no: str,
    carrier_code: str,
    recipient: Party,
    cargo: str,
) -> PrintedWaybill:
    """An e-waybill for an order: the one printed before (reprints cost nothing), or a new one
    from the carrier (called outside any transaction, stored after) with the shop's account
    at that carrier. A carrier the shop does not have (400) or has switched off (409) prints
    nothing."""
    async with unit_of_work(ctx.sessionmaker) as session:
        await carriers.require_enabled(session, ctx.settings, carrier_code)
        existing = await repo.waybill_by_order(session, order_no)
        if existing is not None:
            return PrintedWaybill(order_no, existing.carrier_code, existing.tracking_no)
        account = await carriers.waybill_account(session, ctx.pii, carrier_code)
    carrier = integrations_of(ctx).carrier
    if carrier is None:
        raise CarrierFailed("no carrier configured")
    settings = ctx.settings
    try:
        waybill = await carrier.print_waybill(
            carrier=carrier_code,
            order_ref=order_no,
            sender=Party(
                settings.logistics_sender_name,
                settings.logistics_sender_mobile,
                settings.logistics_sender_address,
            ),
            recipient=recipient,
            cargo=cargo,
            partner_id=account.customer_code,
            partner_key=account.secret,
        )
    except CarrierError as exc:
        raise CarrierFailed(f"{exc.code}: {exc.message}", carrier_code=carrier_code) from exc
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.insert_waybill(
            session,
            {
                "order_no": order_no,
                "carrier_code": carrier_code,
                "tracking_no": waybill.tracking_no,
                "task_id": waybill.task_id[:64],
                "label": waybill.label,
                "label_type": waybill.label_type[:32],
                "created_at": utcnow(),
            },
        )
        # A concurrent print of the same order keeps the first one stored.
        stored = await repo.waybill_by_order(session, order_no)
    assert stored is not None  # noqa: S101 (just inserted or already there)
    return PrintedWaybill(order_no, stored.carrier_code, stored.tracking_no)


async def waybill_label(session: AsyncSession, order_no: str) -> Waybill:
    found = await repo.waybill_by_order(session, order_no)
    if found is None:
        raise WaybillNotFound(order_no=order_no)
    return found
