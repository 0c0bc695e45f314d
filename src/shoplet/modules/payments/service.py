"""Payments: WeChat Pay v3 prepay, notifies, refunds, closes, sync jobs and reconciliation.

Two rules shape this file:

- **No transaction is open across a WeChat Pay call.** ``request_prepay`` runs a short
  transaction, commits, calls WeChat, then records the answer in a second one. Refund
  submissions and closes are requested inside the caller's transaction (outbox event), and the
  payments handler of that event schedules the WeChat call for *after its own commit*
  (:func:`after_commit`); the call's outcome is written in a new short transaction. If the
  process dies in between, the sync jobs pick the work up again: WeChat is idempotent on
  ``out_trade_no`` / ``out_refund_no``.
- **Money is counted from the append-only history** (``payments_event``); statuses are caches,
  and every transition is a conditional UPDATE, so a notify, its retries and the sync job can
  race without applying anything twice.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, NoReturn
from urllib.parse import parse_qs, urlsplit

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import on_commit, short_transaction, unit_of_work, utcnow
from shoplet.core.events import drain_outbox, publish
from shoplet.integrations.wechat.pay import (
    NotifyResource,
    TradeBillRow,
    WeChatPayClient,
    WeChatPayConfig,
    WeChatPayError,
)
from shoplet.integrations.wechat.pay import Refund as WeChatRefund
from shoplet.integrations.wechat.pay import Transaction as WeChatTransaction
from shoplet.integrations.wechat.pay_crypto import CHINA_TZ
from shoplet.modules.payments import repository as repo
from shoplet.modules.payments.errors import (
    AlreadyPaid,
    AmountChanged,
    InvalidAmount,
    InvalidRefundReason,
    NotPaid,
    OpenidRequired,
    PaymentClosed,
    PaymentExpired,
    PaymentNotFound,
    ProviderError,
    RefundConflict,
    RefundExceedsPaid,
)
from shoplet.modules.payments.events import (
    CLOSE_REQUESTED,
    PAYMENT_SUCCEEDED,
    REFUND_FAILED,
    REFUND_REQUESTED,
    REFUND_SUCCEEDED,
)
from shoplet.modules.payments.models import OPEN_PAYMENT_STATUSES, Payment, Refund
from shoplet.modules.payments.schemas import (
    PaymentAmounts,
    PaymentInfo,
    PrepayResult,
    ReconciliationReport,
    RefundInfo,
)

log = structlog.get_logger("shoplet.payments")

Channel = Literal["wechat_jsapi", "wechat_h5"]

# A prepay_id lives two hours at WeChat, an h5_url five minutes: reuse them with a margin.
PREPAY_REUSE = {"wechat_jsapi": timedelta(hours=2) - timedelta(minutes=5)}
H5_URL_REUSE = timedelta(minutes=4)
DESCRIPTION_MAX = 127
REASON_MAX = 80
# Sync jobs: how long a notify may take before we ask WeChat ourselves.
NOTIFY_GRACE = timedelta(seconds=60)
REFUND_SUBMIT_GRACE = timedelta(seconds=30)
REFUND_NOTIFY_GRACE = timedelta(seconds=60)
SYNC_HORIZON = timedelta(days=2)
REFUND_SYNC_HORIZON = timedelta(days=30)
SYNC_BATCH = 100
# WeChat publishes the previous day's trade bill from 10:00 China time.
BILL_READY = time(10, 0)
# Refund errors worth retrying later with the same out_refund_no (the money is still ours).
RETRY_LATER_CODES = {"NOT_ENOUGH", "FREQUENCY_LIMITED", "USER_ACCOUNT_ABNORMAL"}


def new_number(prefix: str) -> str:
    """``P20240520123456`` + 8 random digits: readable, sortable by time, unique in practice
    (and enforced unique by the table)."""
    return prefix + utcnow().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


# --- runtime: the WeChat Pay client and after-commit calls ---------------------------------

RUNTIME_KEY = "payments.runtime"

CallFactory = Callable[[], Awaitable[None]]


class PaymentsRuntime:
    """What payments' handlers and jobs need in a process: the context, the WeChat Pay client,
    and the WeChat calls scheduled to run after a commit (awaited on shutdown)."""

    def __init__(self, ctx: AppContext, pay: WeChatPayClient) -> None:
        self.ctx = ctx
        self.pay = pay
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, factory: CallFactory) -> None:
        task = asyncio.get_running_loop().create_task(self._run(factory))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(factory: CallFactory) -> None:
        try:
            await factory()
        except Exception:
            # The work is still recorded as to-do in the database: the sync jobs retry it.
            log.exception("payments_provider_call_failed")

    async def wait_idle(self) -> int:
        """Wait for every scheduled call (and those they schedule); return how many ran."""
        waited = 0
        while self._tasks:
            tasks = list(self._tasks)
            waited += len(tasks)
            await asyncio.gather(*tasks, return_exceptions=True)
        return waited

    async def aclose(self, grace_seconds: float = 10.0) -> None:
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def install_runtime(ctx: AppContext, pay: WeChatPayClient) -> PaymentsRuntime:
    """Make the runtime reachable from jobs (``ctx.extras``) and from event handlers (every
    session of ``ctx.sessionmaker`` carries it in ``Session.info``)."""
    runtime = PaymentsRuntime(ctx, pay)
    ctx.extras[RUNTIME_KEY] = runtime
    info = dict(ctx.sessionmaker.kw.get("info") or {})
    info[RUNTIME_KEY] = runtime
    ctx.sessionmaker.configure(info=info)
    return runtime


def runtime_of(ctx: AppContext) -> PaymentsRuntime:
    runtime = ctx.extras.get(RUNTIME_KEY)
    if not isinstance(runtime, PaymentsRuntime):
        raise RuntimeError("payments is not started in this process (no WeChat Pay client)")
    return runtime


def runtime_for(session: AsyncSession) -> PaymentsRuntime:
    runtime = session.info.get(RUNTIME_KEY)
    if not isinstance(runtime, PaymentsRuntime):
        raise RuntimeError("payments is not started in this process (no WeChat Pay client)")
    return runtime


def after_commit(session: AsyncSession, factory: CallFactory) -> None:
    """Run ``factory()`` once this session's transaction has committed (never if it rolls
    back), as a task of the payments runtime."""
    runtime = runtime_for(session)  # fail now, inside the transaction, rather than after it
    on_commit(session, lambda: runtime.spawn(factory))


async def settle(ctx: AppContext, *, max_rounds: int = 50) -> None:
    """Drain the outbox and wait for the WeChat calls it scheduled, until nothing is left
    (tests and scripts; the worker does the same continuously)."""
    runtime = runtime_of(ctx)
    for _ in range(max_rounds):
        relayed = await drain_outbox(ctx)
        waited = await runtime.wait_idle()
        if relayed == 0 and waited == 0:
            return
    raise RuntimeError(f"payments still busy after {max_rounds} rounds")


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


# --- payment success (notify, sync) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying WeChat's word did: ``applied``, ``duplicate`` (already recorded),
    ``ignored`` (nothing to record) or ``rejected`` (does not match our records; ``message``)."""

    result: Literal["applied", "duplicate", "ignored", "rejected"]
    message: str = ""

    @property
    def accepted(self) -> bool:
        return self.result != "rejected"


