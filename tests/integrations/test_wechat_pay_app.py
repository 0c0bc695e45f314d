"""WeChat Pay wired into Shoplet's app in test mode: the simulator mounted under
``/_sim/wechatpay``, the client using the simulator's keys, notifies delivered to the app itself,
and nonces remembered in Redis when the backend has one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.integrations.setup import Integrations, open_wechat_pay
from shoplet.integrations.wechat.pay import (
    MemoryReplayStore,
    NotifyRejected,
    RedisReplayStore,
    WeChatPayClient,
    WeChatPayError,
)
from shoplet.integrations.wechat.pay_crypto import private_key_pem, public_key_pem
from shoplet.integrations.wechat.pay_simulator import SimulatorKeys, WeChatPaySimulator
from tests.conftest import snapshot


def integrations_of(app: FastAPI) -> Integrations:
    integrations: Integrations = app.state.integrations
    return integrations


def simulator_of(app: FastAPI) -> WeChatPaySimulator:
    simulator = integrations_of(app).wechat_pay_simulator
    assert simulator is not None
    return simulator


async def test_shoplet_pays_against_the_mounted_simulator(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    pay = integrations_of(app).wechat_pay
    simulator = simulator_of(app)
    assert simulator is app.state.wechatpay_simulator  # one simulator: routes and client
    assert pay.config.merchant_serial == simulator.keys.merchant_serial
    assert pay.config.platform_serial == simulator.keys.platform_serial
    assert pay.config.notify_url == "http://127.0.0.1:8000/api/v1/payments/wechat/notify"
    assert (ctx.settings.data_dir / "wechatpay-sim" / "apiclient_key.pem").exists()

    prepay_id = await pay.prepay_jsapi(
        out_trade_no="SO20240520000001",
        description="Shoplet 测试商品",
        total=2990,
        payer_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        time_expire=datetime.now(UTC) + timedelta(minutes=30),
    )
    response = await client.post("/_sim/wechatpay/pay", json={"prepay_id": prepay_id})
    assert response.status_code == 200
    body = response.json()
    assert body["transaction"]["trade_state"] == "SUCCESS"
    assert body["transaction"]["amount"] == {
        "total": 2990,
        "currency": "CNY",
        "payer_total": 2990,
        "payer_currency": "CNY",
    }
    notify = body["notify"]
    assert notify["event_type"] == "TRANSACTION.SUCCESS"
    assert notify["url"] == "http://127.0.0.1:8000/api/v1/payments/wechat/notify"
    # Delivered in-process to this app (whatever the payments endpoint answers today).
    assert notify["status_code"] is not None
    assert notify["error"] is None
    assert (await pay.query_by_out_trade_no("SO20240520000001")).trade_state == "SUCCESS"

    listed = await client.get("/_sim/wechatpay/notifies")
    assert [item["id"] for item in listed.json()["items"]] == [notify["id"]]


async def test_simulator_routes_reject_bad_input(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    before = await snapshot(ctx)
    unsigned = await client.post(
        "/_sim/wechatpay/v3/pay/transactions/jsapi", content=orjson.dumps({"appid": "x"})
    )
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "SIGN_ERROR"
    assert unsigned.headers["wechatpay-signature-type"] == "WECHATPAY2-SHA256-RSA2048"
    unknown = await client.post("/_sim/wechatpay/pay", json={"prepay_id": "wx-unknown"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "PREPAY_NOT_EXIST"
    malformed = await client.post("/_sim/wechatpay/pay", content=b"[1]")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "PARAM_ERROR"
    no_refund = await client.post("/_sim/wechatpay/refunds/RF404/complete", json={})
    assert no_refund.status_code == 404
    assert no_refund.json()["code"] == "RESOURCE_NOT_EXISTS"
    bad_balance = await client.put("/_sim/wechatpay/balance", json={"available": "lots"})
    assert bad_balance.status_code == 400
    assert bad_balance.json()["code"] == "PARAM_ERROR"
    assert simulator_of(app).transactions == {}
    assert simulator_of(app).available_balance is None
    assert await snapshot(ctx) == before


async def test_refund_completes_by_hand_in_test_mode(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pay = integrations_of(app).wechat_pay
    simulator = simulator_of(app)
    assert simulator.refund_delay_seconds is None
    prepay_id = await pay.prepay_jsapi(
        out_trade_no="SO20240520000001",
        description="x",
        total=500,
        payer_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        time_expire=datetime.now(UTC) + timedelta(minutes=30),
    )
    await client.post("/_sim/wechatpay/pay", json={"prepay_id": prepay_id})
    refund = await pay.refund(
        out_trade_no="SO20240520000001", out_refund_no="RF20240520000001", refund=500, total=500
    )
    assert refund.status == "PROCESSING"
    done = await client.post("/_sim/wechatpay/refunds/RF20240520000001/complete", json={})
    assert done.status_code == 200
    assert done.json()["refund"]["status"] == "SUCCESS"
    assert done.json()["notify"]["url"] == (
        "http://127.0.0.1:8000/api/v1/payments/wechat/refund-notify"
    )
    assert (await pay.query_refund("RF20240520000001")).status == "SUCCESS"


async def test_notify_nonces_are_shared_through_redis_when_there_is_one(
    app: FastAPI, ctx: AppContext, backend: str
) -> None:
    pay = integrations_of(app).wechat_pay
    simulator = simulator_of(app)
    store = pay.replay_store
    if backend == "postgres":
        assert isinstance(store, RedisReplayStore)
    else:
        assert isinstance(store, MemoryReplayStore)
    notify = simulator.build_notify(
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource={"mchid": simulator.mchid, "appid": simulator.appid},
    )
    # Another replica: its own client, the same replay store.
    async with httpx.AsyncClient(base_url="http://unused") as http:
        replica = WeChatPayClient(http, pay.config, replay_store=store)
        accepted = await replica.parse_notify(notify.headers, notify.body)
        assert accepted.data == {"mchid": simulator.mchid, "appid": simulator.appid}
    with pytest.raises(NotifyRejected) as replayed:
        await pay.parse_notify(notify.headers, notify.body)
    assert replayed.value.reason == "replayed_nonce"
    if ctx.redis is not None:
        nonce = notify.headers["Wechatpay-Nonce"]
        ttl = await ctx.redis.ttl(ctx.settings.redis_key(f"wechatpay:notify-nonce:{nonce}"))
        assert 590 < ttl <= 600


async def test_production_never_falls_back_to_the_simulator(
    ctx: AppContext, tmp_path: Path
) -> None:
    base = {
        "env": "production",
        "database_url": ctx.settings.resolved_database_url,
        "secret_key": "s" * 48,
        "pii_key": "0123456789abcdef0123456789abcdef",
        "wechat_api_base": "https://api.weixin.qq.com",
        "data_dir": tmp_path,
    }
    unconfigured = replace(ctx, settings=Settings(**base))
    http, client, simulator = open_wechat_pay(FastAPI(), unconfigured)
    async with http:
        assert simulator is None
        assert str(http.base_url) == "https://api.mch.weixin.qq.com"
        with pytest.raises(WeChatPayError) as missing:
            _ = client.config
        assert missing.value.code == "NOT_CONFIGURED"
        assert "SHOPLET_WECHATPAY_MCHID" in missing.value.message

    keys = SimulatorKeys.generate()
    (tmp_path / "apiclient_key.pem").write_bytes(private_key_pem(keys.merchant_private_key))
    (tmp_path / "pub_key.pem").write_bytes(public_key_pem(keys.platform_public_key))
    configured = replace(
        ctx,
        settings=Settings(
            **base,
            wechatpay_api_base="https://api2.mch.weixin.qq.com",
            wechatpay_mchid="1230000109",
            wechatpay_appid="wxd678efh567hg6787",
            wechatpay_merchant_key_path=tmp_path / "apiclient_key.pem",
            wechatpay_merchant_serial=keys.merchant_serial,
            wechatpay_apiv3_key=keys.apiv3_key.decode(),
            wechatpay_platform_public_key_path=tmp_path / "pub_key.pem",
            wechatpay_platform_serial=keys.platform_serial,
            wechatpay_notify_base_url="https://shop.example.com/",
        ),
    )
    http, client, simulator = open_wechat_pay(FastAPI(), configured)
    async with http:
        assert simulator is None
        assert str(http.base_url) == "https://api2.mch.weixin.qq.com"
        assert client.config.mchid == "1230000109"
        assert client.config.apiv3_key == keys.apiv3_key
        assert client.config.notify_url == (
            "https://shop.example.com/api/v1/payments/wechat/notify"
        )
        assert client.config.refund_notify_url == (
            "https://shop.example.com/api/v1/payments/wechat/refund-notify"
        )
