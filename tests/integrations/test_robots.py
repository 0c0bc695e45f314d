"""The alert channels' clients against the in-repo simulators: WeCom keys and rate limits,
DingTalk's 加签 (a bad signature or a stale timestamp is refused with 310000), signed webhooks,
and e-mail through a local SMTP server on a free port."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from shoplet.integrations.robots import RobotError, dingtalk, email, webhook, wecom
from shoplet.integrations.robots.simulator import (
    DEMO_DINGTALK_SECRET,
    DEMO_DINGTALK_TOKEN,
    DEMO_HOOK_SECRET,
    DEMO_WECOM_KEY,
    DINGTALK_BASE,
    HOOKS_BASE,
    SIM_BASE,
    WECOM_BASE,
    RobotSimulator,
)
from shoplet.integrations.robots.smtp_simulator import SmtpSimulator


@pytest.fixture
def simulator() -> RobotSimulator:
    return RobotSimulator(per_minute=3)


@pytest.fixture
async def http(simulator: RobotSimulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=simulator.app)
    async with httpx.AsyncClient(transport=transport, base_url=SIM_BASE) as client:
        yield client


async def test_wecom_sends_markdown_and_refuses_a_bad_key(
    http: httpx.AsyncClient, simulator: RobotSimulator
) -> None:
    await wecom.send_markdown(http, WECOM_BASE, DEMO_WECOM_KEY, "### 告警\n> UV 下跌")
    [message] = simulator.messages("wecom")
    assert message.body == {"msgtype": "markdown", "markdown": {"content": "### 告警\n> UV 下跌"}}
    with pytest.raises(RobotError) as caught:
        await wecom.send_markdown(http, WECOM_BASE, "wrong-key", "x")
    assert (caught.value.code, caught.value.is_retryable) == ("93000", False)


async def test_wecom_rate_limit_is_retryable(
    http: httpx.AsyncClient, simulator: RobotSimulator
) -> None:
    for _ in range(3):
        await wecom.send_markdown(http, WECOM_BASE, DEMO_WECOM_KEY, "ok")
    with pytest.raises(RobotError) as caught:
        await wecom.send_markdown(http, WECOM_BASE, DEMO_WECOM_KEY, "one too many")
    assert (caught.value.code, caught.value.is_retryable) == ("45009", True)
    assert len(simulator.messages("wecom")) == 3


def test_wecom_truncates_long_content_on_a_character_boundary() -> None:
    text = wecom.truncate("告" * 2000)
    assert len(text.encode()) <= wecom.MAX_CONTENT_BYTES
    assert text.endswith("…")


async def test_dingtalk_signed_message_is_accepted(
    http: httpx.AsyncClient, simulator: RobotSimulator
) -> None:
    await dingtalk.send_markdown(
        http, DINGTALK_BASE, DEMO_DINGTALK_TOKEN, DEMO_DINGTALK_SECRET, "告警", "### UV 下跌"
    )
    [message] = simulator.messages("dingtalk")
    assert message.body["markdown"] == {"title": "告警", "text": "### UV 下跌"}


def test_dingtalk_signature_matches_the_documented_example() -> None:
    """DingTalk's own recipe: base64(HmacSHA256(secret, timestamp + "\\n" + secret))."""
    import base64
    import hashlib
    import hmac

    secret, timestamp = "SEC000", 1577262236757
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert dingtalk.sign(secret, timestamp) == expected


@pytest.mark.parametrize(
    ("secret", "age_ms", "code"),
    [
        ("SECwrong", 0, "310000"),  # signed with another secret
        (DEMO_DINGTALK_SECRET, 2 * 3_600_000, "310000"),  # a stale timestamp
    ],
)
async def test_dingtalk_refuses_a_bad_signature(
    http: httpx.AsyncClient, simulator: RobotSimulator, secret: str, age_ms: int, code: str
) -> None:
    with pytest.raises(RobotError) as caught:
        await dingtalk.send_markdown(
            http,
            DINGTALK_BASE,
            DEMO_DINGTALK_TOKEN,
            secret,
            "t",
            "x",
            now_ms=int(time.time() * 1000) - age_ms,
        )
    assert (caught.value.code, caught.value.is_retryable) == (code, False)
    assert simulator.messages() == []
    assert simulator.refused == [("dingtalk", 310000)]


async def test_dingtalk_forged_sign_in_the_url_is_refused(http: httpx.AsyncClient) -> None:
    timestamp = str(int(time.time() * 1000))
    response = await http.post(
        "/dingtalk/robot/send",
        params={"access_token": DEMO_DINGTALK_TOKEN, "timestamp": timestamp, "sign": "Zm9v"},
        json={"msgtype": "text", "text": {"content": "x"}},
    )
    assert response.json() == {"errcode": 310000, "errmsg": "sign not match"}
    unknown = await http.post(
        "/dingtalk/robot/send",
        params={"access_token": "nope", "timestamp": timestamp, "sign": "Zm9v"},
        json={"msgtype": "text", "text": {"content": "x"}},
    )
    assert unknown.json()["errcode"] == 300001


async def test_webhook_is_signed_and_verified(
    http: httpx.AsyncClient, simulator: RobotSimulator
) -> None:
    await webhook.post(http, f"{HOOKS_BASE}/demo", DEMO_HOOK_SECRET, {"incident_id": 7})
    [message] = simulator.messages("hook")
    assert message.body == {"incident_id": 7}
    with pytest.raises(RobotError) as caught:
        await webhook.post(http, f"{HOOKS_BASE}/demo", "another-secret", {"incident_id": 7})
    assert (caught.value.code, caught.value.is_retryable) == ("http_401", False)
    # A replay of an old delivery is refused even with the right signature.
    with pytest.raises(RobotError):
        await webhook.post(
            http, f"{HOOKS_BASE}/demo", DEMO_HOOK_SECRET, {}, now=int(time.time()) - 3600
        )
    simulator.fail_next("hook", 503)
    with pytest.raises(RobotError) as failed:
        await webhook.post(http, f"{HOOKS_BASE}/demo", DEMO_HOOK_SECRET, {})
    assert (failed.value.code, failed.value.is_retryable) == ("http_503", True)


def test_webhook_signature_is_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook.signature("k", 1700000000, body) == f"sha256={expected}"
    assert webhook.verify("k", "1700000000", body, f"sha256={expected}", now=1700000100)
    assert not webhook.verify("k", "1700000000", body, f"sha256={expected}", now=1700001000)


async def test_email_through_a_local_smtp_server() -> None:
    server = SmtpSimulator(refuse_recipients={"gone@example.com"})
    await server.start()
    try:
        config = email.SmtpConfig(host="127.0.0.1", port=server.port, sender="alerts@shop.cn")
        await email.send(config, ["ops@shop.cn"], "【告警】UV 下跌", "UV 比预期低 25%")
        [message] = server.messages
        assert message["Subject"] == "【告警】UV 下跌"
        assert message["To"] == "ops@shop.cn"
        assert "UV 比预期低 25%" in message.get_content()
        with pytest.raises(RobotError) as caught:
            await email.send(config, ["gone@example.com"], "x", "y")
        assert caught.value.is_retryable is False
    finally:
        await server.stop()
    with pytest.raises(RobotError) as down:
        await email.send(config, ["ops@shop.cn"], "x", "y")
    assert (down.value.code, down.value.is_retryable) == ("network", True)
