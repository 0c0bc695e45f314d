"""Shoplet's WeChat Pay v3 client against the in-repo simulator, over HTTP (ASGI transports).

The notify receiver below stands in for the payments module's endpoint: it hands the raw
headers and body to ``parse_notify`` and answers WeChat as documented.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.core.settings import parse_platform_keys
from shoplet.integrations.wechat.pay import (
    MemoryReplayStore,
    NotifyRejected,
    NotifyResource,
    ResponseUnverified,
    WeChatPayClient,
    WeChatPayConfig,
    WeChatPayError,
)
from shoplet.integrations.wechat.pay_crypto import (
    CHINA_TZ,
    build_authorization,
    generate_private_key,
    new_nonce,
    public_key_pem,
    response_message,
    rsa_sign,
)
from shoplet.integrations.wechat.pay_simulator import SimulatorKeys, WeChatPaySimulator

MCHID = "1230000109"
APPID = "wxd678efh567hg6787"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
NOTIFY_URL = "http://shop.test/api/v1/payments/wechat/notify"
REFUND_NOTIFY_URL = "http://shop.test/api/v1/payments/wechat/refund-notify"


@pytest.fixture(scope="module")
def keys() -> SimulatorKeys:
    return SimulatorKeys.generate()


@dataclass
class Receiver:
    """What Shoplet's notify endpoints would do with the protocol part of a notify."""

    client: WeChatPayClient | None = None
    accepted: list[NotifyResource] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        async def notify(request: Request) -> Response:
            assert self.client is not None
            try:
                resource = await self.client.parse_notify(request.headers, await request.body())
            except NotifyRejected as exc:
                self.rejected.append(exc.reason)
                return JSONResponse(exc.response_body(), status_code=400)
            self.accepted.append(resource)
            return Response(status_code=204)

        return Starlette(
            routes=[
                Route("/api/v1/payments/wechat/notify", notify, methods=["POST"]),
                Route("/api/v1/payments/wechat/refund-notify", notify, methods=["POST"]),
            ]
        )


@dataclass
class Pay:
    sim: WeChatPaySimulator
    client: WeChatPayClient
    receiver: Receiver
    make_client: Callable[..., WeChatPayClient]


def make_config(keys: SimulatorKeys, **overrides: Any) -> WeChatPayConfig:
    values: dict[str, Any] = {
        "mchid": MCHID,
        "appid": APPID,
        "merchant_private_key": keys.merchant_private_key,
        "merchant_serial": keys.merchant_serial,
        "apiv3_key": keys.apiv3_key,
        "platform_public_key": keys.platform_public_key,
        "platform_serial": keys.platform_serial,
        "notify_url": NOTIFY_URL,
        "refund_notify_url": REFUND_NOTIFY_URL,
    }
    values.update(overrides)
    return WeChatPayConfig(**values)


@pytest.fixture
async def pay(keys: SimulatorKeys) -> AsyncIterator[Pay]:
    receiver = Receiver()
    sim = WeChatPaySimulator(
        mchid=MCHID,
        appid=APPID,
        keys=keys,
        notify_transport=httpx.ASGITransport(app=receiver.app()),
    )
    clients: list[httpx.AsyncClient] = []

    def make_client(
        *, transport: httpx.AsyncBaseTransport | None = None, **overrides: Any
    ) -> WeChatPayClient:
        clock = overrides.pop("clock", None)
        http = httpx.AsyncClient(
            transport=transport or httpx.ASGITransport(app=sim.app),
            base_url="http://wechatpay.simulator",
        )
        clients.append(http)
        if clock is not None:
            return WeChatPayClient(http, make_config(keys, **overrides), clock=clock)
        return WeChatPayClient(http, make_config(keys, **overrides))

    client = make_client()
    receiver.client = client
    yield Pay(sim=sim, client=client, receiver=receiver, make_client=make_client)
    await sim.aclose()
    for http in clients:
        await http.aclose()


def in_an_hour() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


async def prepay(pay: Pay, out_trade_no: str = "SO20240520000001", total: int = 2990) -> str:
    return await pay.client.prepay_jsapi(
        out_trade_no=out_trade_no,
        description="Shoplet 测试商品",
        total=total,
        payer_openid=OPENID,
        time_expire=in_an_hour(),
        attach="order:1",
    )


