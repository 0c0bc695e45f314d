"""Payments' safety nets: sync of payments whose notify never came, closes, reconciliation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import run_job
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.integrations.wechat.pay_crypto import CHINA_TZ
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.payments import service
from shoplet.modules.payments.models import Payment
from shoplet.modules.payments.public import (
    close_for_order,
    get_reconciliation,
    reconcile,
    settle,
)
from tests.conftest import snapshot
from tests.modules.payments.conftest import (
    backdate_payment,
    history,
    paid,
    payment_row,
    prepay,
    published,
    refund,
)


async def test_sync_pending_settles_a_payment_whose_notify_never_arrived(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    result = await prepay(ctx, pay)
    unpaid = await prepay(ctx, pay, order_no="SO20240520000002")
    await sim.pay(result.prepay_id, deliver=False)

    await run_job(ctx, "payments.sync_pending")  # too early: the notify may still come
    assert (await payment_row(ctx, result.payment_no)).status == "prepaid"

    await backdate_payment(ctx, result.payment_no, timedelta(minutes=2))
    await backdate_payment(ctx, unpaid.payment_no, timedelta(minutes=2))
    await run_job(ctx, "payments.sync_pending")

    row = await payment_row(ctx, result.payment_no)
    assert (row.status, row.transaction_id) == (
        "succeeded",
        sim.transactions[result.payment_no].transaction_id,
    )
    (event,) = await published(ctx, "payment.succeeded")
    assert (event["payment_no"], event["order_no"], event["amount"]) == (
        result.payment_no,
        "SO20240520000001",
        2990,
    )
    assert (await payment_row(ctx, unpaid.payment_no)).status == "prepaid"

    # The notify arriving late is a duplicate.
    await settle(ctx)
    before = await snapshot(ctx)
    delivery = await sim.deliver(
        sim.transactions[result.payment_no].notify_url,
        sim.build_notify(
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource=sim.transaction_resource(result.payment_no),
        ),
    )
    assert delivery.status_code == 204
    assert await snapshot(ctx) == before


async def test_close_for_order_closes_at_wechat_after_commit(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    jsapi = await prepay(ctx, pay)
    h5 = await prepay(ctx, pay, channel="wechat_h5", openid=None)

    async with unit_of_work(ctx.sessionmaker) as session:
        await close_for_order(session, order_no="SO20240520000001")
        # Nothing is asked of WeChat inside the transaction.
        assert sim.transactions[jsapi.payment_no].trade_state == "NOTPAY"
    assert [p["payment_no"] for p in await published(ctx, "payment.close_requested")] == [
        jsapi.payment_no,
        h5.payment_no,
    ]

    await settle(ctx)

    for payment in (jsapi, h5):
        assert sim.transactions[payment.payment_no].trade_state == "CLOSED"
        assert (await payment_row(ctx, payment.payment_no)).status == "closed"
        assert [k for k, _ in await history(ctx, payment.payment_no)] == [
            "created",
            "prepay_issued",
            "close_requested",
            "closed",
        ]
    # Idempotent: a second close of the same order does nothing.
    before = await snapshot(ctx)
    async with unit_of_work(ctx.sessionmaker) as session:
        await close_for_order(session, order_no="SO20240520000001")
    await settle(ctx)
    assert await snapshot(ctx) == before


async def test_a_close_that_finds_the_payment_paid_records_the_success(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    result = await prepay(ctx, pay)
    await sim.pay(result.prepay_id, deliver=False)
    async with unit_of_work(ctx.sessionmaker) as session:
        await close_for_order(session, order_no="SO20240520000001")

    await settle(ctx)

    assert sim.transactions[result.payment_no].trade_state == "SUCCESS"
    assert (await payment_row(ctx, result.payment_no)).status == "succeeded"
    assert [k for k, _ in await history(ctx, result.payment_no)] == [
        "created",
        "prepay_issued",
        "close_requested",
        "succeeded",
    ]
    assert len(await published(ctx, "payment.succeeded")) == 1


async def test_sync_pending_retries_closes_wechat_did_not_confirm(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    result = await prepay(ctx, pay)
    async with unit_of_work(ctx.sessionmaker) as session:
        await close_for_order(session, order_no="SO20240520000001")
    # The process died before the handler ran: the outbox event is still there, but the
    # close is also found by the sync job.
    await backdate_payment(ctx, result.payment_no, timedelta(minutes=2))

    await run_job(ctx, "payments.sync_pending")

    assert sim.transactions[result.payment_no].trade_state == "CLOSED"
    assert [k for k, _ in await history(ctx, result.payment_no)][-1] == "closed"


async def test_reconciliation_reports_what_differs_from_the_bill(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    today = datetime.now(CHINA_TZ).date()
    matching = await paid(ctx, pay, sim, order_no="SO1")
    changed = await paid(ctx, pay, sim, order_no="SO2", amount=1500)
    unknown = await prepay(ctx, pay, order_no="SO3", amount=800)
    await sim.pay(unknown.prepay_id, deliver=False)  # paid at WeChat, never recorded here
    refund_no = await refund(ctx, order_no="SO1", amount=990)
    await settle(ctx)
    # Injected difference: WeChat's bill says 1400 for the second payment.
    sim.transactions[changed.payment_no].total = 1400

    report = await reconcile(ctx, today)

    assert report.status == "differences"
    assert sorted(report.differences, key=lambda d: str(d["kind"])) == [
        {
            "kind": "missing_local_payment",
            "payment_no": unknown.payment_no,
            "transaction_id": sim.transactions[unknown.payment_no].transaction_id,
            "bill_amount": 800,
            "local_status": "prepaid",
        },
        {
            "kind": "payment_amount_mismatch",
            "payment_no": changed.payment_no,
            "local_amount": 1500,
            "bill_amount": 1400,
        },
    ]
    assert report.summary == {
        "bill_payments": 3,
        "bill_payment_total": 2990 + 1400 + 800,
        "bill_refunds": 1,
        "bill_refund_total": 990,
        "local_payments": 2,
        "local_payment_total": 2990 + 1500,
        "local_refunds": 1,
        "local_refund_total": 990,
        "fee_total": report.summary["fee_total"],
    }
    assert matching.payment_no not in str(report.differences)
    assert refund_no not in str(report.differences)
    async with ctx.sessionmaker() as session:
        stored = await get_reconciliation(session, today)
    assert stored is not None
    assert (stored.bill_date, stored.status, stored.differences, stored.summary) == (
        today,
        "differences",
        report.differences,
        report.summary,
    )

    # Fixed at WeChat's side (or ours): running the day again replaces the report.
    sim.transactions[changed.payment_no].total = 1500
    async with unit_of_work(ctx.sessionmaker) as session:
        await session.execute(
            update(Payment)
            .where(Payment.payment_no == unknown.payment_no)
            .values(status="succeeded", paid_at=sim.transactions[unknown.payment_no].success_time)
        )
    again = await reconcile(ctx, today)
    assert (again.status, again.differences) == ("ok", [])
    async with ctx.sessionmaker() as session:
        stored = await get_reconciliation(session, today)
    assert stored is not None
    assert stored.status == "ok"


async def test_reconciliation_finds_local_payments_missing_from_the_bill(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    today = datetime.now(CHINA_TZ).date()
    result = await paid(ctx, pay, sim)
    # WeChat's bill does not have it (as if it were booked on another day).
    txn = sim.transactions[result.payment_no]
    txn.success_time = datetime(2020, 1, 1, tzinfo=UTC)

    report = await reconcile(ctx, today)

    assert report.differences == [
        {"kind": "missing_bill_payment", "payment_no": result.payment_no, "local_amount": 2990}
    ]


async def test_the_daily_job_reconciles_yesterday_once_the_bill_is_out(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    today = datetime.now(CHINA_TZ).date()
    yesterday = today - timedelta(days=1)
    morning = datetime.combine(today, datetime.min.time(), tzinfo=CHINA_TZ) + timedelta(hours=9)

    assert await service.reconcile_previous_day(ctx, pay, now=morning) is None
    async with ctx.sessionmaker() as session:
        assert await get_reconciliation(session, yesterday) is None

    report = await service.reconcile_previous_day(ctx, pay, now=morning + timedelta(hours=2))
    assert report is not None
    assert (report.bill_date, report.status, report.differences) == (yesterday, "ok", [])
    assert report.summary["bill_payments"] == 0
    before = await snapshot(ctx)
    assert await service.reconcile_previous_day(ctx, pay, now=morning + timedelta(hours=3)) is None
    await run_job(ctx, "payments.reconcile_daily")  # whatever the hour: nothing new to do
    assert await snapshot(ctx) == before


async def test_reconciling_a_day_wechat_has_no_bill_for_is_an_error(
    ctx: AppContext, pay: WeChatPayClient
) -> None:
    from shoplet.integrations.wechat.pay import WeChatPayError

    before = await snapshot(ctx)
    with pytest.raises(WeChatPayError) as raised:
        await reconcile(ctx, date(2001, 1, 1))  # older than WeChat keeps bills
    assert raised.value.code == "INVALID_REQUEST"
    assert await snapshot(ctx) == before


async def test_handlers_and_jobs_need_the_runtime(ctx: AppContext) -> None:
    ctx.extras.pop(service.RUNTIME_KEY)
    with pytest.raises(RuntimeError, match="payments is not started"):
        await run_job(ctx, "payments.sync_pending")
