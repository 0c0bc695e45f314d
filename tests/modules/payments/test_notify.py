"""The payment notify endpoint: what WeChat sends is verified, matched and applied exactly once;
everything else is refused in WeChat's failure shape and changes nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.integrations.wechat.pay_crypto import format_rfc3339, generate_private_key
from shoplet.integrations.wechat.pay_simulator import SimNotify, WeChatPaySimulator
from shoplet.modules.payments.public import settle
from tests.conftest import BackendDb, make_context, snapshot
from tests.modules.payments.conftest import (
    MEMBER_ID,
    alerts,
    history,
    payment_row,
    prepay,
    published,
)
from tests.production import production_settings

NOTIFY = "/api/v1/payments/wechat/notify"


def success_notify(sim: WeChatPaySimulator, payment_no: str, **knobs: Any) -> SimNotify:
    resource = knobs.pop("resource", None) or sim.transaction_resource(payment_no)
    return sim.build_notify(
        event_type=knobs.pop("event_type", "TRANSACTION.SUCCESS"),
        summary="支付成功",
        original_type="transaction",
        resource=resource,
        **knobs,
    )


async def post(client: httpx.AsyncClient, notify: SimNotify) -> httpx.Response:
    return await client.post(NOTIFY, content=notify.body, headers=notify.headers)


async def test_simulator_pays_and_the_notify_settles_the_payment_once(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    result = await prepay(ctx, pay)

    response = await client.post("/_sim/wechatpay/pay", json={"prepay_id": result.prepay_id})

    assert response.status_code == 200
    notify = response.json()["notify"]
    assert (notify["status_code"], notify["response"]) == (204, "")
    txn = sim.transactions[result.payment_no]
    row = await payment_row(ctx, result.payment_no)
    assert (row.status, row.transaction_id, row.paid_at) == (
        "succeeded",
        txn.transaction_id,
        txn.success_time,
    )
    assert await history(ctx, result.payment_no) == [
        ("created", 2990),
        ("prepay_issued", 2990),
        ("succeeded", 2990),
    ]
    assert txn.success_time is not None
    assert await published(ctx, "payment.succeeded") == [
        {
            "payment_no": result.payment_no,
            "order_no": "SO20240520000001",
            "member_id": MEMBER_ID,
            "channel": "wechat_jsapi",
            "amount": 2990,
            "transaction_id": txn.transaction_id,
            "paid_at": txn.success_time.isoformat(),
        }
    ]

    # WeChat's retry of the same notify (same id, fresh nonce and signature) is acknowledged
    # and changes nothing.
    await settle(ctx)
    before = await snapshot(ctx)
    retry = await sim.redeliver(notify["id"])
    assert retry.status_code == 204
    assert await snapshot(ctx) == before
    assert len(await published(ctx, "payment.succeeded")) == 1


async def test_a_notify_from_the_sync_race_is_applied_once(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    """Two distinct notifies for one payment (WeChat retried with a new id): one success."""
    result = await prepay(ctx, pay)
    await sim.pay(result.prepay_id, deliver=False)
    first, second = (success_notify(sim, result.payment_no) for _ in range(2))
    assert (await post(client, first)).status_code == 204
    assert (await post(client, second)).status_code == 204
    assert [k for k, _ in await history(ctx, result.payment_no)].count("succeeded") == 1
    assert len(await published(ctx, "payment.succeeded")) == 1


def _forged(sim: WeChatPaySimulator, no: str) -> SimNotify:
    return success_notify(sim, no, signing_key=generate_private_key())


def _tampered(sim: WeChatPaySimulator, no: str) -> SimNotify:
    return success_notify(sim, no, tamper_ciphertext=True)


def _stale(sim: WeChatPaySimulator, no: str) -> SimNotify:
    return success_notify(sim, no, timestamp=int(time.time()) - 6 * 60)


def _wrong_serial(sim: WeChatPaySimulator, no: str) -> SimNotify:
    return success_notify(sim, no, serial="PUB_KEY_ID_0114232134912410000000000000")


def _unsigned(sim: WeChatPaySimulator, no: str) -> SimNotify:
    notify = success_notify(sim, no)
    headers = {k: v for k, v in notify.headers.items() if k != "Wechatpay-Signature"}
    return SimNotify(id=notify.id, event_type=notify.event_type, headers=headers, body=notify.body)


def _other_apiv3_key(sim: WeChatPaySimulator, no: str) -> SimNotify:
    return success_notify(sim, no, apiv3_key=b"0" * 32)


def _wrong_amount(sim: WeChatPaySimulator, no: str) -> SimNotify:
    resource = sim.transaction_resource(no)
    resource["amount"]["total"] = 1
    return success_notify(sim, no, resource=resource)


def _wrong_appid(sim: WeChatPaySimulator, no: str) -> SimNotify:
    resource = sim.transaction_resource(no)
    resource["appid"] = "wx0000000000000000"
    return success_notify(sim, no, resource=resource)


def _other_merchant(sim: WeChatPaySimulator, no: str) -> SimNotify:
    resource = sim.transaction_resource(no)
    resource["mchid"] = "1900000999"
    return success_notify(sim, no, resource=resource)


def _unknown_payment(sim: WeChatPaySimulator, no: str) -> SimNotify:
    resource = sim.transaction_resource(no)
    resource["out_trade_no"] = "P2024052000000000000000"
    return success_notify(sim, no, resource=resource)


def _not_paid(sim: WeChatPaySimulator, no: str) -> SimNotify:
    resource = sim.transaction_resource(no)
    resource["trade_state"] = "NOTPAY"
    return success_notify(sim, no, resource=resource)


def _refund_event(sim: WeChatPaySimulator, no: str) -> SimNotify:
    return success_notify(sim, no, event_type="REFUND.SUCCESS")


@pytest.mark.parametrize(
    "case",
    [
        # Not verifiably WeChat's, or unreadable: FAIL, so WeChat retries (a key may be rotating).
        (_forged, 401, "签名验证失败"),
        (_unsigned, 401, "缺少 Wechatpay 签名头"),
        (_stale, 401, "Wechatpay-Timestamp 与当前时间相差超过5分钟"),
        (_wrong_serial, 401, "Wechatpay-Serial 与微信支付公钥ID不一致"),
        (_tampered, 400, "通知资源解密失败"),
        (_other_apiv3_key, 400, "通知资源解密失败"),
    ],
)
async def test_untrustworthy_notifies_fail_so_wechat_retries_and_change_nothing(
    ctx: AppContext,
    pay: WeChatPayClient,
    sim: WeChatPaySimulator,
    client: httpx.AsyncClient,
    case: tuple[Any, int, str],
) -> None:
    make, status, message = case
    result = await prepay(ctx, pay)
    await sim.pay(result.prepay_id, deliver=False)
    before = await snapshot(ctx)

    response = await post(client, make(sim, result.payment_no))

    assert response.status_code == status
    assert response.json() == {"code": "FAIL", "message": message}
    assert await snapshot(ctx) == before
    assert alerts(ctx) == 0
    # The genuine notify still goes through afterwards.
    assert (await post(client, success_notify(sim, result.payment_no))).status_code == 204
    assert (await payment_row(ctx, result.payment_no)).status == "succeeded"


@pytest.mark.parametrize(
    "case",
    [
        (_other_merchant, "通知不属于本商户号"),
        (_wrong_amount, "amount 1 does not match the payment's 2990"),
        (_wrong_appid, "appid does not match"),
        (_unknown_payment, "unknown out_trade_no P2024052000000000000000"),
        (_not_paid, "trade_state NOTPAY in a success notify"),
        (_refund_event, "unexpected event_type REFUND.SUCCESS"),
    ],
)
async def test_genuine_notifies_that_can_never_match_are_acknowledged_with_an_alert(
    ctx: AppContext,
    pay: WeChatPayClient,
    sim: WeChatPaySimulator,
    client: httpx.AsyncClient,
    case: tuple[Any, str],
) -> None:
    """A retry would carry the same content: acknowledged (WeChat stops), nothing written,
    an alert for an operator instead of 24 hours of retries."""
    make, message = case
    result = await prepay(ctx, pay)
    await sim.pay(result.prepay_id, deliver=False)
    before = await snapshot(ctx)

    response = await post(client, make(sim, result.payment_no))

    assert response.status_code == 200
    assert response.json() == {"code": "SUCCESS", "message": message}
    assert await snapshot(ctx) == before
    assert alerts(ctx) == 1
    # The genuine notify still goes through afterwards.
    assert (await post(client, success_notify(sim, result.payment_no))).status_code == 204
    assert (await payment_row(ctx, result.payment_no)).status == "succeeded"


async def test_a_replayed_notify_is_rejected(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    result = await prepay(ctx, pay)
    _txn, delivery = await sim.pay(result.prepay_id)
    assert delivery is not None
    assert delivery.status_code == 204
    before = await snapshot(ctx)

    replay = await sim.redeliver(delivery.notify.id, resign=False)  # the exact same bytes

    assert replay.status_code == 401
    assert replay.response_text == (
        '{"code":"FAIL","message":"重复的通知(Wechatpay-Nonce 已处理过)"}'
    )
    assert await snapshot(ctx) == before


async def test_the_simulator_claiming_another_amount_is_refused(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    result = await prepay(ctx, pay)
    before = await snapshot(ctx)

    response = await client.post(
        "/_sim/wechatpay/pay", json={"prepay_id": result.prepay_id, "notify_total": 1}
    )

    assert response.json()["notify"]["status_code"] == 200
    assert alerts(ctx) == 1
    assert await snapshot(ctx) == before
    assert (await payment_row(ctx, result.payment_no)).status == "prepaid"


async def test_money_arriving_after_a_close_is_still_recorded(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    from shoplet.core.db import unit_of_work
    from shoplet.modules.payments.public import close_for_order

    result = await prepay(ctx, pay)
    await sim.pay(result.prepay_id, deliver=False)  # paid just before the order timed out
    async with unit_of_work(ctx.sessionmaker) as session:
        await close_for_order(session, order_no="SO20240520000001")
    assert (await payment_row(ctx, result.payment_no)).status == "closed"

    assert (await post(client, success_notify(sim, result.payment_no))).status_code == 204

    assert (await payment_row(ctx, result.payment_no)).status == "succeeded"
    (event,) = await published(ctx, "payment.succeeded")
    assert (event["payment_no"], event["amount"]) == (result.payment_no, 2990)
    # The close handler then finds the transaction paid and leaves it so.
    await settle(ctx)
    assert sim.transactions[result.payment_no].trade_state == "SUCCESS"
    assert [k for k, _ in await history(ctx, result.payment_no)] == [
        "created",
        "prepay_issued",
        "close_requested",
        "succeeded",
    ]


async def test_notify_success_time_is_the_paid_at(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    result = await prepay(ctx, pay)
    await sim.pay(result.prepay_id, deliver=False)
    resource = sim.transaction_resource(result.payment_no)
    resource["success_time"] = "2026-05-20T13:29:35+08:00"
    assert (
        await post(client, success_notify(sim, result.payment_no, resource=resource))
    ).status_code == 204
    row = await payment_row(ctx, result.payment_no)
    assert row.paid_at is not None
    assert format_rfc3339(row.paid_at) == "2026-05-20T13:29:35+08:00"


@pytest.mark.parametrize("route", [NOTIFY, "/api/v1/payments/wechat/refund-notify"])
async def test_without_payments_configured_the_notify_fails_for_a_later_retry(
    backend_db: BackendDb, tmp_path: Path, route: str
) -> None:
    """Production without WeChat Pay credentials: 503 FAIL (never a 500), so WeChat retries
    and the notify lands once payments are configured."""
    settings = production_settings(backend_db, tmp_path)
    app = create_app(settings, context=make_context(backend_db, settings))
    async with app.router.lifespan_context(app):
        ctx: AppContext = app.state.ctx
        before = await snapshot(ctx)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
            response = await c.post(
                route,
                content=b'{"id":"EV-1","event_type":"TRANSACTION.SUCCESS"}',
                headers={
                    "Wechatpay-Timestamp": str(int(time.time())),
                    "Wechatpay-Nonce": "n",
                    "Wechatpay-Signature": "s",
                    "Wechatpay-Serial": "PUB_KEY_ID_0",
                },
            )
        assert response.status_code == 503
        assert response.json() == {"code": "FAIL", "message": "payments are not configured"}
        assert await snapshot(ctx) == before
    if ctx.redis is not None:
        await ctx.redis.aclose()