# --- orders ------------------------------------------------------------------------------


async def test_prepay_creates_a_notpay_transaction_with_the_sent_fields(pay: Pay) -> None:
    expire = datetime(2099, 1, 1, 4, 0, tzinfo=UTC)
    prepay_id = await pay.client.prepay_jsapi(
        out_trade_no="SO20240520000001",
        description="Shoplet 测试商品",
        total=2990,
        payer_openid=OPENID,
        time_expire=expire,
    )
    assert prepay_id.startswith("wx")
    assert len(prepay_id) == 36
    txn = pay.sim.transactions["SO20240520000001"]
    assert (txn.prepay_id, txn.total, txn.openid, txn.notify_url) == (
        prepay_id,
        2990,
        OPENID,
        NOTIFY_URL,
    )
    assert txn.time_expire == expire
    assert txn.trade_state == "NOTPAY"

    queried = await pay.client.query_by_out_trade_no("SO20240520000001")
    assert queried.trade_state == "NOTPAY"
    assert queried.trade_state_desc == "订单未支付"
    assert queried.total == 2990
    assert queried.transaction_id is None
    assert queried.is_paid is False


async def test_pay_params_signature_verifies_with_the_merchant_public_key(
    pay: Pay, keys: SimulatorKeys
) -> None:
    prepay_id = await prepay(pay)
    params = pay.client.jsapi_pay_params(prepay_id)
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["appId"] == APPID
    assert params["package"] == f"prepay_id={prepay_id}"
    assert params["signType"] == "RSA"
    assert len(params["nonceStr"]) == 32
    assert abs(int(params["timeStamp"]) - datetime.now(UTC).timestamp()) < 5
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    keys.merchant_public_key.verify(
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


async def test_paying_delivers_a_signed_encrypted_success_notify(pay: Pay) -> None:
    prepay_id = await prepay(pay)
    txn, delivery = await pay.sim.pay(prepay_id)
    assert delivery is not None
    assert delivery.status_code == 204
    assert delivery.url == NOTIFY_URL
    envelope = orjson.loads(delivery.notify.body)
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    assert envelope["resource_type"] == "encrypt-resource"
    assert envelope["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    assert envelope["resource"]["associated_data"] == "transaction"
    assert b"SO20240520000001" not in delivery.notify.body  # the resource is encrypted

    [resource] = pay.receiver.accepted
    assert resource.event_type == "TRANSACTION.SUCCESS"
    assert resource.summary == "支付成功"
    paid = resource.transaction()
    assert paid.out_trade_no == "SO20240520000001"
    assert paid.trade_state == "SUCCESS"
    assert (paid.total, paid.payer_total, paid.currency) == (2990, 2990, "CNY")
    assert paid.payer_openid == OPENID
    assert paid.attach == "order:1"
    assert paid.transaction_id == txn.transaction_id
    assert paid.transaction_id is not None
    assert len(paid.transaction_id) == 28

    queried = await pay.client.query_by_out_trade_no("SO20240520000001")
    assert queried.trade_state == "SUCCESS"
    assert queried.is_paid is True
    assert queried.transaction_id == txn.transaction_id
    assert queried.success_time == txn.success_time
    assert queried.trade_type == "JSAPI"


async def test_prepay_again_is_idempotent_until_paid(pay: Pay) -> None:
    first = await prepay(pay)
    assert await prepay(pay) == first
    with pytest.raises(WeChatPayError) as changed:
        await prepay(pay, total=1)
    assert (changed.value.code, changed.value.http_status) == ("OUT_TRADE_NO_USED", 403)
    await pay.sim.pay(first)
    with pytest.raises(WeChatPayError) as paid:
        await prepay(pay)
    assert (paid.value.code, paid.value.http_status, paid.value.verified) == (
        "ORDERPAID",
        400,
        True,
    )
    assert len(pay.sim.transactions) == 1


async def test_invalid_fields_answer_param_error_with_the_field(pay: Pay) -> None:
    with pytest.raises(WeChatPayError) as zero:
        await prepay(pay, total=0)
    assert (zero.value.code, zero.value.http_status) == ("PARAM_ERROR", 400)
    assert zero.value.detail == {
        "field": "/amount/total",
        "value": 0,
        "issue": "必须是大于0的整数(单位:分)",
        "location": "body",
    }
    with pytest.raises(WeChatPayError) as bad_no:
        await prepay(pay, out_trade_no="no spaces allowed")
    assert bad_no.value.code == "PARAM_ERROR"
    assert bad_no.value.detail is not None
    assert bad_no.value.detail["field"] == "/out_trade_no"
    with pytest.raises(WeChatPayError) as long_text:
        await pay.client.prepay_jsapi(
            out_trade_no="SO20240520000002",
            description="长" * 128,
            total=1,
            payer_openid=OPENID,
            time_expire=in_an_hour(),
        )
    assert long_text.value.code == "PARAM_ERROR"
    with pytest.raises(WeChatPayError) as past:
        await pay.client.prepay_jsapi(
            out_trade_no="SO20240520000003",
            description="x",
            total=1,
            payer_openid=OPENID,
            time_expire=datetime.now(UTC) - timedelta(minutes=1),
        )
    assert (past.value.code, past.value.http_status) == ("INVALID_REQUEST", 400)
    assert pay.sim.transactions == {}


async def test_close_then_query_and_the_errors_around_it(pay: Pay) -> None:
    await prepay(pay)
    await pay.client.close("SO20240520000001")
    queried = await pay.client.query_by_out_trade_no("SO20240520000001")
    assert (queried.trade_state, queried.trade_state_desc) == ("CLOSED", "订单已关闭")
    with pytest.raises(WeChatPayError) as closed:
        await prepay(pay)
    assert (closed.value.code, closed.value.http_status) == ("ORDER_CLOSED", 400)

    paid_id = await prepay(pay, out_trade_no="SO20240520000009")
    await pay.sim.pay(paid_id)
    with pytest.raises(WeChatPayError) as paid:
        await pay.client.close("SO20240520000009")
    assert (paid.value.code, paid.value.http_status) == ("ORDERPAID", 400)
    assert pay.sim.transactions["SO20240520000009"].trade_state == "SUCCESS"

    with pytest.raises(WeChatPayError) as missing:
        await pay.client.query_by_out_trade_no("SO-UNKNOWN-0001")
    assert (missing.value.code, missing.value.http_status) == ("ORDER_NOT_EXIST", 404)
    with pytest.raises(WeChatPayError) as missing_close:
        await pay.client.close("SO-UNKNOWN-0001")
    assert missing_close.value.code == "ORDER_NOT_EXIST"


# --- refunds -----------------------------------------------------------------------------


async def test_refund_is_processing_then_success_with_a_refund_notify(pay: Pay) -> None:
    await pay.sim.pay(await prepay(pay))
    pay.receiver.accepted.clear()
    refund = await pay.client.refund(
        out_trade_no="SO20240520000001",
        out_refund_no="RF20240520000001",
        refund=990,
        total=2990,
        reason="尺码不合适",
    )
    assert refund.status == "PROCESSING"
    assert (refund.refund, refund.total, refund.currency) == (990, 2990, "CNY")
    assert refund.out_trade_no == "SO20240520000001"
    assert refund.channel == "ORIGINAL"
    assert refund.success_time is None
    again = await pay.client.refund(
        out_trade_no="SO20240520000001", out_refund_no="RF20240520000001", refund=990, total=2990
    )
    assert again.refund_id == refund.refund_id  # a retry does not refund twice
    assert (await pay.client.query_refund("RF20240520000001")).status == "PROCESSING"
    assert (await pay.client.query_by_out_trade_no("SO20240520000001")).trade_state == "REFUND"

    delivery = await pay.sim.complete_refund("RF20240520000001")
    assert delivery is not None
    assert delivery.url == REFUND_NOTIFY_URL
    assert delivery.status_code == 204
    [notify] = pay.receiver.accepted
    assert notify.event_type == "REFUND.SUCCESS"
    assert notify.original_type == "refund"
    done = notify.refund()
    assert (done.status, done.refund, done.total, done.refund_id) == (
        "SUCCESS",
        990,
        2990,
        refund.refund_id,
    )
    queried = await pay.client.query_refund("RF20240520000001")
    assert queried.status == "SUCCESS"
    assert queried.success_time is not None


async def test_refund_errors(pay: Pay) -> None:
    await pay.sim.pay(await prepay(pay))
    await pay.client.refund(
        out_trade_no="SO20240520000001", out_refund_no="RF1", refund=2000, total=2990
    )
    with pytest.raises(WeChatPayError) as too_much:
        await pay.client.refund(
            out_trade_no="SO20240520000001", out_refund_no="RF2", refund=991, total=2990
        )
    assert (too_much.value.code, too_much.value.http_status) == ("INVALID_REQUEST", 400)
    pay.sim.available_balance = 500
    with pytest.raises(WeChatPayError) as broke:
        await pay.client.refund(
            out_trade_no="SO20240520000001", out_refund_no="RF3", refund=990, total=2990
        )
    assert (broke.value.code, broke.value.http_status) == ("NOT_ENOUGH", 403)
    with pytest.raises(WeChatPayError) as unknown:
        await pay.client.refund(
            out_trade_no="SO-UNKNOWN-0001", out_refund_no="RF4", refund=1, total=1
        )
    assert (unknown.value.code, unknown.value.http_status) == ("RESOURCE_NOT_EXISTS", 404)
    with pytest.raises(WeChatPayError) as no_refund:
        await pay.client.query_refund("RF-UNKNOWN")
    assert (no_refund.value.code, no_refund.value.http_status) == ("RESOURCE_NOT_EXISTS", 404)
    await prepay(pay, out_trade_no="SO20240520000002")
    with pytest.raises(WeChatPayError) as unpaid:
        await pay.client.refund(
            out_trade_no="SO20240520000002", out_refund_no="RF5", refund=1, total=2990
        )
    assert unpaid.value.code == "INVALID_REQUEST"
    assert sorted(pay.sim.refunds) == ["RF1"]
    assert pay.sim.available_balance == 500

    # A refund that ends ABNORMAL gives the amount back to refund again.
    await pay.sim.complete_refund("RF1", "ABNORMAL")
    assert pay.receiver.accepted[-1].event_type == "REFUND.ABNORMAL"
    pay.sim.available_balance = None
    again = await pay.client.refund(
        out_trade_no="SO20240520000001", out_refund_no="RF6", refund=2990, total=2990
    )
    assert again.status == "PROCESSING"


# --- bill --------------------------------------------------------------------------------


async def test_trade_bill_lists_payments_and_refunds_of_the_day(pay: Pay) -> None:
    await pay.sim.pay(await prepay(pay, "SO20240520000001", 2990))
    await pay.sim.pay(await prepay(pay, "SO20240520000002", 100))
    await prepay(pay, "SO20240520000003", 5000)  # never paid: not in the bill
    await pay.client.refund(
        out_trade_no="SO20240520000001", out_refund_no="RF1", refund=990, total=2990
    )
    today = datetime.now(CHINA_TZ).date()

    bill = await pay.client.trade_bill(today)
    assert [(r.out_trade_no, r.trade_state) for r in bill.rows] == [
        ("SO20240520000001", "SUCCESS"),
        ("SO20240520000002", "SUCCESS"),
        ("SO20240520000001", "REFUND"),
    ]
    paid, small, refund = bill.rows
    assert (paid.settlement_total, paid.order_amount, paid.refund_amount) == (2990, 2990, 0)
    assert paid.transaction_id == pay.sim.transactions["SO20240520000001"].transaction_id
    assert (paid.appid, paid.mchid, paid.openid) == (APPID, MCHID, OPENID)
    assert paid.refund_id is None
    assert str(paid.fee) == "0.17940"
    assert small.settlement_total == 100
    assert (refund.refund_amount, refund.requested_refund_amount) == (990, 990)
    assert refund.out_refund_no == "RF1"
    assert refund.refund_status == "PROCESSING"
    assert refund.settlement_total == 0
    assert bill.summary.count == 3
    assert bill.summary.settlement_total == 3090
    assert bill.summary.refund_total == 990
    assert bill.summary.order_total == 3090

    refunds_only = await pay.client.trade_bill(today, "REFUND")
    assert [r.out_refund_no for r in refunds_only.rows] == ["RF1"]

    with pytest.raises(WeChatPayError) as empty:
        await pay.client.trade_bill(today - timedelta(days=1))
    assert (empty.value.code, empty.value.http_status) == ("NO_STATEMENT_EXIST", 400)
    with pytest.raises(WeChatPayError) as future:
        await pay.client.trade_bill(today + timedelta(days=1))
    assert future.value.code == "INVALID_REQUEST"


class BillCorrupter(httpx.AsyncBaseTransport):
    """A man in the middle that edits the (unsigned) bill file on its way."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/v3/billdownload/file":
            return response
        content = (await response.aread()).replace(b"29.90", b"99.90")
        return httpx.Response(response.status_code, content=content)


async def test_bill_download_is_checked_against_its_hash(pay: Pay) -> None:
    await pay.sim.pay(await prepay(pay))
    client = pay.make_client(transport=BillCorrupter(httpx.ASGITransport(app=pay.sim.app)))
    with pytest.raises(WeChatPayError) as corrupted:
        await client.trade_bill(datetime.now(CHINA_TZ).date())
    assert corrupted.value.code == "BILL_HASH_MISMATCH"


# --- request signatures ------------------------------------------------------------------


async def test_requests_not_signed_by_the_merchant_key_get_sign_error(
    pay: Pay, keys: SimulatorKeys
) -> None:
    wrong_key = pay.make_client(merchant_private_key=generate_private_key())
    wrong_serial = pay.make_client(merchant_serial="0" * 40)
    wrong_mchid = pay.make_client(mchid="1900000001")
    for client in (wrong_key, wrong_serial, wrong_mchid):
        with pytest.raises(WeChatPayError) as rejected:
            await client.prepay_jsapi(
                out_trade_no="SO20240520000001",
                description="x",
                total=1,
                payer_openid=OPENID,
                time_expire=in_an_hour(),
            )
        assert (rejected.value.code, rejected.value.http_status) == ("SIGN_ERROR", 401)
        assert rejected.value.verified is True  # WeChat signs its errors too
    assert pay.sim.transactions == {}

    path = f"/v3/pay/transactions/out-trade-no/SO20240520000001?mchid={MCHID}"

    def signed(timestamp: int, url: str = path) -> dict[str, str]:
        return {
            "Authorization": build_authorization(
                mchid=MCHID,
                serial_no=keys.merchant_serial,
                private_key=keys.merchant_private_key,
                method="GET",
                url=url,
                body="",
                timestamp=timestamp,
                nonce=new_nonce(),
            )
        }

    now = int(datetime.now(UTC).timestamp())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=pay.sim.app), base_url="http://sim"
    ) as raw:
        unsigned = await raw.get(path)
        too_old = await raw.get(path, headers=signed(now - 301))
        other_url = await raw.get(path, headers=signed(now, url=path.replace("SO2", "SO3")))
        fine = await raw.get(path, headers=signed(now - 270))  # margin for a slow machine
    for answer in (unsigned, too_old, other_url):
        assert answer.status_code == 401
        assert answer.json()["code"] == "SIGN_ERROR"
        assert answer.headers["wechatpay-serial"] == keys.platform_serial
    assert fine.status_code == 404  # signed right: the order simply does not exist
    assert fine.json() == {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}


# --- response verification ---------------------------------------------------------------


class ResponseTamperer(httpx.AsyncBaseTransport):
    """Alters signed answers between the simulator and the client."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, edit: Callable[[dict[str, str], bytes], bytes]
    ) -> None:
        self.inner = inner
        self.edit = edit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        content = self.edit(headers, content)
        return httpx.Response(response.status_code, headers=headers, content=content)


def _resign(keys: SimulatorKeys, headers: dict[str, str], body: bytes, timestamp: int) -> bytes:
    headers["wechatpay-timestamp"] = str(timestamp)
    headers["wechatpay-signature"] = rsa_sign(
        keys.platform_private_key,
        response_message(str(timestamp), headers["wechatpay-nonce"], body),
    )
    return body


async def test_tampered_or_unsigned_answers_are_rejected(pay: Pay, keys: SimulatorKeys) -> None:
    await prepay(pay)
    now = int(datetime.now(UTC).timestamp())
    other_key = generate_private_key()

    def body(h: dict[str, str], b: bytes) -> bytes:
        return b.replace(b"NOTPAY", b"SUCCESS")

    def signature(h: dict[str, str], b: bytes) -> bytes:
        h["wechatpay-signature"] = rsa_sign(
            other_key, response_message(h["wechatpay-timestamp"], h["wechatpay-nonce"], b)
        )
        return b

    def serial(h: dict[str, str], b: bytes) -> bytes:
        h["wechatpay-serial"] = "PUB_KEY_ID_0000000000000000000000000001"
        return b

    def stale(h: dict[str, str], b: bytes) -> bytes:
        return _resign(keys, h, b, now - 301)

    def unsigned(h: dict[str, str], b: bytes) -> bytes:
        for name in ("wechatpay-signature", "wechatpay-timestamp"):
            h.pop(name)
        return b

    def fresh(h: dict[str, str], b: bytes) -> bytes:
        return _resign(keys, h, b, now - 200)  # within five minutes: still genuine

    cases = {
        body: "bad_signature",
        signature: "bad_signature",
        serial: "serial_mismatch",
        stale: "stale_timestamp",
        unsigned: "missing_headers",
    }
    for edit, reason in cases.items():
        client = pay.make_client(
            transport=ResponseTamperer(httpx.ASGITransport(app=pay.sim.app), edit)
        )
        with pytest.raises(ResponseUnverified) as rejected:
            await client.query_by_out_trade_no("SO20240520000001")
        assert (rejected.value.reason, rejected.value.code) == (reason, "RESPONSE_UNVERIFIED")

    # A signed 204 (close) is verified too: its empty body is part of the message.
    closer = pay.make_client(
        transport=ResponseTamperer(httpx.ASGITransport(app=pay.sim.app), signature)
    )
    with pytest.raises(ResponseUnverified):
        await closer.close("SO20240520000001")

    genuine = pay.make_client(
        transport=ResponseTamperer(httpx.ASGITransport(app=pay.sim.app), fresh)
    )
    assert (await genuine.query_by_out_trade_no("SO20240520000001")).trade_state == "CLOSED"


async def test_network_failures_are_typed_and_retryable(keys: SimulatorKeys) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(refuse), base_url="http://sim"
    ) as http:
        client = WeChatPayClient(http, make_config(keys))
        with pytest.raises(WeChatPayError) as failed:
            await client.query_by_out_trade_no("SO1")
    assert (failed.value.code, failed.value.http_status) == ("NETWORK_ERROR", 0)
    assert failed.value.is_retryable is True