def _transaction_mismatch(
    payment: Payment, txn: WeChatTransaction, cfg: WeChatPayConfig
) -> str | None:
    if txn.mchid != cfg.mchid:
        return "mchid does not match"
    if txn.appid != cfg.appid:
        return "appid does not match"
    if txn.out_trade_no != payment.payment_no:
        return "out_trade_no does not match"
    if txn.total != payment.amount:
        return f"amount {txn.total} does not match the payment's {payment.amount}"
    if txn.currency != payment.currency:
        return f"currency {txn.currency} does not match"
    return None


async def apply_transaction(
    session: AsyncSession,
    cfg: WeChatPayConfig,
    txn: WeChatTransaction,
    *,
    source: str,
    notify_id: str | None = None,
) -> Outcome:
    """Record a paid transaction (notify, query): succeeded event + status + payment.succeeded,
    exactly once per payment; anything that does not match the payment is rejected unwritten."""
    payment = await repo.get_payment(session, txn.out_trade_no)
    if payment is None:
        return Outcome("rejected", f"unknown out_trade_no {txn.out_trade_no}")
    mismatch = _transaction_mismatch(payment, txn, cfg)
    if mismatch is not None:
        return Outcome("rejected", mismatch)
    if not txn.is_paid:
        return Outcome("ignored", f"trade_state {txn.trade_state}")
    now = utcnow()
    paid_at = txn.success_time or now
    if not await repo.mark_succeeded(
        session, payment.id, transaction_id=txn.transaction_id, paid_at=paid_at, now=now
    ):
        return Outcome("duplicate")
    await repo.add_event(
        session,
        payment_id=payment.id,
        kind="succeeded",
        amount=txn.total,
        data={
            "transaction_id": txn.transaction_id,
            "source": source,
            "notify_id": notify_id,
            "previous_status": payment.status,
            "success_time": paid_at.isoformat(),
        },
        now=now,
    )
    await publish(
        session,
        PAYMENT_SUCCEEDED,
        {
            "payment_no": payment.payment_no,
            "order_no": payment.order_no,
            "member_id": payment.member_id,
            "channel": payment.channel,
            "amount": txn.total,
            "transaction_id": txn.transaction_id,
            "paid_at": paid_at,
        },
        key=payment.order_no,
    )
    log.info(
        "payment_succeeded",
        payment_no=payment.payment_no,
        order_no=payment.order_no,
        amount=txn.total,
        source=source,
    )
    return Outcome("applied")


