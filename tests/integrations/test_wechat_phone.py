"""The getPhoneNumber client against the in-repo simulator: wire format, the stable token
(cached, refreshed once on 40001), single-use and expiring codes, WeChat's error codes and the
watermark check."""

from __future__ import annotations

import httpx
import orjson
import pytest

from shoplet.integrations.wechat.phone import (
    WATERMARK_MISMATCH,
    WeChatPhoneClient,
    WeChatPhoneError,
)
from shoplet.integrations.wechat.phone_simulator import CODE_TTL_SECONDS, PhoneNumberSimulator
from shoplet.integrations.wechat.wxacode import WxacodeClient
from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator
from tests.integrations import wechat_simulator as shared
from tests.integrations.wechat_simulator import APPID, SECRET, Recorder

# The simulator, its request recorder and the HTTP client, set up once for the wxacode and
# getPhoneNumber tests (tests/integrations/wechat_simulator.py): fixtures found by name.
simulator = shared.simulator
recorder = shared.recorder
http = shared.http


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def phones(simulator: WxacodeSimulator, clock: Clock) -> PhoneNumberSimulator:
    """getPhoneNumber beside wxacode on one simulator, sharing its access tokens."""
    found = PhoneNumberSimulator(tokens=simulator.tokens, appid=APPID, clock=clock)
    simulator.app.router.routes.extend(found.routes())
    return found


@pytest.fixture
def client(http: httpx.AsyncClient, phones: PhoneNumberSimulator) -> WeChatPhoneClient:
    tokens = WxacodeClient(http, appid=APPID, secret=SECRET)

    async def token(force: bool) -> str:
        return await tokens.access_token(force_refresh=force)

    return WeChatPhoneClient(http, token, appid=APPID)


async def test_wire_format_and_the_number(
    client: WeChatPhoneClient, phones: PhoneNumberSimulator, recorder: Recorder
) -> None:
    code = phones.issue_code("13812345678")
    info = await client.get_phone_number(code)
    assert (info.phone_number, info.pure_phone_number, info.country_code) == (
        "13812345678",
        "13812345678",
        "86",
    )
    assert info.watermark_timestamp == 1_700_000_000
    assert "13812345678" not in repr(info)
    (token_path, _, token_body), (path, query, body) = recorder.requests
    assert token_path == "/cgi-bin/stable_token"
    assert orjson.loads(token_body) == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": False,
    }
    assert path == "/wxa/business/getuserphonenumber"
    assert query.startswith("access_token=")
    assert orjson.loads(body) == {"code": code}
    # The token is kept: a second exchange asks for none.
    await client.get_phone_number(phones.issue_code("13900001111"))
    assert [p for p, _, _ in recorder.requests].count("/cgi-bin/stable_token") == 1


async def test_a_code_is_single_use(
    client: WeChatPhoneClient, phones: PhoneNumberSimulator
) -> None:
    code = phones.issue_code("13812345678")
    await client.get_phone_number(code)
    with pytest.raises(WeChatPhoneError) as used:
        await client.get_phone_number(code)
    assert used.value.errcode == 40029
    with pytest.raises(WeChatPhoneError) as unknown:
        await client.get_phone_number("never-issued")
    assert unknown.value.errcode == 40029
    assert phones.exchanges == 1


async def test_a_code_expires_after_five_minutes(
    client: WeChatPhoneClient, phones: PhoneNumberSimulator, clock: Clock
) -> None:
    fresh = phones.issue_code("13812345678")
    stale = phones.issue_code("13812345678")
    clock.now += CODE_TTL_SECONDS - 1
    await client.get_phone_number(fresh)
    clock.now += 1
    with pytest.raises(WeChatPhoneError) as expired:
        await client.get_phone_number(stale)
    assert expired.value.errcode == 40029


@pytest.mark.parametrize("errcode", [-1, 40013, 45011])
async def test_wechat_errors_reach_the_caller(
    client: WeChatPhoneClient, phones: PhoneNumberSimulator, errcode: int
) -> None:
    code = phones.issue_code("13812345678")
    phones.fail_next.append(errcode)
    with pytest.raises(WeChatPhoneError) as refused:
        await client.get_phone_number(code)
    assert refused.value.errcode == errcode
    # The refusal spent nothing: the code still works.
    assert (await client.get_phone_number(code)).pure_phone_number == "13812345678"


async def test_an_invalid_token_is_refreshed_once(
    client: WeChatPhoneClient,
    phones: PhoneNumberSimulator,
    simulator: WxacodeSimulator,
    recorder: Recorder,
) -> None:
    await client.get_phone_number(phones.issue_code("13812345678"))
    simulator.expire_tokens()  # WeChat answers 40001 to the cached token
    info = await client.get_phone_number(phones.issue_code("13900001111"))
    assert info.pure_phone_number == "13900001111"
    paths = [p for p, _, _ in recorder.requests]
    assert paths == [
        "/cgi-bin/stable_token",
        "/wxa/business/getuserphonenumber",
        "/wxa/business/getuserphonenumber",  # 40001
        "/cgi-bin/stable_token",
        "/wxa/business/getuserphonenumber",
    ]
    assert orjson.loads(recorder.requests[3][2])["force_refresh"] is True


async def test_a_watermark_of_another_app_proves_nothing(
    client: WeChatPhoneClient, phones: PhoneNumberSimulator
) -> None:
    phones.watermark_appid = "wx-another-app"
    with pytest.raises(WeChatPhoneError) as mismatch:
        await client.get_phone_number(phones.issue_code("13812345678"))
    assert mismatch.value.errcode == WATERMARK_MISMATCH


async def test_a_foreign_number_keeps_its_country_code(
    client: WeChatPhoneClient, phones: PhoneNumberSimulator
) -> None:
    info = await client.get_phone_number(phones.issue_code("91234567", "852"))
    assert (info.phone_number, info.pure_phone_number, info.country_code) == (
        "+85291234567",
        "91234567",
        "852",
    )