# --- notifies ----------------------------------------------------------------------------


async def paid_order(pay: Pay) -> None:
    await pay.sim.pay(await prepay(pay), deliver=False)


async def test_each_bad_notify_is_rejected_with_its_own_reason(
    pay: Pay, keys: SimulatorKeys
) -> None:
    await paid_order(pay)
    resource = pay.sim.transaction_resource("SO20240520000001")
    now = int(datetime.now(UTC).timestamp())

    def build(**knobs: Any) -> tuple[dict[str, str], bytes]:
        notify = pay.sim.build_notify(
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource=knobs.pop("resource", resource),
            **knobs,
        )
        return notify.headers, notify.body

    genuine_headers, genuine_body = build()
    forged = build(signing_key=generate_private_key())
    tampered = build(tamper_ciphertext=True)
    stale = build(timestamp=now - 600)
    future = build(timestamp=now + 600)
    wrong_serial = build(serial="PUB_KEY_ID_0000000000000000000000000001")
    wrong_apiv3 = build(apiv3_key=b"k" * 32)
    other_merchant = build(resource={**resource, "mchid": "1900000001"})
    other_algorithm = build(algorithm="AEAD_SM4_GCM")
    bare = ({"Content-Type": "application/json"}, genuine_body)
    altered_body = (genuine_headers, genuine_body.replace(b"TRANSACTION", b"REFUND"))
    not_json_body = b"not json"
    not_json = (
        pay.sim.sign_notify("n", "TRANSACTION.SUCCESS", not_json_body).headers,
        not_json_body,
    )

    cases = [
        (forged, "bad_signature"),
        (altered_body, "bad_signature"),
        (tampered, "decrypt_failed"),
        (wrong_apiv3, "decrypt_failed"),
        (stale, "stale_timestamp"),
        (future, "stale_timestamp"),
        (wrong_serial, "serial_mismatch"),
        (bare, "missing_headers"),
        (other_merchant, "merchant_mismatch"),
        (other_algorithm, "unsupported_algorithm"),
        (not_json, "malformed_body"),
    ]
    for (headers, body), reason in cases:
        with pytest.raises(NotifyRejected) as rejected:
            await pay.client.parse_notify(headers, body)
        assert rejected.value.reason == reason
        assert rejected.value.response_body()["code"] == "FAIL"

    accepted = await pay.client.parse_notify(genuine_headers, genuine_body)
    assert accepted.transaction().out_trade_no == "SO20240520000001"
    with pytest.raises(NotifyRejected) as replayed:
        await pay.client.parse_notify(genuine_headers, genuine_body)
    assert replayed.value.reason == "replayed_nonce"