async def apply_payment_notify(
    session: AsyncSession, cfg: WeChatPayConfig, notify: NotifyResource
) -> Outcome:
    if notify.event_type != "TRANSACTION.SUCCESS":
        return Outcome("rejected", f"unexpected event_type {notify.event_type}")
    try:
        txn = notify.transaction()
    except ValueError as exc:
        return Outcome("rejected", f"malformed transaction: {exc}")
    if txn.trade_state != "SUCCESS":
        return Outcome("rejected", f"trade_state {txn.trade_state} in a success notify")
    return await apply_transaction(session, cfg, txn, source="notify", notify_id=notify.id)


async def sync_payment(ctx: AppContext, pay: WeChatPayClient, payment_no: str) -> Outcome:
    """Ask WeChat about a payment and record what it says (success, close, failure)."""
    try:
        txn = await pay.query_by_out_trade_no(payment_no)
    except WeChatPayError as exc:
        if exc.verified and exc.code == "ORDER_NOT_EXIST":
            return Outcome("ignored", "not at WeChat")
        log.warning("payments_query_failed", payment_no=payment_no, code=exc.code)
        return Outcome("ignored", exc.code)
    async with unit_of_work(ctx.sessionmaker) as session:
        if txn.is_paid:
            outcome = await apply_transaction(session, pay.config, txn, source="query")
            if outcome.result == "rejected":
                log.error("payments_query_mismatch", payment_no=payment_no, reason=outcome.message)
            return outcome
        payment = await repo.get_payment(session, payment_no)
        if payment is None:
            return Outcome("ignored", "unknown payment")
        if txn.trade_state in {"CLOSED", "REVOKED"}:
            await _record_closed(session, payment.id, source="query", closed_by="wechat")
            return Outcome("applied")
        if txn.trade_state == "PAYERROR" and await repo.set_payment_status(
            session,
            payment.id,
            status="failed",
            from_statuses=OPEN_PAYMENT_STATUSES,
            now=utcnow(),
        ):
            await repo.add_event(
                session,
                payment_id=payment.id,
                kind="failed",
                data={"trade_state": txn.trade_state, "desc": txn.trade_state_desc},
                now=utcnow(),
            )
            return Outcome("applied")
        return Outcome("ignored", txn.trade_state)


