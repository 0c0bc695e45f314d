"""request_prepay against the simulator: JSAPI and H5, idempotency, and WeChat's refusals."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.integrations.wechat.pay_crypto import rsa_verify, signing_message
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.payments.public import (
    AlreadyPaid,
    AmountChanged,
    InvalidAmount,
    OpenidRequired,
    PaymentExpired,
    ProviderError,
    amounts_for_order,
    close_for_order,
    payments_for_order,
)
from tests.conftest import snapshot
from tests.modules.payments.conftest import (
    MEMBER_ID,
    OPENID,
    backdate_payment,
    history,
    paid,
    payment_row,
    prepay,
)


async def test_jsapi_prepay_creates_a_payment_and_signed_pay_params(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    result = await prepay(ctx, pay)

    assert result.channel == "wechat_jsapi"
    assert result.payment_no.startswith("P")
    assert len(result.payment_no) == 23
    assert result.h5_url is None
    txn = sim.transactions[result.payment_no]
    assert txn.prepay_id == result.prepay_id
    assert (txn.total, txn.openid, txn.trade_type) == (2990, OPENID, "JSAPI")
    assert txn.description == "Shoplet 测试商品 ×1"
    assert txn.notify_url == "http://127.0.0.1:8000/api/v1/payments/wechat/notify"
    params = result.pay_params
    assert params is not None
    assert params["package"] == f"prepay_id={result.prepay_id}"
    assert params["appId"] == pay.config.appid
    assert params["signType"] == "RSA"
    message = signing_message(
        params["appId"], params["timeStamp"], params["nonceStr"], params["package"]
    )
    assert rsa_verify(sim.keys.merchant_public_key, message, params["paySign"])

    row = await payment_row(ctx, result.payment_no)
    assert (row.order_no, row.member_id, row.channel, row.amount, row.currency) == (
        "SO20240520000001",
        MEMBER_ID,
        "wechat_jsapi",
        2990,
        "CNY",
    )
    assert (row.status, row.prepay_id, row.transaction_id) == ("prepaid", result.prepay_id, None)
    assert await history(ctx, result.payment_no) == [("created", 2990), ("prepay_issued", 2990)]


async def test_h5_prepay_points_at_the_simulator_cashier_which_pays(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator, client: httpx.AsyncClient
) -> None:
    result = await prepay(ctx, pay, channel="wechat_h5", openid=None)

    assert result.pay_params is None
    assert result.h5_url == f"/_sim/wechatpay/h5?prepay_id={result.prepay_id}"
    txn = sim.transactions[result.payment_no]
    assert (txn.trade_type, txn.openid, txn.payer_client_ip) == ("MWEB", "", "203.0.113.7")
    row = await payment_row(ctx, result.payment_no)
    assert (row.status, row.h5_url, row.payer_client_ip) == (
        "prepaid",
        result.h5_url,
        "203.0.113.7",
    )

    page = await client.get(result.h5_url + "&redirect_url=%2Forders%2FSO20240520000001")
    assert page.status_code == 200
    assert "¥29.90" in page.text
    assert '"/orders/SO20240520000001"' in page.text
    paid_now = await client.post("/_sim/wechatpay/pay", json={"prepay_id": result.prepay_id})
    assert paid_now.json()["notify"]["status_code"] == 204
    assert (await payment_row(ctx, result.payment_no)).status == "succeeded"
    async with ctx.sessionmaker() as session:
        amounts = await amounts_for_order(session, "SO20240520000001")
    assert (amounts.paid, amounts.refunded, amounts.refunding) == (2990, 0, 0)


async def test_prepay_is_idempotent_per_order_and_channel(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    first = await prepay(ctx, pay)
    again = await prepay(ctx, pay)

    assert (again.payment_no, again.prepay_id) == (first.payment_no, first.prepay_id)
    assert again.pay_params is not None
    assert first.pay_params is not None
    assert again.pay_params["paySign"] != first.pay_params["paySign"]  # re-signed
    assert len(sim.transactions) == 1
    assert await history(ctx, first.payment_no) == [("created", 2990), ("prepay_issued", 2990)]

    # An expired prepay session is asked again from WeChat, with the same out_trade_no.
    await backdate_payment(ctx, first.payment_no, timedelta(hours=3))
    renewed = await prepay(ctx, pay)
    assert renewed.payment_no == first.payment_no
    assert len(sim.transactions) == 1
    assert await history(ctx, first.payment_no) == [
        ("created", 2990),
        ("prepay_issued", 2990),
        ("prepay_issued", 2990),
    ]

    # The other channel is another payment; another order is another payment.
    h5 = await prepay(ctx, pay, channel="wechat_h5", openid=None)
    other = await prepay(ctx, pay, order_no="SO20240520000002")
    assert len({first.payment_no, h5.payment_no, other.payment_no}) == 3
    async with ctx.sessionmaker() as session:
        listed = await payments_for_order(session, "SO20240520000001")
    assert [(p.payment_no, p.channel, p.status) for p in listed] == [
        (first.payment_no, "wechat_jsapi", "prepaid"),
        (h5.payment_no, "wechat_h5", "prepaid"),
    ]


async def test_concurrent_prepays_share_one_payment(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    import asyncio

    results = await asyncio.gather(*(prepay(ctx, pay) for _ in range(4)))

    assert len({r.payment_no for r in results}) == 1
    assert len({r.prepay_id for r in results}) == 1
    assert len(sim.transactions) == 1
    kinds = [kind for kind, _ in await history(ctx, results[0].payment_no)]
    assert kinds[0] == "created"
    assert kinds.count("created") == 1


@pytest.mark.parametrize(
    "case",
    [
        ({"openid": None}, OpenidRequired, "payments.openid_required"),
        ({"openid": ""}, OpenidRequired, "payments.openid_required"),
        ({"amount": 0}, InvalidAmount, "payments.invalid_amount"),
        ({"expires_in": timedelta(seconds=-1)}, PaymentExpired, "payments.expired"),
    ],
)
async def test_invalid_prepay_requests_change_nothing(
    ctx: AppContext,
    pay: WeChatPayClient,
    sim: WeChatPaySimulator,
    case: tuple[dict[str, object], type[Exception], str],
) -> None:
    kwargs, error, code = case
    before = await snapshot(ctx)
    with pytest.raises(error) as raised:
        await prepay(ctx, pay, **kwargs)  # type: ignore[arg-type]
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert raised.value.status == 400  # type: ignore[attr-defined]
    assert sim.transactions == {}
    assert await snapshot(ctx) == before


async def test_a_paid_order_cannot_be_prepaid_again(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    await paid(ctx, pay, sim)
    before = await snapshot(ctx)
    for channel in ("wechat_jsapi", "wechat_h5"):
        with pytest.raises(AlreadyPaid) as raised:
            await prepay(ctx, pay, channel=channel)
        assert (raised.value.code, raised.value.status) == ("payments.already_paid", 409)
    assert await snapshot(ctx) == before


async def test_an_open_payment_with_another_amount_is_a_conflict(
    ctx: AppContext, pay: WeChatPayClient
) -> None:
    await prepay(ctx, pay)
    before = await snapshot(ctx)
    with pytest.raises(AmountChanged) as raised:
        await prepay(ctx, pay, amount=1990)
    assert (raised.value.code, raised.value.status) == ("payments.amount_changed", 409)
    assert await snapshot(ctx) == before


async def test_orderpaid_from_wechat_settles_the_payment_and_says_already_paid(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    first = await prepay(ctx, pay)
    await sim.pay(first.prepay_id, deliver=False)  # paid; the notify is lost
    await backdate_payment(ctx, first.payment_no, timedelta(hours=3))  # prepay_id too old

    with pytest.raises(AlreadyPaid):
        await prepay(ctx, pay)

    row = await payment_row(ctx, first.payment_no)
    assert row.status == "succeeded"
    assert row.transaction_id == sim.transactions[first.payment_no].transaction_id
    assert [kind for kind, _ in await history(ctx, first.payment_no)] == [
        "created",
        "prepay_issued",
        "succeeded",
    ]


async def test_wechat_errors_are_502_and_a_retry_reuses_the_payment(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    _ = pay.config  # the client's merchant id is fixed now
    sim.mchid = "1900000999"  # WeChat no longer accepts our requests (SIGN_ERROR)
    with pytest.raises(ProviderError) as raised:
        await prepay(ctx, pay)
    assert (raised.value.code, raised.value.status) == ("payments.provider_error", 502)
    assert raised.value.extra == {"provider_code": "SIGN_ERROR"}
    async with ctx.sessionmaker() as session:
        (created,) = await payments_for_order(session, "SO20240520000001")
    assert created.status == "created"
    assert sim.transactions == {}

    sim.mchid = pay.config.mchid
    result = await prepay(ctx, pay)
    assert result.payment_no == created.payment_no
    assert await history(ctx, created.payment_no) == [("created", 2990), ("prepay_issued", 2990)]


async def test_closed_payments_free_the_channel_for_a_new_payment(
    ctx: AppContext, pay: WeChatPayClient, sim: WeChatPaySimulator
) -> None:
    first = await prepay(ctx, pay)
    async with unit_of_work(ctx.sessionmaker) as session:
        await close_for_order(session, order_no="SO20240520000001")
    second = await prepay(ctx, pay)
    assert second.payment_no != first.payment_no
    assert (await payment_row(ctx, first.payment_no)).status == "closed"