async def test_a_forged_notify_does_not_burn_a_genuine_nonce(pay: Pay) -> None:
    await paid_order(pay)
    resource = pay.sim.transaction_resource("SO20240520000001")
    knobs: dict[str, Any] = {
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "original_type": "transaction",
        "resource": resource,
        "nonce": "SHAREDNONCE0000000000000000000001",
    }
    forged = pay.sim.build_notify(**knobs, signing_key=generate_private_key())
    with pytest.raises(NotifyRejected):
        await pay.client.parse_notify(forged.headers, forged.body)
    genuine = pay.sim.build_notify(**knobs)
    assert (await pay.client.parse_notify(genuine.headers, genuine.body)).event_type == (
        "TRANSACTION.SUCCESS"
    )


async def test_redelivery_is_accepted_but_an_exact_replay_is_not(pay: Pay) -> None:
    _, delivery = await pay.sim.pay(await prepay(pay))
    assert delivery is not None
    assert delivery.ok is True
    retried = await pay.sim.redeliver(delivery.notify.id)
    assert retried.status_code == 204  # WeChat's retry: same id, fresh nonce and signature
    assert retried.notify.headers["Wechatpay-Nonce"] != delivery.notify.headers["Wechatpay-Nonce"]
    assert [r.id for r in pay.receiver.accepted] == [delivery.notify.id, delivery.notify.id]

    replayed = await pay.sim.redeliver(delivery.notify.id, resign=False)
    assert replayed.status_code == 400
    assert orjson.loads(replayed.response_text) == {
        "code": "FAIL",
        "message": "重复的通知(Wechatpay-Nonce 已处理过)",
    }
    assert pay.receiver.rejected == ["replayed_nonce"]
    assert len(pay.receiver.accepted) == 2