# --- close ---------------------------------------------------------------------------------


async def close_for_order(session: AsyncSession, *, order_no: str) -> None:
    """Stop every open payment of the order (in the caller's transaction); the WeChat
    transactions are closed after commit by the ``payment.close_requested`` handler.

    A payment that turns out to be paid anyway is recorded as succeeded when WeChat says so
    (``payment.succeeded`` follows; the order decides to refund). Idempotent."""
    now = utcnow()
    for payment_id, payment_no, amount in await repo.close_open_payments(
        session, order_no, now=now
    ):
        await repo.add_event(
            session, payment_id=payment_id, kind="close_requested", amount=0, data={}, now=now
        )
        await publish(
            session,
            CLOSE_REQUESTED,
            {"payment_no": payment_no, "order_no": order_no, "amount": amount},
            key=order_no,
        )


async def close_payment(ctx: AppContext, pay: WeChatPayClient, payment_no: str) -> None:
    """Close the WeChat transaction (no transaction open here) and record the outcome."""
    try:
        await pay.close(payment_no)
    except WeChatPayError as exc:
        if exc.verified and exc.code == "ORDERPAID":
            await sync_payment(ctx, pay, payment_no)
            return
        if not (exc.verified and exc.code in {"ORDER_NOT_EXIST", "ORDER_CLOSED"}):
            log.warning("payments_close_failed", payment_no=payment_no, code=exc.code)
            return  # the sync job tries again
    async with unit_of_work(ctx.sessionmaker) as session:
        payment = await repo.get_payment(session, payment_no)
        if payment is not None:
            await _record_closed(session, payment.id, source="close", closed_by="shoplet")


async def _record_closed(
    session: AsyncSession, payment_id: int, *, source: str, closed_by: str
) -> None:
    now = utcnow()
    payment = await repo.get_payment_by_id(session, payment_id)
    if payment is None or payment.status == "succeeded":
        return
    if payment.status in OPEN_PAYMENT_STATUSES:
        await repo.set_payment_status(
            session, payment_id, status="closed", from_statuses=OPEN_PAYMENT_STATUSES, now=now
        )
    await repo.add_event(
        session,
        payment_id=payment_id,
        kind="closed",
        data={"source": source, "closed_by": closed_by},
        now=now,
    )


# --- refunds -------------------------------------------------------------------------------


async def request_refund(
    session: AsyncSession,
    *,
    order_no: str,
    aftersale_no: str | None,
    amount: int,
    reason: str,
) -> str:
    """Reserve ``amount`` of the order's paid money for a refund and return the refund no.

    The check and the write are atomic (payment rows locked); the WeChat call happens after
    commit. A repeated request for the same after-sale returns the same refund."""
    if amount <= 0:
        raise InvalidAmount()
    reason = " ".join(reason.split())
    if not reason or len(reason) > REASON_MAX:
        raise InvalidRefundReason()
    payments = await repo.lock_paid_payments(session, order_no)
    if aftersale_no is not None:
        existing = await repo.get_live_refund_for_aftersale(session, aftersale_no)
        if existing is not None:
            if existing.order_no != order_no or existing.amount != amount:
                raise RefundConflict(
                    f"refund {existing.refund_no} of {existing.amount} fen exists for "
                    f"after-sale {aftersale_no}"
                )
            return existing.refund_no
    if not payments:
        raise NotPaid()
    totals = await repo.event_totals(session, [p.id for p in payments])
    refundable = {p.id: _refundable(totals[p.id]) for p in payments}
    # One WeChat refund draws on one transaction: take the first payment that covers it.
    payment = next((p for p in payments if refundable[p.id] >= amount), None)
    if payment is None:
        left = sum(refundable.values())
        raise RefundExceedsPaid(
            f"{amount} fen requested, {left} fen left to refund", refundable=left
        )
    now = utcnow()
    refund = Refund(
        refund_no=new_number("R"),
        payment_id=payment.id,
        order_no=order_no,
        aftersale_no=aftersale_no,
        amount=amount,
        reason=reason,
        status="requested",
        created_at=now,
        updated_at=now,
    )
    await repo.add_refund(session, refund)
    await repo.add_event(
        session,
        payment_id=payment.id,
        refund_id=refund.id,
        kind="refund_requested",
        amount=amount,
        data={"refund_no": refund.refund_no, "aftersale_no": aftersale_no, "reason": reason},
        now=now,
    )
    await publish(
        session,
        REFUND_REQUESTED,
        {
            "refund_no": refund.refund_no,
            "order_no": order_no,
            "aftersale_no": aftersale_no,
            "amount": amount,
        },
        key=order_no,
    )
    return refund.refund_no


