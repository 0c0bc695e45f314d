"""The Nuonuo adapter against its simulator: signatures computed here independently (HMAC-SHA1,
Base64) match; tampered, unauthorised or inconsistent requests get Nuonuo's error codes; a red
invoice must reverse an issued blue one for no more than its amount."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
import orjson
import pytest

from shoplet.integrations.invoicing.nuonuo import (
    ISSUE_METHOD,
    SERVICES_PATH,
    NuonuoProvider,
    callback_sign,
    request_sign,
)
from shoplet.integrations.invoicing.nuonuo_simulator import NuonuoSimulator
from shoplet.integrations.invoicing.provider import (
    CallbackRejected,
    IssueLine,
    IssueRequest,
    ProviderError,
)

KEY, SECRET, TOKEN, SELLER = "k1", "s1", "t1", "91310000MA1FL8KQ3E"


def _independent(secret: str, text: str) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    ).decode()


def test_signatures_match_an_independent_implementation() -> None:
    body = '{"order":{}}'
    text = f"a=services&l=v1&p=open&k={KEY}&i=abc&n=123&t=1700000000&f={body}"
    assert request_sign(
        SECRET, app_key=KEY, senid="abc", nonce="123", timestamp="1700000000", body=body
    ) == _independent(SECRET, text)
    text = f"a=callback&k={KEY}&i=FP1&n=9&t=1700000000&f={{}}"
    assert callback_sign(
        SECRET, app_key=KEY, orderno="FP1", nonce="9", timestamp="1700000000", content="{}"
    ) == _independent(SECRET, text)


def _setup() -> tuple[NuonuoSimulator, NuonuoProvider]:
    sim = NuonuoSimulator(app_key=KEY, app_secret=SECRET, access_token=TOKEN, seller_tax_id=SELLER)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://nn")
    provider = NuonuoProvider(
        http, app_key=KEY, app_secret=SECRET, access_token=TOKEN, seller_tax_id=SELLER
    )
    return sim, provider


def _request(no: str, amount: int, *, red: bool = False, number: str | None = None) -> IssueRequest:
    sign = -1 if red else 1
    net = round(abs(amount) / 1.13)
    line = IssueLine(
        "T恤", "1090000000000000000", 1, sign * amount, sign * net, sign * (amount - net), 1300
    )
    return IssueRequest(
        invoice_no=no,
        kind="red" if red else "blue",
        buyer_name="张三",
        buyer_tax_id=None,
        buyer_email=None,
        seller_tax_id=SELLER,
        seller_name="卖家",
        lines=(line,),
        original_number=number,
    )


async def test_issue_and_red_letter_through_the_simulator() -> None:
    sim, provider = _setup()
    serial = await provider.issue(_request("FP" + "1" * 18, 11300), callback_url="http://x/cb")
    assert sim.issues["FP" + "1" * 18].serial == serial
    # The same orderNo again: the same serial (a retry after a lost answer).
    assert (
        await provider.issue(_request("FP" + "1" * 18, 11300), callback_url="http://x/cb") == serial
    )
    with pytest.raises(ProviderError) as refused:
        await provider.issue(
            _request("FP" + "2" * 18, 11300, red=True, number="nope"), callback_url="u"
        )
    assert (refused.value.code, refused.value.retryable) == ("E0003", False)
    sim.issues["FP" + "1" * 18].status = "issued"
    sim.issues["FP" + "1" * 18].number = "26000000000000000001"
    with pytest.raises(ProviderError) as too_much:
        await provider.issue(
            _request("FP" + "3" * 18, 11400, red=True, number="26000000000000000001"),
            callback_url="u",
        )
    assert too_much.value.code == "E0004"
    await provider.issue(
        _request("FP" + "4" * 18, 11300, red=True, number="26000000000000000001"), callback_url="u"
    )
    assert sim.issues["FP" + "1" * 18].reversed_by == "FP" + "4" * 18


async def test_tampered_and_unauthorised_requests_are_refused() -> None:
    sim, _ = _setup()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://nn"
    ) as http:
        body = orjson.dumps({"order": {}}).decode()
        ts = str(int(time.time()))
        query = {"senid": "a", "nonce": "1", "timestamp": ts, "appkey": KEY}
        good = request_sign(SECRET, app_key=KEY, senid="a", nonce="1", timestamp=ts, body=body)
        headers = {
            "X-Nuonuo-Sign": good,
            "accessToken": TOKEN,
            "userTax": SELLER,
            "method": ISSUE_METHOD,
        }
        cases = [
            (query, body + " ", headers, "E1007"),
            ({**query, "appkey": "other"}, body, headers, "E1006"),
            (query, body, {**headers, "accessToken": "x"}, "E1001"),
            (query, body, {**headers, "userTax": "x"}, "E1002"),
            (query, body, headers, "E0001"),  # signed, but no order lines
        ]
        for q, content, h, code in cases:
            answer = await http.post(SERVICES_PATH, params=q, content=content.encode(), headers=h)
            assert answer.json()["code"] == code
    assert sim.issues == {}


def test_callbacks_without_a_valid_signature_are_rejected() -> None:
    _, provider = _setup()
    content = '{"c_orderno":"FP1","c_status":"2"}'
    ts = str(int(time.time()))
    form = {
        "operater": "callback",
        "orderno": "FP1",
        "nonce": "1",
        "timestamp": ts,
        "content": content,
    }
    good = callback_sign(
        SECRET, app_key=KEY, orderno="FP1", nonce="1", timestamp=ts, content=content
    )
    assert provider.parse_callback(form, good).ok
    for fields, sign in [
        (form, None),
        (form, good[:-2] + "AA"),
        ({**form, "content": content.replace("2", "3")}, good),
        ({**form, "operater": "other"}, good),
        ({**form, "timestamp": "1700000000"}, good),
    ]:
        with pytest.raises(CallbackRejected):
            provider.parse_callback(fields, sign)
