"""Tencent Cloud SMS: TC3 signing, the verifying simulator and the sender's error mapping."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from shoplet.integrations.sms import SmsError, SmsMessage
from shoplet.integrations.tencent_sms import (
    TencentSmsConfig,
    TencentSmsSender,
    TencentSmsTemplate,
    canonical_request,
    classify,
    sign_headers,
    tc3_signature,
)
from shoplet.integrations.tencent_sms_simulator import TencentSmsSimulator

SECRET_ID = "AKIDtestsecretid0000000000000000"
SECRET_KEY = "test-secret-key-0000000000000000"
CONFIG = TencentSmsConfig(
    secret_id=SECRET_ID,
    secret_key=SECRET_KEY,
    sdk_app_id="1400123456",
    sign_name="Shoplet",
    region="ap-guangzhou",
    templates={"login_code": TencentSmsTemplate("2001", ("code", "minutes"))},
)
LOGIN = SmsMessage(
    phone="13812345678", template="login_code", params={"code": "123456", "minutes": "5"}
)


def simulator(**overrides: object) -> TencentSmsSimulator:
    values: dict[str, object] = {
        "secret_id": SECRET_ID,
        "secret_key": SECRET_KEY,
        "sdk_app_id": "1400123456",
        "sign_name": "Shoplet",
        "templates": {"2001": 2},
    }
    values.update(overrides)
    return TencentSmsSimulator(**values)  # type: ignore[arg-type]


@pytest.fixture
async def sim() -> AsyncIterator[tuple[TencentSmsSimulator, httpx.AsyncClient]]:
    sim = simulator()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="https://sms.tencentcloudapi.com"
    ) as http:
        yield sim, http


def test_tc3_signature_follows_the_documented_steps() -> None:
    # Each step by hand, as Tencent Cloud's "signature v3" page lays them out.
    payload = b'{"Limit": 1}'
    request = canonical_request(
        method="POST",
        headers={
            "content-type": "application/json; charset=utf-8",
            "host": "sms.tencentcloudapi.com",
        },
        signed_headers="content-type;host",
        payload=payload,
    )
    assert request == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n\n"
        "content-type;host\n" + hashlib.sha256(payload).hexdigest()
    )
    timestamp = 1551113065  # 2019-02-25 16:44:25 UTC
    string_to_sign = (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/sms/tc3_request\n"
        + hashlib.sha256(request.encode()).hexdigest()
    )

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = mac(mac(mac(b"TC3" + SECRET_KEY.encode(), "2019-02-25"), "sms"), "tc3_request")
    expected = hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert (
        tc3_signature(
            secret_key=SECRET_KEY, timestamp=timestamp, service="sms", canonical_request=request
        )
        == expected
    )


def test_tc3_signature_matches_tencent_clouds_own_signer() -> None:
    sign = pytest.importorskip("tencentcloud.common.sign").Sign
    request = canonical_request(
        method="POST",
        headers={"content-type": "application/json", "host": "sms.tencentcloudapi.com"},
        signed_headers="content-type;host",
        payload=_payload(),
    )
    timestamp = 1700000000  # 2023-11-14 22:13:20 UTC
    string_to_sign = (
        "TC3-HMAC-SHA256\n1700000000\n2023-11-14/sms/tc3_request\n"
        + hashlib.sha256(request.encode()).hexdigest()
    )
    assert tc3_signature(
        secret_key=SECRET_KEY, timestamp=timestamp, service="sms", canonical_request=request
    ) == sign.sign_tc3(SECRET_KEY, "2023-11-14", "sms", string_to_sign)


def test_signed_headers() -> None:
    headers = sign_headers(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        host="sms.tencentcloudapi.com",
        region="ap-guangzhou",
        payload=b"{}",
        timestamp=1551113065,
    )
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["X-TC-Timestamp"] == "1551113065"
    assert headers["Authorization"].startswith(
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2019-02-25/sms/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, Signature="
    )


async def test_sender_sends_through_the_simulator(
    sim: tuple[TencentSmsSimulator, httpx.AsyncClient],
) -> None:
    simulator_, http = sim
    await TencentSmsSender(http, CONFIG).send(LOGIN)

    [sent] = simulator_.sent
    assert sent.phone == "+8613812345678"
    assert sent.template_id == "2001"
    assert sent.params == ("123456", "5")
    assert simulator_.last_code("13812345678") == "123456"


@pytest.mark.parametrize(
    ("phone", "kind", "code"),
    [
        ("13812340400", "phone_rejected", "InvalidParameterValue.IncorrectPhoneNumber"),
        ("12345", "phone_rejected", "InvalidParameterValue.IncorrectPhoneNumber"),
        ("13812340429", "rate_limited", "LimitExceeded.PhoneNumberDailyLimit"),
        ("13812340502", "unavailable", "FailedOperation.InsufficientBalanceInSmsPackage"),
        ("13812340503", "unavailable", "InternalError.RequestTimeException"),
    ],
)
async def test_provider_answers_map_to_error_kinds(
    sim: tuple[TencentSmsSimulator, httpx.AsyncClient], phone: str, kind: str, code: str
) -> None:
    simulator_, http = sim
    with pytest.raises(SmsError) as raised:
        await TencentSmsSender(http, CONFIG).send(
            SmsMessage(phone=phone, template="login_code", params={"code": "1", "minutes": "5"})
        )
    assert (raised.value.kind, raised.value.code) == (kind, code)
    assert list(simulator_.sent) == []


@pytest.mark.parametrize(
    ("sim_overrides", "code"),
    [
        ({"secret_key": "another-key"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "AKIDsomeoneelse"}, "AuthFailure.SecretIdNotFound"),
        ({"sdk_app_id": "1400999999"}, "InvalidParameterValue.SdkAppIdNotExist"),
        ({"sign_name": "Other"}, "FailedOperation.SignatureIncorrectOrUnapproved"),
        ({"templates": {"9999": 2}}, "FailedOperation.TemplateIncorrectOrUnapproved"),
        ({"templates": {"2001": 1}}, "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"),
        ({"clock": lambda: time.time() + 301}, "AuthFailure.SignatureExpire"),
        ({"clock": lambda: time.time() - 301}, "AuthFailure.SignatureExpire"),
    ],
)
async def test_account_problems_are_misconfigured(
    sim_overrides: dict[str, object], code: str
) -> None:
    sim = simulator(**sim_overrides)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="https://sms.tencentcloudapi.com"
    ) as http:
        with pytest.raises(SmsError) as raised:
            await TencentSmsSender(http, CONFIG).send(LOGIN)
    assert raised.value.code == code
    assert raised.value.kind == "misconfigured"
    assert list(sim.sent) == []


async def _post(
    http: httpx.AsyncClient, payload: bytes, headers: dict[str, str]
) -> dict[str, object]:
    response = await http.post("/", content=payload, headers=headers)
    assert response.status_code == 200
    body: dict[str, object] = orjson.loads(response.content)["Response"]
    return body


def _payload(**overrides: object) -> bytes:
    data: dict[str, object] = {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400123456",
        "SignName": "Shoplet",
        "TemplateId": "2001",
        "TemplateParamSet": ["123456", "5"],
    }
    data.update(overrides)
    return orjson.dumps(data)


def _headers(payload: bytes, *, timestamp: int | None = None, **overrides: str) -> dict[str, str]:
    headers = sign_headers(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        host="sms.tencentcloudapi.com",
        region="ap-guangzhou",
        payload=payload,
        timestamp=int(time.time()) if timestamp is None else timestamp,
    )
    headers.update(overrides)
    return headers


async def test_simulator_answers_the_wire_format(
    sim: tuple[TencentSmsSimulator, httpx.AsyncClient],
) -> None:
    _, http = sim
    payload = _payload(PhoneNumberSet=["+8613812345678", "+8613812340429"])
    body = await _post(http, payload, _headers(payload))

    assert isinstance(body["RequestId"], str)
    ok, limited = body["SendStatusSet"]  # type: ignore[misc]
    assert ok["Code"] == "Ok"
    assert ok["PhoneNumber"] == "+8613812345678"
    assert ok["Fee"] == 1
    assert ok["IsoCode"] == "CN"
    assert limited["Code"] == "LimitExceeded.PhoneNumberDailyLimit"


async def test_simulator_refuses_a_tampered_body(
    sim: tuple[TencentSmsSimulator, httpx.AsyncClient],
) -> None:
    simulator_, http = sim
    headers = _headers(_payload())
    body = await _post(http, _payload(TemplateParamSet=["000000", "5"]), headers)

    assert body["Error"] == {
        "Code": "AuthFailure.SignatureFailure",
        "Message": "the signature does not match",
    }
    assert list(simulator_.sent) == []


async def test_simulator_refuses_a_replayed_old_request(
    sim: tuple[TencentSmsSimulator, httpx.AsyncClient],
) -> None:
    _, http = sim
    payload = _payload()
    body = await _post(http, payload, _headers(payload, timestamp=int(time.time()) - 600))
    assert body["Error"]["Code"] == "AuthFailure.SignatureExpire"  # type: ignore[index]


@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        ("X-TC-Action", "SendStatusStatistics", "InvalidAction"),
        ("X-TC-Version", "2019-07-11", "NoSuchVersion"),
        ("Authorization", "Basic abc", "AuthFailure.InvalidAuthorization"),
        ("X-TC-Region", "", "MissingParameter"),
    ],
)
async def test_simulator_checks_the_headers(
    sim: tuple[TencentSmsSimulator, httpx.AsyncClient], header: str, value: str, code: str
) -> None:
    _, http = sim
    payload = _payload()
    headers = _headers(payload, **{header: value})
    body = await _post(http, payload, headers)
    assert body["Error"]["Code"] == code  # type: ignore[index]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("InvalidParameterValue.IncorrectPhoneNumber", "phone_rejected"),
        ("FailedOperation.PhoneNumberInBlacklist", "phone_rejected"),
        ("LimitExceeded.PhoneNumberDailyLimit", "rate_limited"),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", "rate_limited"),
        ("LimitExceeded.PhoneNumberOneHourLimit", "rate_limited"),
        ("AuthFailure.SignatureFailure", "misconfigured"),
        ("AuthFailure.SecretIdNotFound", "misconfigured"),
        ("FailedOperation.TemplateIncorrectOrUnapproved", "misconfigured"),
        ("FailedOperation.InsufficientBalanceInSmsPackage", "unavailable"),
        ("FailedOperation.ContainSensitiveWord", "unavailable"),
        ("InternalError.Timeout", "unavailable"),
        ("RequestLimitExceeded", "unavailable"),
    ],
)
def test_classify(code: str, kind: str) -> None:
    assert classify(code) == kind


async def test_unreachable_provider_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(refuse), base_url="https://sms.tencentcloudapi.com"
    ) as http:
        with pytest.raises(SmsError) as raised:
            await TencentSmsSender(http, CONFIG).send(LOGIN)
    assert (raised.value.kind, raised.value.code) == ("unavailable", "Shoplet.NetworkError")