def _refundable(totals: dict[str, int]) -> int:
    reserved = totals.get("refund_requested", 0) - totals.get("refund_failed", 0)
    return totals.get("succeeded", 0) - reserved


async def submit_refund(ctx: AppContext, pay: WeChatPayClient, refund_no: str) -> None:
    """Send a requested refund to WeChat (no transaction open) and record the answer."""
    async with unit_of_work(ctx.sessionmaker) as session:
        refund = await repo.get_refund(session, refund_no)
        payment = await repo.get_payment_by_id(session, refund.payment_id) if refund else None
    if refund is None or payment is None or refund.status != "requested":
        return
    try:
        answer = await pay.refund(
            out_trade_no=payment.payment_no,
            out_refund_no=refund.refund_no,
            refund=refund.amount,
            total=payment.amount,
            reason=refund.reason,
        )
    except WeChatPayError as exc:
        error = f"{exc.code}: {exc.message}"
        retry = not exc.verified or exc.is_retryable or exc.code in RETRY_LATER_CODES
        log.warning(
            "payments_refund_submit_failed", refund_no=refund_no, code=exc.code, retry=retry
        )
        async with unit_of_work(ctx.sessionmaker) as session:
            if retry:
                await repo.note_refund_error(session, refund.id, error=error, now=utcnow())
            else:
                await _fail_refund(session, refund, error=error, source="submit")
        return
    async with unit_of_work(ctx.sessionmaker) as session:
        await apply_refund_answer(session, refund, answer, source="submit")


async def apply_refund_answer(
    session: AsyncSession, refund: Refund, answer: WeChatRefund, *, source: str
) -> Outcome:
    """Record WeChat's view of a refund (apply answer, query or notify), once per transition."""
    now = utcnow()
    if await repo.mark_refund_submitted(
        session,
        refund.id,
        wechat_refund_id=answer.refund_id,
        submitted_at=answer.create_time or now,
        now=now,
    ):
        await repo.add_event(
            session,
            payment_id=refund.payment_id,
            refund_id=refund.id,
            kind="refund_submitted",
            amount=refund.amount,
            data={"wechat_refund_id": answer.refund_id, "status": answer.status, "source": source},
            now=now,
        )
    if answer.status == "SUCCESS":
        return await _succeed_refund(session, refund, answer, source=source)
    if answer.status in {"CLOSED", "ABNORMAL"}:
        done = await _fail_refund(
            session, refund, error=f"WeChat refund {answer.status}", source=source, answer=answer
        )
        return Outcome("applied" if done else "duplicate")
    return Outcome("ignored", answer.status)


async def _succeed_refund(
    session: AsyncSession, refund: Refund, answer: WeChatRefund, *, source: str
) -> Outcome:
    now = utcnow()
    if not await repo.finish_refund(
        session,
        refund.id,
        status="succeeded",
        wechat_refund_id=answer.refund_id,
        succeeded_at=answer.success_time or now,
        error=None,
        now=now,
    ):
        return Outcome("duplicate")
    await repo.add_event(
        session,
        payment_id=refund.payment_id,
        refund_id=refund.id,
        kind="refund_succeeded",
        amount=refund.amount,
        data={"wechat_refund_id": answer.refund_id, "source": source},
        now=now,
    )
    payment = await repo.get_payment_by_id(session, refund.payment_id)
    assert payment is not None  # noqa: S101 (foreign key)
    await publish(
        session,
        REFUND_SUCCEEDED,
        {
            "refund_no": refund.refund_no,
            "order_no": refund.order_no,
            "aftersale_no": refund.aftersale_no,
            "payment_no": payment.payment_no,
            "amount": refund.amount,
        },
        key=refund.order_no,
    )
    log.info("refund_succeeded", refund_no=refund.refund_no, amount=refund.amount, source=source)
    return Outcome("applied")