async def test_a_notify_can_claim_a_wrong_amount_for_amount_checks(pay: Pay) -> None:
    _, delivery = await pay.sim.pay(await prepay(pay), notify_total=1)
    assert delivery is not None
    [resource] = pay.receiver.accepted
    assert resource.transaction().total == 1  # genuine signature, wrong amount
    assert (await pay.client.query_by_out_trade_no("SO20240520000001")).total == 2990


async def test_notifies_that_cannot_be_delivered_are_recorded(keys: SimulatorKeys) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sim = WeChatPaySimulator(
        mchid=MCHID, appid=APPID, keys=keys, notify_transport=httpx.MockTransport(down)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://sim"
    ) as http:
        client = WeChatPayClient(http, make_config(keys), replay_store=MemoryReplayStore())
        prepay_id = await client.prepay_jsapi(
            out_trade_no="SO20240520000001",
            description="x",
            total=1,
            payer_openid=OPENID,
            time_expire=in_an_hour(),
        )
        _, delivery = await sim.pay(prepay_id)
    await sim.aclose()
    assert delivery is not None
    assert (delivery.ok, delivery.status_code, delivery.error) == (False, None, "ConnectError")
    assert sim.transactions["SO20240520000001"].trade_state == "SUCCESS"


# --- platform key rotation ------------------------------------------------------------------


