"""Refunds: atomic amount checks, submission after commit, notifies and failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import run_job
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.payments.public import (
    InvalidAmount,
    InvalidRefundReason,
    NotPaid,
    PaymentAmounts,
    RefundConflict,
    RefundExceedsPaid,
    amounts_for_order,
    refunds_for_order,
    request_refund,
    settle,
)
from tests.conftest import snapshot
from tests.modules.payments.conftest import (
    alerts,
    backdate_refund,
    history,
    paid,
    prepay,
    published,
    refund,
    refund_row,
)

ORDER = "SO20240520000001"


async def amounts(ctx: AppContext, order_no: str = ORDER) -> PaymentAmounts:
    async with ctx.sessionmaker() as session:
        return await amounts_for_order(session, order_no)


async def test_refund_is_submitted_after_commit_and_settled_by_the_notify(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    payment = await paid(ctx, pay, sim)

    refund_no = await refund(ctx, amount=1000, aftersale_no="AS20240520000001")

    # Requested: the money is reserved, WeChat has not been asked yet.
    assert refund_no.startswith("R")
    assert refund_no not in sim.refunds
    assert (await refund_row(ctx, refund_no)).status == "requested"
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=0, refunding=1000)
    assert await published(ctx, "refund.requested") == [
        {
            "refund_no": refund_no,
            "order_no": ORDER,
            "aftersale_no": "AS20240520000001",
            "amount": 1000,
        }
    ]

    await settle(ctx)

    submitted = sim.refunds[refund_no]
    assert (submitted.out_trade_no, submitted.refund, submitted.total) == (
        payment.payment_no,
        1000,
        2990,
    )
    assert submitted.reason == "不想要了"
    row = await refund_row(ctx, refund_no)
    assert (row.status, row.wechat_refund_id) == ("processing", submitted.refund_id)

    delivery = await sim.complete_refund(refund_no)
    assert delivery is not None
    assert delivery.status_code == 204, delivery.response_text

    row = await refund_row(ctx, refund_no)
    assert row.status == "succeeded"
    assert row.succeeded_at == submitted.success_time
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=1000, refunding=0)
    assert await history(ctx, payment.payment_no) == [
        ("created", 2990),
        ("prepay_issued", 2990),
        ("succeeded", 2990),
        ("refund_requested", 1000),
        ("refund_submitted", 1000),
        ("refund_succeeded", 1000),
    ]
    assert await published(ctx, "refund.succeeded") == [
        {
            "refund_no": refund_no,
            "order_no": ORDER,
            "aftersale_no": "AS20240520000001",
            "payment_no": payment.payment_no,
            "amount": 1000,
        }
    ]
    async with ctx.sessionmaker() as session:
        (info,) = await refunds_for_order(session, ORDER)
    assert (info.refund_no, info.status, info.payment_no, info.amount) == (
        refund_no,
        "succeeded",
        payment.payment_no,
        1000,
    )

    # WeChat's retry of the refund notify is acknowledged and changes nothing.
    await settle(ctx)
    before = await snapshot(ctx)
    again = await sim.redeliver(delivery.notify.id)
    assert again.status_code == 204
    assert await snapshot(ctx) == before


async def test_over_refund_is_rejected_and_changes_nothing(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    await paid(ctx, pay, sim)
    await refund(ctx, amount=2000)
    before = await snapshot(ctx)

    with pytest.raises(RefundExceedsPaid) as raised:
        await refund(ctx, amount=991)

    assert (raised.value.code, raised.value.status) == ("payments.refund_exceeds_paid", 409)
    assert raised.value.extra == {"refundable": 990}
    assert await snapshot(ctx) == before
    # Exactly what is left is fine.
    await refund(ctx, amount=990)
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=0, refunding=2990)


@pytest.mark.parametrize(
    "case",
    [
        (ORDER, 0, "x", InvalidAmount, "payments.invalid_amount", 400),
        (ORDER, -5, "x", InvalidAmount, "payments.invalid_amount", 400),
        (ORDER, 100, "  ", InvalidRefundReason, "payments.invalid_reason", 400),
        (ORDER, 100, "长" * 81, InvalidRefundReason, "payments.invalid_reason", 400),
        ("SO-NOT-PAID", 100, "x", NotPaid, "payments.not_paid", 409),
    ],
)
async def test_invalid_refund_requests_change_nothing(
    ctx: AppContext,
    pay: WeChatPayClient,
    sim: WeChatPaySimulator,
    case: tuple[str, int, str, type[Exception], str, int],
) -> None:
    order_no, amount, reason, error, code, status = case
    await paid(ctx, pay, sim)
    await prepay(ctx, pay, order_no="SO-NOT-PAID")
    before = await snapshot(ctx)
    with pytest.raises(error) as raised:
        await refund(ctx, order_no=order_no, amount=amount, reason=reason)
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert raised.value.status == status  # type: ignore[attr-defined]
    assert await snapshot(ctx) == before


async def test_the_same_aftersale_gets_the_same_refund(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    await paid(ctx, pay, sim)
    first = await refund(ctx, amount=500, aftersale_no="AS1")
    assert await refund(ctx, amount=500, aftersale_no="AS1") == first
    before = await snapshot(ctx)
    with pytest.raises(RefundConflict) as raised:
        await refund(ctx, amount=600, aftersale_no="AS1")
    assert (raised.value.code, raised.value.status) == ("payments.refund_conflict", 409)
    assert await snapshot(ctx) == before
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=0, refunding=500)


async def test_concurrent_refunds_that_together_exceed_the_payment_one_wins(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, backend: str
) -> None:
    await paid(ctx, pay, sim)
    start = asyncio.Event()

    async def attempt(aftersale_no: str) -> str | Exception:
        await start.wait()
        try:
            return await refund(ctx, amount=2000, aftersale_no=aftersale_no)
        except RefundExceedsPaid as exc:
            return exc

    tasks = [asyncio.create_task(attempt(f"AS{i}")) for i in range(4)]
    await asyncio.sleep(0)
    start.set()
    results = await asyncio.gather(*tasks)

    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, RefundExceedsPaid)]
    assert (len(won), len(lost)) == (1, 3)
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=0, refunding=2000)
    async with ctx.sessionmaker() as session:
        assert [r.refund_no for r in await refunds_for_order(session, ORDER)] == won


async def test_an_abnormal_refund_fails_and_frees_the_amount(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    payment = await paid(ctx, pay, sim)
    refund_no = await refund(ctx, amount=2990, aftersale_no="AS1")
    await settle(ctx)

    delivery = await sim.complete_refund(refund_no, "ABNORMAL")
    assert delivery is not None
    assert delivery.status_code == 204

    row = await refund_row(ctx, refund_no)
    assert (row.status, row.last_error) == ("failed", "WeChat refund ABNORMAL")
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=0, refunding=0)
    assert await published(ctx, "refund.failed") == [
        {
            "refund_no": refund_no,
            "order_no": ORDER,
            "aftersale_no": "AS1",
            "payment_no": payment.payment_no,
            "amount": 2990,
            "error": "WeChat refund ABNORMAL",
        }
    ]
    assert await published(ctx, "refund.succeeded") == []
    # The after-sale may be refunded again, as a new refund.
    second = await refund(ctx, amount=2990, aftersale_no="AS1")
    assert second != refund_no


async def test_a_refund_wechat_refuses_fails_at_submission(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    payment = await paid(ctx, pay, sim)
    refund_no = await refund(ctx, amount=1000)
    # WeChat knows better: the transaction was partly refunded elsewhere (merchant platform).
    sim.transactions[payment.payment_no].refunded = 2500

    await settle(ctx)

    row = await refund_row(ctx, refund_no)
    assert row.status == "failed"
    assert row.last_error == "INVALID_REQUEST: 申请退款金额超过订单可退金额"
    (failed,) = await published(ctx, "refund.failed")
    assert failed["refund_no"] == refund_no
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=0, refunding=0)


async def test_a_short_balance_is_retried_by_the_sync_job(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    await paid(ctx, pay, sim)
    sim.available_balance = 0
    refund_no = await refund(ctx, amount=1000)
    await settle(ctx)

    row = await refund_row(ctx, refund_no)
    assert (row.status, row.last_error) == (
        "requested",
        "NOT_ENOUGH: 基本账户余额不足，请充值后重新发起",
    )
    assert refund_no not in sim.refunds

    sim.available_balance = None
    await run_job(ctx, "payments.sync_refunds")  # too recent: left alone
    assert refund_no not in sim.refunds
    await backdate_refund(ctx, refund_no, timedelta(minutes=1))
    await run_job(ctx, "payments.sync_refunds")

    row = await refund_row(ctx, refund_no)
    assert (row.status, row.last_error) == ("processing", None)
    assert sim.refunds[refund_no].status == "PROCESSING"


async def test_sync_refunds_settles_a_refund_whose_notify_was_lost(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    await paid(ctx, pay, sim)
    refund_no = await refund(ctx, amount=2990)
    await settle(ctx)
    await sim.complete_refund(refund_no, deliver=False)
    await backdate_refund(ctx, refund_no, timedelta(minutes=2))

    await run_job(ctx, "payments.sync_refunds")

    assert (await refund_row(ctx, refund_no)).status == "succeeded"
    (event,) = await published(ctx, "refund.succeeded")
    assert (event["refund_no"], event["amount"]) == (refund_no, 2990)
    assert await amounts(ctx) == PaymentAmounts(paid=2990, refunded=2990, refunding=0)


async def _refund_then_fail(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await request_refund(session, order_no=ORDER, aftersale_no=None, amount=100, reason="x")
        raise RuntimeError("the caller failed after asking")


async def test_a_refund_requested_in_a_rolled_back_transaction_never_reaches_wechat(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    await paid(ctx, pay, sim)
    await settle(ctx)
    before = await snapshot(ctx)
    with pytest.raises(RuntimeError, match="the caller failed"):
        await _refund_then_fail(ctx)
    await settle(ctx)
    assert sim.refunds == {}
    assert await snapshot(ctx) == before


async def test_refund_notifies_that_do_not_match_are_acknowledged_and_change_nothing(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    await paid(ctx, pay, sim)
    refund_no = await refund(ctx, amount=1000)
    await settle(ctx)
    await sim.complete_refund(refund_no, deliver=False)
    before = await snapshot(ctx)

    changes: list[tuple[dict[str, Any], str]] = [
        ({"amount": {"total": 2990, "refund": 2000}}, "amount 2000 does not match 1000"),
        ({"out_refund_no": "R000"}, "unknown out_refund_no R000"),
        ({"out_trade_no": "P000000"}, "out_trade_no does not match the refund's payment"),
        ({"refund_status": "CLOSED"}, "refund_status does not match the event type"),
    ]
    for change, message in changes:
        resource = {**sim.refund_resource(refund_no), **change}
        notify = sim.build_notify(
            event_type="REFUND.SUCCESS",
            summary="退款成功",
            original_type="refund",
            resource=resource,
        )
        response = await client.post(
            "/api/v1/payments/wechat/refund-notify", content=notify.body, headers=notify.headers
        )
        # WeChat would retry a FAIL for a day without anything changing: acknowledged, alerted.
        assert response.status_code == 200
        assert response.json() == {"code": "SUCCESS", "message": message}
    assert await snapshot(ctx) == before
    assert alerts(ctx) == len(changes)