async def _fail_refund(
    session: AsyncSession,
    refund: Refund,
    *,
    error: str,
    source: str,
    answer: WeChatRefund | None = None,
) -> bool:
    now = utcnow()
    if not await repo.finish_refund(
        session,
        refund.id,
        status="failed",
        wechat_refund_id=answer.refund_id if answer else None,
        succeeded_at=None,
        error=error[:2000],
        now=now,
    ):
        return False
    # The failed amount is released: refundable again (see _refundable).
    await repo.add_event(
        session,
        payment_id=refund.payment_id,
        refund_id=refund.id,
        kind="refund_failed",
        amount=refund.amount,
        data={"error": error[:500], "source": source},
        now=now,
    )
    payment = await repo.get_payment_by_id(session, refund.payment_id)
    assert payment is not None  # noqa: S101 (foreign key)
    await publish(
        session,
        REFUND_FAILED,
        {
            "refund_no": refund.refund_no,
            "order_no": refund.order_no,
            "aftersale_no": refund.aftersale_no,
            "payment_no": payment.payment_no,
            "amount": refund.amount,
            "error": error[:500],
        },
        key=refund.order_no,
    )
    log.warning("refund_failed", refund_no=refund.refund_no, error=error, source=source)
    return True


async def apply_refund_notify(
    session: AsyncSession, cfg: WeChatPayConfig, notify: NotifyResource
) -> Outcome:
    if notify.event_type not in {"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"}:
        return Outcome("rejected", f"unexpected event_type {notify.event_type}")
    try:
        answer = notify.refund()
    except ValueError as exc:
        return Outcome("rejected", f"malformed refund: {exc}")
    refund = await repo.get_refund(session, answer.out_refund_no)
    if refund is None:
        return Outcome("rejected", f"unknown out_refund_no {answer.out_refund_no}")
    payment = await repo.get_payment_by_id(session, refund.payment_id)
    if payment is None or answer.out_trade_no != payment.payment_no:
        return Outcome("rejected", "out_trade_no does not match the refund's payment")
    if answer.refund != refund.amount:
        return Outcome("rejected", f"amount {answer.refund} does not match {refund.amount}")
    if answer.status != notify.event_type.removeprefix("REFUND."):
        return Outcome("rejected", "refund_status does not match the event type")
    if refund.status in {"succeeded", "failed"}:
        return Outcome("duplicate")
    return await apply_refund_answer(session, refund, answer, source="notify")


async def sync_refund(ctx: AppContext, pay: WeChatPayClient, refund_no: str) -> Outcome:
    try:
        answer = await pay.query_refund(refund_no)
    except WeChatPayError as exc:
        log.warning("payments_refund_query_failed", refund_no=refund_no, code=exc.code)
        return Outcome("ignored", exc.code)
    async with unit_of_work(ctx.sessionmaker) as session:
        refund = await repo.get_refund(session, refund_no)
        if refund is None:
            return Outcome("ignored", "unknown refund")
        outcome = await apply_refund_answer(session, refund, answer, source="query")
        if outcome.result == "ignored":
            await repo.touch_refund(session, refund.id, utcnow())
        return outcome


# --- jobs ----------------------------------------------------------------------------------