def rotated(keys: SimulatorKeys) -> SimulatorKeys:
    """The same merchant after WeChat Pay moved to a new public key (a new PUB_KEY_ID_…)."""
    return SimulatorKeys(
        merchant_private_key=keys.merchant_private_key,
        platform_private_key=generate_private_key(),
        apiv3_key=keys.apiv3_key,
    )


async def test_a_rotation_accepts_both_platform_keys_and_no_other(
    pay: Pay, keys: SimulatorKeys
) -> None:
    new = rotated(keys)
    assert new.platform_serial != keys.platform_serial
    both = pay.make_client(other_platform_keys={new.platform_serial: new.platform_public_key})
    await paid_order(pay)
    resource = pay.sim.transaction_resource("SO20240520000001")

    def notify(signing: SimulatorKeys) -> tuple[dict[str, str], bytes]:
        built = pay.sim.build_notify(
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource=resource,
            serial=signing.platform_serial,
            signing_key=signing.platform_private_key,
        )
        return built.headers, built.body

    # Notifies signed with either key verify during the overlap …
    for signing in (keys, new):
        accepted = await both.parse_notify(*notify(signing))
        assert accepted.transaction().out_trade_no == "SO20240520000001"
    # … a client that knows only the old key refuses the new serial …
    with pytest.raises(NotifyRejected) as unknown:
        await pay.client.parse_notify(*notify(new))
    assert unknown.value.reason == "serial_mismatch"
    # … and a known serial with another key's signature is still a bad signature.
    forged = pay.sim.build_notify(
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=resource,
        serial=new.platform_serial,
        signing_key=generate_private_key(),
    )
    with pytest.raises(NotifyRejected) as bad:
        await both.parse_notify(forged.headers, forged.body)
    assert bad.value.reason == "bad_signature"


