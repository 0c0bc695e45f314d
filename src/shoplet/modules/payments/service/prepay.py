"""Prepay: opening a payment for an order and asking WeChat Pay for a prepay id or H5 URL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import short_transaction, utcnow
from shoplet.integrations.wechat.pay import WeChatPayClient, WeChatPayError
from shoplet.modules.members import public as members
from shoplet.modules.payments import repository as repo
from shoplet.modules.payments.errors import (
    AlreadyPaid,
    AmountChanged,
    InvalidAmount,
    OpenidRequired,
    PaymentClosed,
    PaymentExpired,
    PaymentNotFound,
    ProviderError,
)
from shoplet.modules.payments.models import Payment
from shoplet.modules.payments.schemas import PrepayResult

from ._common import DESCRIPTION_MAX, Channel, log, new_number
from .settling import _record_closed, close_payment, sync_payment

# A prepay_id lives two hours at WeChat, an h5_url five minutes: reuse them with a margin.
PREPAY_REUSE = {"wechat_jsapi": timedelta(hours=2) - timedelta(minutes=5)}
H5_URL_REUSE = timedelta(minutes=4)


# --- prepay --------------------------------------------------------------------------------


async def request_prepay(
    ctx: AppContext,
    pay: WeChatPayClient,
    *,
    order_no: str,
    member_id: int,
    amount: int,
    description: str,
    payer_openid: str | None,
    channel: Channel,
    time_expire: datetime,
    client_ip: str,
) -> PrepayResult:
    """Create or reuse the order's payment on ``channel`` and get a prepay session from WeChat.

    Idempotent per (order, channel): a still-valid prepay_id is reused (pay params re-signed),
    otherwise WeChat is asked again with the same out_trade_no (idempotent there too).

    A request path with short transactions of its own (``short_transaction``), not the request's
    ``DbSession``: the payment row is committed before WeChat is called, and the answer is
    recorded after, so no transaction stays open across the call."""
    if amount <= 0:
        raise InvalidAmount()
    if channel == "wechat_jsapi" and not payer_openid:
        raise OpenidRequired("Sign in with WeChat to pay in the mini program")
    now = utcnow()
    if time_expire <= now:
        raise PaymentExpired()
    text = " ".join(description.split())[:DESCRIPTION_MAX] or order_no
    async with short_transaction(ctx.sessionmaker) as session:
        payment = await _open_payment(
            session,
            order_no=order_no,
            member_id=member_id,
            amount=amount,
            description=text,
            payer_openid=payer_openid if channel == "wechat_jsapi" else None,
            channel=channel,
            expires_at=time_expire,
            now=now,
        )
    reusable = _reusable_result(pay, payment, now)
    if reusable is not None:
        return reusable
    prepay_id: str | None = None
    h5_url: str | None = None
    try:
        if channel == "wechat_jsapi":
            assert payment.payer_openid is not None  # noqa: S101 (checked above)
            prepay_id = await pay.prepay_jsapi(
                out_trade_no=payment.payment_no,
                description=payment.description,
                total=payment.amount,
                payer_openid=payment.payer_openid,
                time_expire=payment.expires_at,
            )
        else:
            h5_url = await pay.prepay_h5(
                out_trade_no=payment.payment_no,
                description=payment.description,
                total=payment.amount,
                payer_client_ip=client_ip,
                time_expire=payment.expires_at,
            )
            prepay_id = _query_param(h5_url, "prepay_id")
    except WeChatPayError as exc:
        await _prepay_failed(ctx, pay, payment, exc)
    async with short_transaction(ctx.sessionmaker) as session:
        recorded = await repo.mark_prepaid(
            session,
            payment.id,
            prepay_id=prepay_id,
            h5_url=h5_url,
            payer_client_ip=client_ip if channel == "wechat_h5" else None,
            now=utcnow(),
        )
        if recorded:
            await repo.add_event(
                session,
                payment_id=payment.id,
                kind="prepay_issued",
                amount=payment.amount,
                data={"prepay_id": prepay_id, "h5_url": h5_url},
                now=utcnow(),
            )
    if not recorded:
        async with short_transaction(ctx.sessionmaker) as session:
            current = await repo.get_payment(session, payment.payment_no)
        if current is not None and current.status == "succeeded":
            raise AlreadyPaid()  # paid through the previous prepay session meanwhile
        # Closed (the order was cancelled) while WeChat was being asked: the prepay session
        # just created must not stay payable.
        await close_payment(ctx, pay, payment.payment_no)
        raise PaymentClosed()
    return PrepayResult(
        payment_no=payment.payment_no,
        channel=channel,
        prepay_id=prepay_id or "",
        pay_params=pay.jsapi_pay_params(prepay_id)
        if prepay_id and channel == "wechat_jsapi"
        else None,
        h5_url=h5_url,
    )


async def _open_payment(
    session: AsyncSession,
    *,
    order_no: str,
    member_id: int,
    amount: int,
    description: str,
    payer_openid: str | None,
    channel: str,
    expires_at: datetime,
    now: datetime,
) -> Payment:
    if await repo.has_succeeded_payment(session, order_no):
        raise AlreadyPaid()
    payment = await repo.get_open_payment(session, order_no, channel)
    if payment is None:
        # A merge absorbing the payer waits for this payment row (and moves it) or refuses it.
        await members.hold_member(session, member_id)
        payment_id = await repo.insert_open_payment(
            session,
            {
                "payment_no": new_number("P"),
                "order_no": order_no,
                "member_id": member_id,
                "channel": channel,
                "amount": amount,
                "currency": "CNY",
                "status": "created",
                "description": description,
                "payer_openid": payer_openid,
                "expires_at": expires_at,
                "created_at": now,
                "updated_at": now,
            },
        )
        if payment_id is not None:
            await repo.add_event(
                session,
                payment_id=payment_id,
                kind="created",
                amount=amount,
                data={"channel": channel, "member_id": member_id},
                now=now,
            )
        payment = await repo.get_open_payment(session, order_no, channel)
        if payment is None:  # closed between the insert and the read
            raise PaymentClosed()
    if payment.member_id != member_id:
        raise PaymentNotFound()
    if payment.amount != amount:
        raise AmountChanged(f"open payment {payment.payment_no} is for {payment.amount} fen")
    return payment


def _reusable_result(pay: WeChatPayClient, payment: Payment, now: datetime) -> PrepayResult | None:
    if payment.status != "prepaid" or payment.prepaid_at is None:
        return None
    if payment.channel == "wechat_jsapi" and payment.prepay_id:
        if payment.prepaid_at + PREPAY_REUSE["wechat_jsapi"] <= now:
            return None
        return PrepayResult(
            payment_no=payment.payment_no,
            channel=payment.channel,
            prepay_id=payment.prepay_id,
            pay_params=pay.jsapi_pay_params(payment.prepay_id),
            h5_url=None,
        )
    if payment.channel == "wechat_h5" and payment.h5_url:
        if payment.prepaid_at + H5_URL_REUSE <= now:
            return None
        return PrepayResult(
            payment_no=payment.payment_no,
            channel=payment.channel,
            prepay_id=payment.prepay_id or "",
            pay_params=None,
            h5_url=payment.h5_url,
        )
    return None


def _query_param(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


async def _prepay_failed(
    ctx: AppContext, pay: WeChatPayClient, payment: Payment, exc: WeChatPayError
) -> NoReturn:
    log.warning(
        "payments_prepay_failed",
        payment_no=payment.payment_no,
        code=exc.code,
        status=exc.http_status,
        verified=exc.verified,
    )
    if exc.verified and exc.code == "ORDERPAID":
        # Paid already (the notify is late or lost): settle it now from WeChat's own answer.
        await sync_payment(ctx, pay, payment.payment_no)
        raise AlreadyPaid() from exc
    if exc.verified and exc.code == "ORDER_CLOSED":
        async with short_transaction(ctx.sessionmaker) as session:
            await _record_closed(session, payment.id, source="prepay", closed_by="wechat")
        raise PaymentClosed() from exc
    raise ProviderError(f"WeChat Pay: {exc.code}: {exc.message}", provider_code=exc.code) from exc