async def sync_pending(
    ctx: AppContext, pay: WeChatPayClient, *, now: datetime | None = None
) -> int:
    """Settle payments whose notify did not come (query), and confirm closes WeChat has not
    acknowledged yet. Returns how many payments were looked at."""
    now = now or utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        pending = await repo.pending_payments(
            session,
            prepaid_before=now - NOTIFY_GRACE,
            expires_after=now - SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
        closes = await repo.unconfirmed_closes(
            session,
            updated_before=now - NOTIFY_GRACE,
            updated_after=now - SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
    for payment in pending:
        outcome = await sync_payment(ctx, pay, payment.payment_no)
        if outcome.result == "ignored":
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.touch_payment(session, payment.id, utcnow())
    for payment in closes:
        await close_payment(ctx, pay, payment.payment_no)
    return len(pending) + len(closes)


async def sync_refunds(
    ctx: AppContext, pay: WeChatPayClient, *, now: datetime | None = None
) -> int:
    """Submit refunds whose submission did not happen (crash, WeChat down, balance short) and
    query submitted ones whose notify did not come. Returns how many were looked at."""
    now = now or utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        to_submit = await repo.refunds_in_status(
            session,
            status="requested",
            updated_before=now - REFUND_SUBMIT_GRACE,
            created_after=now - REFUND_SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
        to_query = await repo.refunds_in_status(
            session,
            status="processing",
            updated_before=now - REFUND_NOTIFY_GRACE,
            created_after=now - REFUND_SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
    for refund in to_submit:
        await submit_refund(ctx, pay, refund.refund_no)
    for refund in to_query:
        await sync_refund(ctx, pay, refund.refund_no)
    return len(to_submit) + len(to_query)


# --- reconciliation ------------------------------------------------------------------------


def china_day_bounds(bill_date: date) -> tuple[datetime, datetime]:
    start = datetime.combine(bill_date, time(0, 0), tzinfo=CHINA_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


async def reconcile(ctx: AppContext, pay: WeChatPayClient, bill_date: date) -> ReconciliationReport:
    """Compare WeChat's trade bill of ``bill_date`` (China date) with the payments paid and the
    refunds submitted that day; store (or replace) the day's reconciliation."""
    try:
        bill = await pay.trade_bill(bill_date)
        rows = list(bill.rows)
        fee_total = str(bill.summary.fee_total)
    except WeChatPayError as exc:
        if not (exc.verified and exc.code == "NO_STATEMENT_EXIST"):
            raise
        rows, fee_total = [], "0"
    start, end = china_day_bounds(bill_date)
    bill_payments = {r.out_trade_no: r for r in rows if r.trade_state == "SUCCESS"}
    bill_refunds = {r.out_refund_no: r for r in rows if r.out_refund_no}
    async with unit_of_work(ctx.sessionmaker) as session:
        payments = {p.payment_no: p for p in await repo.payments_paid_between(session, start, end)}
        refunds = {
            r.refund_no: r for r in await repo.refunds_submitted_between(session, start, end)
        }
        differences = _payment_differences(bill_payments, payments)
        for difference in differences:
            if difference["kind"] == "missing_local_payment":
                known = await repo.get_payment(session, difference["payment_no"])
                difference["local_status"] = known.status if known else None
        differences += _refund_differences(bill_refunds, refunds)
        summary = {
            "bill_payments": len(bill_payments),
            "bill_payment_total": sum(r.order_amount for r in bill_payments.values()),
            "bill_refunds": len(bill_refunds),
            "bill_refund_total": sum(r.refund_amount for r in bill_refunds.values()),
            "local_payments": len(payments),
            "local_payment_total": sum(p.amount for p in payments.values()),
            "local_refunds": len(refunds),
            "local_refund_total": sum(r.amount for r in refunds.values()),
            "fee_total": fee_total,
        }
        status = "differences" if differences else "ok"
        now = utcnow()
        await repo.save_reconciliation(
            session,
            bill_date=bill_date,
            status=status,
            summary=summary,
            differences=differences,
            now=now,
        )
    if differences:
        log.warning(
            "payments_reconciliation_differences", bill_date=str(bill_date), count=len(differences)
        )
    return ReconciliationReport(
        bill_date=bill_date,
        status=status,
        summary=summary,
        differences=differences,
        created_at=now,
    )


def _payment_differences(
    bill: dict[str, TradeBillRow], local: dict[str, Payment]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for no, row in sorted(bill.items()):
        payment = local.get(no)
        if payment is None:
            out.append(
                {
                    "kind": "missing_local_payment",
                    "payment_no": no,
                    "transaction_id": row.transaction_id,
                    "bill_amount": row.order_amount,
                }
            )
        elif payment.amount != row.order_amount:
            out.append(
                {
                    "kind": "payment_amount_mismatch",
                    "payment_no": no,
                    "local_amount": payment.amount,
                    "bill_amount": row.order_amount,
                }
            )
    out.extend(
        {"kind": "missing_bill_payment", "payment_no": no, "local_amount": payment.amount}
        for no, payment in sorted(local.items())
        if no not in bill
    )
    return out


def _refund_differences(
    bill: dict[str, TradeBillRow], local: dict[str, Refund]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for no, row in sorted(bill.items()):
        refund = local.get(no)
        if refund is None:
            out.append(
                {
                    "kind": "missing_local_refund",
                    "refund_no": no,
                    "payment_no": row.out_trade_no,
                    "bill_amount": row.refund_amount,
                }
            )
        elif refund.amount != row.refund_amount:
            out.append(
                {
                    "kind": "refund_amount_mismatch",
                    "refund_no": no,
                    "local_amount": refund.amount,
                    "bill_amount": row.refund_amount,
                }
            )
    out.extend(
        {"kind": "missing_bill_refund", "refund_no": no, "local_amount": refund.amount}
        for no, refund in sorted(local.items())
        if no not in bill
    )
    return out


async def reconcile_previous_day(
    ctx: AppContext, pay: WeChatPayClient, *, now: datetime | None = None
) -> ReconciliationReport | None:
    """The daily job: yesterday (China time), once the bill is published, once."""
    local_now = (now or utcnow()).astimezone(CHINA_TZ)
    if local_now.time() < BILL_READY:
        return None
    bill_date = local_now.date() - timedelta(days=1)
    async with unit_of_work(ctx.sessionmaker) as session:
        if await repo.get_reconciliation(session, bill_date) is not None:
            return None
    return await reconcile(ctx, pay, bill_date)


async def get_reconciliation(session: AsyncSession, bill_date: date) -> ReconciliationReport | None:
    row = await repo.get_reconciliation(session, bill_date)
    if row is None:
        return None
    return ReconciliationReport(
        bill_date=row.bill_date,
        status=row.status,
        summary=dict(row.summary),
        differences=list(row.differences),
        created_at=row.created_at,
    )


# --- reads ---------------------------------------------------------------------------------


async def amounts_for_order(session: AsyncSession, order_no: str) -> PaymentAmounts:
    totals = await repo.order_event_totals(session, order_no)
    requested = totals.get("refund_requested", 0)
    refunded = totals.get("refund_succeeded", 0)
    failed = totals.get("refund_failed", 0)
    return PaymentAmounts(
        paid=totals.get("succeeded", 0),
        refunded=refunded,
        refunding=requested - refunded - failed,
    )


async def payments_for_order(session: AsyncSession, order_no: str) -> list[PaymentInfo]:
    return [
        PaymentInfo(
            payment_no=p.payment_no,
            order_no=p.order_no,
            channel=p.channel,
            amount=p.amount,
            status=p.status,
            transaction_id=p.transaction_id,
            paid_at=p.paid_at,
            created_at=p.created_at,
        )
        for p in await repo.list_payments(session, order_no)
    ]


async def refunds_for_order(session: AsyncSession, order_no: str) -> list[RefundInfo]:
    payments = {p.id: p.payment_no for p in await repo.list_payments(session, order_no)}
    return [
        RefundInfo(
            refund_no=r.refund_no,
            order_no=r.order_no,
            payment_no=payments.get(r.payment_id, ""),
            aftersale_no=r.aftersale_no,
            amount=r.amount,
            reason=r.reason,
            status=r.status,
            wechat_refund_id=r.wechat_refund_id,
            last_error=r.last_error,
            created_at=r.created_at,
            succeeded_at=r.succeeded_at,
        )
        for r in await repo.list_refunds(session, order_no)
    ]