async def test_answers_signed_with_the_new_key_verify_during_a_rotation(
    keys: SimulatorKeys,
) -> None:
    new = rotated(keys)
    sim = WeChatPaySimulator(mchid=MCHID, appid=APPID, keys=new)  # WeChat Pay switched
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://wechatpay.simulator"
    )
    try:
        old_only = WeChatPayClient(http, make_config(keys))
        both = WeChatPayClient(
            http,
            make_config(keys, other_platform_keys={new.platform_serial: new.platform_public_key}),
        )
        with pytest.raises(ResponseUnverified) as refused:
            await old_only.prepay_jsapi(
                out_trade_no="SO20240520000009",
                description="Shoplet 测试商品",
                total=100,
                payer_openid=OPENID,
                time_expire=in_an_hour(),
            )
        assert refused.value.reason == "serial_mismatch"
        prepay_id = await both.prepay_jsapi(
            out_trade_no="SO20240520000009",
            description="Shoplet 测试商品",
            total=100,
            payer_openid=OPENID,
            time_expire=in_an_hour(),
        )
        assert prepay_id
    finally:
        await sim.aclose()
        await http.aclose()


def test_settings_name_the_other_keys_by_serial(tmp_path: Path, keys: SimulatorKeys) -> None:
    new = rotated(keys)
    (tmp_path / "new.pem").write_bytes(public_key_pem(new.platform_public_key))
    parsed = parse_platform_keys(f" {new.platform_serial} = {tmp_path / 'new.pem'} ,")
    assert parsed == {new.platform_serial: tmp_path / "new.pem"}
    for bad in ("PUB_KEY_ID_1", "=/x.pem", "A=/x.pem,A=/y.pem"):
        with pytest.raises(ValueError, match="SHOPLET_WECHATPAY_PLATFORM_KEYS"):
            parse_platform_keys(bad)
