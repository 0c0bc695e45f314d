"""Payouts (WeChat Pay v3 merchant transfers, 商家转账) against the simulator over the signed
wire: the Authorization header verified by the simulator, every answer verified by the client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shoplet.integrations.wechat.pay import WeChatPayClient, WeChatPayError
from shoplet.integrations.wechat.pay_crypto import generate_private_key
from shoplet.integrations.wechat.pay_simulator import SimulatorKeys, WeChatPaySimulator
from shoplet.integrations.wechat.transfers import TRANSFER_PATH, WeChatTransfers
from tests.integrations.test_wechat_pay import APPID, MCHID, OPENID, make_config


@pytest.fixture(scope="module")
def keys() -> SimulatorKeys:
    return SimulatorKeys.generate()


@pytest.fixture
async def sim(keys: SimulatorKeys) -> AsyncIterator[WeChatPaySimulator]:
    simulator = WeChatPaySimulator(mchid=MCHID, appid=APPID, keys=keys)
    yield simulator
    await simulator.aclose()


@pytest.fixture
async def http(sim: WeChatPaySimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://wechatpay.simulator"
    ) as client:
        yield client


def payouts(http: httpx.AsyncClient, keys: SimulatorKeys, **overrides: object) -> WeChatTransfers:
    return WeChatTransfers(WeChatPayClient(http, make_config(keys, **overrides)))


async def test_a_transfer_waits_for_the_shopper_then_succeeds(
    sim: WeChatPaySimulator, http: httpx.AsyncClient, keys: SimulatorKeys
) -> None:
    client = payouts(http, keys)
    bill = await client.transfer(
        out_bill_no="WD20261204ab12cd", openid=OPENID, amount=1500, remark="推广佣金提现"
    )
    assert bill.state == "WAIT_USER_CONFIRM"
    assert bill.package_info
    assert bill.transfer_bill_no.startswith("1330")
    assert bill.create_time is not None

    # The same bill again is idempotent: the first answer.
    again = await client.transfer(
        out_bill_no="WD20261204ab12cd", openid=OPENID, amount=1500, remark="推广佣金提现"
    )
    assert again.transfer_bill_no == bill.transfer_bill_no

    sim.complete_transfer("WD20261204ab12cd", "SUCCESS")
    found = await client.query("WD20261204ab12cd")
    assert (found.state, found.raw["transfer_amount"], found.raw["openid"]) == (
        "SUCCESS",
        1500,
        OPENID,
    )


async def test_refusals_carry_wechat_codes(
    sim: WeChatPaySimulator, http: httpx.AsyncClient, keys: SimulatorKeys
) -> None:
    client = payouts(http, keys)
    await client.transfer(out_bill_no="WDdup00001", openid=OPENID, amount=1500, remark="佣金")

    cases = [
        ({"out_bill_no": "WDdup00001", "amount": 1600}, 400, "INVALID_REQUEST"),
        ({"out_bill_no": "WD-bad-no!", "amount": 1500}, 400, "PARAM_ERROR"),
        ({"out_bill_no": "WDsmall001", "amount": 5}, 400, "PARAM_ERROR"),
        # 2,000 yuan and more need the payee's real name.
        ({"out_bill_no": "WDbig00001", "amount": 200_000}, 400, "PARAM_ERROR"),
    ]
    for fields, status, code in cases:
        with pytest.raises(WeChatPayError) as caught:
            await client.transfer(openid=OPENID, remark="佣金", **fields)  # type: ignore[arg-type]
        assert (caught.value.http_status, caught.value.code, caught.value.verified) == (
            status,
            code,
            True,
        )

    sim.available_balance = 1000
    with pytest.raises(WeChatPayError) as caught:
        await client.transfer(out_bill_no="WDpoor0001", openid=OPENID, amount=1500, remark="佣金")
    assert (caught.value.http_status, caught.value.code) == (403, "NOT_ENOUGH")
    assert sim.available_balance == 1000

    with pytest.raises(WeChatPayError) as caught:
        await client.query("WDnever001")
    assert (caught.value.http_status, caught.value.code) == (404, "NOT_FOUND")

    # A failed transfer gives the merchant's money back.
    await client.transfer(out_bill_no="WDfail0001", openid=OPENID, amount=400, remark="佣金")
    assert sim.available_balance == 600
    sim.complete_transfer("WDfail0001", "FAIL")
    assert sim.available_balance == 1000
    assert (await client.query("WDfail0001")).state == "FAIL"


async def test_a_payee_name_travels_encrypted_for_the_wechat_pay_key(
    sim: WeChatPaySimulator, http: httpx.AsyncClient, keys: SimulatorKeys
) -> None:
    """From 2,000 yuan the name is required, RSA-OAEP encrypted with the WeChat Pay public key
    and named by Wechatpay-Serial; the simulator decrypts it. A name in clear, or encrypted for
    another key, is refused."""
    client = payouts(http, keys)
    bill = await client.transfer(
        out_bill_no="WDbigname1", openid=OPENID, amount=200_000, remark="佣金", user_name="张三丰"
    )
    assert bill.state == "WAIT_USER_CONFIRM"
    assert sim.transfers["WDbigname1"].user_recognized_name == "张三丰"

    pay = WeChatPayClient(http, make_config(keys))
    body = {
        "appid": APPID,
        "out_bill_no": "WDbigname2",
        "transfer_scene_id": "1005",
        "openid": OPENID,
        "transfer_amount": 200_000,
        "transfer_remark": "佣金",
        "user_recognized_name": "李四",  # in clear
    }
    for serial, message in [
        (keys.platform_serial, "敏感信息解密失败"),
        ("PUB_KEY_ID_0000000000000000000000000001", "Wechatpay-Serial"),
    ]:
        with pytest.raises(WeChatPayError) as caught:
            await pay._call(
                "POST", TRANSFER_PATH, json_body=body, extra_headers={"Wechatpay-Serial": serial}
            )
        assert (caught.value.http_status, caught.value.code, caught.value.verified) == (
            400,
            "PARAM_ERROR",
            True,
        )
        assert message in caught.value.message
    assert "WDbigname2" not in sim.transfers


async def test_a_request_not_signed_by_the_merchant_key_is_refused(
    sim: WeChatPaySimulator, http: httpx.AsyncClient, keys: SimulatorKeys
) -> None:
    forger = payouts(http, keys, merchant_private_key=generate_private_key())
    with pytest.raises(WeChatPayError) as caught:
        await forger.transfer(out_bill_no="WDforged01", openid=OPENID, amount=1500, remark="佣金")
    assert (caught.value.http_status, caught.value.code) == (401, "SIGN_ERROR")
    assert sim.transfers == {}


async def test_the_control_route_plays_the_outcome_over_http(
    sim: WeChatPaySimulator, http: httpx.AsyncClient, keys: SimulatorKeys
) -> None:
    await payouts(http, keys).transfer(
        out_bill_no="WDctl00001", openid=OPENID, amount=1500, remark="佣金"
    )
    response = await http.post("/transfers/WDctl00001/complete", json={"state": "CANCELLED"})
    assert response.status_code == 200, response.text
    assert response.json()["transfer"]["state"] == "CANCELLED"
    again = await http.post("/transfers/WDctl00001/complete", json={"state": "SUCCESS"})
    assert (again.status_code, again.json()["code"]) == (400, "INVALID_REQUEST")
