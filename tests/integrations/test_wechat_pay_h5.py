"""H5 payments (``POST /v3/pay/transactions/h5``) in the client and the simulator, and the
simulator's cashier page that an ``h5_url`` opens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shoplet.integrations.wechat.pay import (
    NotifyResource,
    WeChatPayClient,
    WeChatPayConfig,
    WeChatPayError,
)
from shoplet.integrations.wechat.pay_simulator import SimulatorKeys, WeChatPaySimulator

MCHID = "1230000109"
APPID = "wxd678efh567hg6787"


@pytest.fixture(scope="module")
def keys() -> SimulatorKeys:
    return SimulatorKeys.generate()


class Shop:
    def __init__(self) -> None:
        self.client: WeChatPayClient | None = None
        self.notifies: list[NotifyResource] = []

    async def notify(self, request: Request) -> Response:
        assert self.client is not None
        self.notifies.append(await self.client.parse_notify(request.headers, await request.body()))
        return Response(status_code=204)


@pytest.fixture
async def setup(
    keys: SimulatorKeys,
) -> AsyncIterator[tuple[WeChatPaySimulator, WeChatPayClient, Shop]]:
    shop = Shop()
    shop_app = Starlette(
        routes=[Route("/api/v1/payments/wechat/notify", shop.notify, methods=["POST"])]
    )
    sim = WeChatPaySimulator(
        mchid=MCHID,
        appid=APPID,
        keys=keys,
        notify_transport=httpx.ASGITransport(app=shop_app),
        cashier_base_url="https://shop.test/_sim/wechatpay/",
    )
    config = WeChatPayConfig(
        mchid=MCHID,
        appid=APPID,
        merchant_private_key=keys.merchant_private_key,
        merchant_serial=keys.merchant_serial,
        apiv3_key=keys.apiv3_key,
        platform_public_key=keys.platform_public_key,
        platform_serial=keys.platform_serial,
        notify_url="http://shop.test/api/v1/payments/wechat/notify",
        refund_notify_url="http://shop.test/api/v1/payments/wechat/refund-notify",
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="https://api.mch.weixin.qq.com"
    ) as http:
        shop.client = WeChatPayClient(http, config)
        yield sim, shop.client, shop
    await sim.aclose()


async def h5(client: WeChatPayClient, **overrides: object) -> str:
    values: dict[str, object] = {
        "out_trade_no": "P2024052000000001",
        "description": "Shoplet 测试商品",
        "total": 2990,
        "payer_client_ip": "203.0.113.7",
        "time_expire": datetime.now(UTC) + timedelta(minutes=30),
    }
    values.update(overrides)
    return await client.prepay_h5(**values)  # type: ignore[arg-type]


async def test_h5_prepay_pay_and_notify(
    setup: tuple[WeChatPaySimulator, WeChatPayClient, Shop],
) -> None:
    sim, client, shop = setup

    h5_url = await h5(client)

    txn = sim.transactions["P2024052000000001"]
    assert h5_url == f"https://shop.test/_sim/wechatpay/h5?prepay_id={txn.prepay_id}"
    assert (txn.trade_type, txn.openid, txn.payer_client_ip, txn.total) == (
        "MWEB",
        "",
        "203.0.113.7",
        2990,
    )
    # Asked again with the same parameters: the same session (WeChat is idempotent).
    assert await h5(client) == h5_url

    prepay_id = parse_qs(urlsplit(h5_url).query)["prepay_id"][0]
    _txn, delivery = await sim.pay(prepay_id)
    assert delivery is not None
    assert delivery.status_code == 204
    (notify,) = shop.notifies
    paid = notify.transaction()
    assert (paid.trade_type, paid.trade_state, paid.total, paid.payer_openid) == (
        "MWEB",
        "SUCCESS",
        2990,
        None,
    )
    queried = await client.query_by_out_trade_no("P2024052000000001")
    assert (queried.trade_type, queried.transaction_id) == ("MWEB", paid.transaction_id)


async def test_h5_and_jsapi_cannot_share_an_out_trade_no(
    setup: tuple[WeChatPaySimulator, WeChatPayClient, Shop],
) -> None:
    _sim, client, _shop = setup
    await h5(client)
    with pytest.raises(WeChatPayError) as used:
        await client.prepay_jsapi(
            out_trade_no="P2024052000000001",
            description="Shoplet 测试商品",
            total=2990,
            payer_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            time_expire=datetime.now(UTC) + timedelta(minutes=30),
        )
    assert (used.value.code, used.value.http_status) == ("OUT_TRADE_NO_USED", 403)


@pytest.mark.parametrize(
    ("scene", "field"),
    [
        (None, "/scene_info"),
        ({"h5_info": {"type": "Wap"}}, "/scene_info/payer_client_ip"),
        ({"payer_client_ip": "203.0.113.7"}, "/scene_info/h5_info"),
        (
            {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Web"}},
            "/scene_info/h5_info/type",
        ),
    ],
)
async def test_the_simulator_validates_scene_info(
    setup: tuple[WeChatPaySimulator, WeChatPayClient, Shop],
    scene: dict[str, object] | None,
    field: str,
) -> None:
    sim, client, _shop = setup
    body: dict[str, object] = {
        "appid": APPID,
        "mchid": MCHID,
        "description": "x",
        "out_trade_no": "P2024052000000001",
        "notify_url": "http://shop.test/api/v1/payments/wechat/notify",
        "amount": {"total": 1, "currency": "CNY"},
    }
    if scene is not None:
        body["scene_info"] = scene
    with pytest.raises(WeChatPayError) as invalid:
        await client._call("POST", "/v3/pay/transactions/h5", json_body=body)
    assert (invalid.value.code, invalid.value.http_status) == ("PARAM_ERROR", 400)
    assert invalid.value.detail is not None
    assert invalid.value.detail["field"] == field
    assert sim.transactions == {}


async def test_the_cashier_page_pays_and_escapes(
    setup: tuple[WeChatPaySimulator, WeChatPayClient, Shop],
) -> None:
    sim, client, shop = setup
    h5_url = await h5(client, description="<script>alert(1)</script>")
    prepay_id = parse_qs(urlsplit(h5_url).query)["prepay_id"][0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://sim"
    ) as browser:
        page = await browser.get(
            "/h5",
            params={"prepay_id": prepay_id, "redirect_url": "javascript:alert(1)"},
        )
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)" not in page.text
        assert "javascript:" not in page.text
        assert "¥29.90" in page.text
        assert 'fetch("pay"' in page.text

        paid = await browser.post("/pay", content=orjson.dumps({"prepay_id": prepay_id}))
        assert paid.status_code == 200
        assert len(shop.notifies) == 1
        again = await browser.get("/h5", params={"prepay_id": prepay_id})
        assert "paid = true" in again.text

        missing = await browser.get("/h5", params={"prepay_id": "wx-unknown"})
        assert missing.status_code == 404
