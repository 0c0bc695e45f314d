"""The 公众号 client and push helpers against the simulator: paging and batchget limits, the
token retried once, and pushes opened in plain and 安全模式 (signature, age, appid)."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from shoplet.integrations.wechat.message_crypto import PushCryptoError, aes_key
from shoplet.integrations.wechat.official_account import (
    OfficialAccountClient,
    OfficialAccountError,
    follow_event,
    job_finish,
    open_message,
)
from shoplet.integrations.wechat.official_account_simulator import (
    OfficialAccountSimulator,
    oa_openid_for,
)

AES = base64.b64encode(bytes(range(1, 33))).decode()[:43]


def simulator() -> OfficialAccountSimulator:
    return OfficialAccountSimulator(
        appid="wx00112233445566aa", secret="s" * 32, push_token="tok3n", page_size=3
    )


def client_of(sim: OfficialAccountSimulator, secret: str | None = None) -> OfficialAccountClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://oa")
    return OfficialAccountClient(http, sim.appid, secret or sim.secret)


async def test_pages_batchget_and_the_token() -> None:
    sim = simulator()
    for i in range(7):
        sim.follow(oa_openid_for(f"f{i}"), f"union{i}", 1_700_000_000 + i)
    client = client_of(sim)
    seen: list[str] = []
    next_openid = ""
    while True:
        page, next_openid = await client.follower_page(next_openid)
        seen += page
        if not next_openid:
            break
    assert sorted(seen) == sorted(sim.followers)
    infos = await client.user_infos(seen)
    assert {i.unionid for i in infos} == {f"union{i}" for i in range(7)}
    with pytest.raises(ValueError, match="at most 100"):
        await client.user_infos(["o" * 28] * 101)
    sim.expire_tokens()
    assert (await client.user_info(seen[0])).subscribe is True
    assert client.token_fetches == 2
    with pytest.raises(OfficialAccountError) as refused:
        await client_of(sim, secret="x" * 32).user_info(seen[0])
    assert refused.value.errcode == 40125


def test_pushes_open_only_when_signed_fresh_and_ours() -> None:
    sim = simulator()
    openid = oa_openid_for("a")
    query, body = sim.follow_push(openid, is_following=True, at=int(time.time()))
    message = open_message(query, body, token="tok3n", aes_key=None, appid=sim.appid)
    assert follow_event(message) is not None
    assert job_finish(message) is None
    sim.encoding_aes_key = AES
    query, body = sim.follow_push(openid, is_following=False, at=int(time.time()))
    opened = open_message(query, body, token="tok3n", aes_key=aes_key(AES), appid=sim.appid)
    change = follow_event(opened)
    assert change is not None
    assert (change.openid, change.is_following) == (openid, False)
    for token, appid, now, reason in (
        ("other", sim.appid, None, "signature"),
        ("tok3n", "wx99999999999999aa", None, "appid"),
        ("tok3n", sim.appid, time.time() + 600, "stale"),
    ):
        with pytest.raises(PushCryptoError) as refused:
            open_message(query, body, token=token, aes_key=aes_key(AES), appid=appid, now=now)
        assert refused.value.reason == reason
