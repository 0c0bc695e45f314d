from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.wechat.login import WeChatLoginClient
from shoplet.integrations.wechat.login_simulator import (
    create_login_simulator,
    openid_for,
    unionid_for,
)
from tests.conftest import TEST_SECRET, snapshot
from tests.modules.members.conftest import (
    WECHAT_LOGIN,
    members,
    refresh_tokens,
    set_member,
    wechat_login,
)

APPID = "wx-shoplet-sim"


async def test_first_login_creates_member_and_returns_tokens(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    response = await client.post(WECHAT_LOGIN, json={"code": "test-alice"})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "member"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    [member] = await members(ctx)
    assert member.wechat_openid == openid_for("alice", APPID)
    assert member.wechat_unionid == unionid_for("alice")
    assert member.phone_encrypted is None
    assert member.is_active is True
    assert body["member"] == {
        "id": member.id,
        "nickname": "微信用户",
        "avatar_url": None,
        "phone": None,
        "gender": "unknown",
        "birthday": None,
        "has_wechat": True,
        "created_at": body["member"]["created_at"],
    }
    claims = jwt.decode(
        body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="storefront"
    )
    assert claims["sub"] == str(member.id)
    assert claims["oid"] == member.wechat_openid
    assert claims["exp"] - claims["iat"] == 900
    [token] = await refresh_tokens(ctx)
    assert token.member_id == member.id
    assert token.token_hash != body["refresh_token"]
    assert body["refresh_token"] not in token.token_hash


async def test_session_key_is_never_returned(client: httpx.AsyncClient) -> None:
    # The simulator is mounted in test mode: ask it what session key WeChat hands out.
    wx = await client.get(
        "/_sim/wechat/sns/jscode2session",
        params={
            "appid": APPID,
            "secret": "shoplet-sim-secret",
            "js_code": "test-alice",
            "grant_type": "authorization_code",
        },
    )
    session_key = wx.json()["session_key"]

    response = await client.post(WECHAT_LOGIN, json={"code": "test-alice"})

    assert response.status_code == 200
    assert session_key not in response.text
    assert "session_key" not in response.text


async def test_same_openid_twice_is_the_same_member(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    first = await wechat_login(client, "alice")
    second = await wechat_login(client, "alice")
    other = await wechat_login(client, "bob")

    assert first["member"]["id"] == second["member"]["id"]
    assert other["member"]["id"] != first["member"]["id"]
    assert len(await members(ctx)) == 2
    tokens = await refresh_tokens(ctx)
    assert len(tokens) == 3
    # Every login starts its own token family (one per device).
    assert len({t.family_id for t in tokens}) == 3


async def test_concurrent_first_logins_create_one_member(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    responses = await asyncio.gather(
        *(client.post(WECHAT_LOGIN, json={"code": "test-carol"}) for _ in range(5))
    )

    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.json()["member"]["id"] for r in responses}) == 1
    assert len(await members(ctx)) == 1


async def test_login_updates_last_login(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await wechat_login(client, "alice")
    [before] = await members(ctx)

    await wechat_login(client, "alice")

    [after] = await members(ctx)
    assert after.last_login_at > before.last_login_at
    assert after.created_at == before.created_at


@pytest.mark.parametrize(
    ("code", "status", "problem"),
    [
        ("nonsense", 400, "auth.wechat_code_invalid"),
        ("used-alice", 400, "auth.wechat_code_invalid"),
        ("risky-alice", 403, "auth.wechat_user_blocked"),
        ("busy-alice", 429, "auth.wechat_rate_limited"),
        ("error-alice", 502, "auth.wechat_unavailable"),
    ],
)
async def test_wechat_errors_map_to_problems_and_write_nothing(
    client: httpx.AsyncClient, ctx: AppContext, code: str, status: int, problem: str
) -> None:
    before = await snapshot(ctx)

    response = await client.post(WECHAT_LOGIN, json={"code": code})

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == problem
    if status == 429:
        assert response.headers["retry-after"] == "60"
    assert await snapshot(ctx) == before


async def test_wrong_app_secret_is_unavailable_not_the_shoppers_fault(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    simulator = create_login_simulator(appid=APPID, secret="the-real-secret")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator), base_url="http://wechat.simulator"
    ) as http:
        # The merchant configured a secret WeChat does not know (answers 40125).
        app.state.integrations.wechat_login = WeChatLoginClient(
            http, appid=APPID, secret="a-stale-secret"
        )
        before = await snapshot(ctx)

        response = await client.post(WECHAT_LOGIN, json={"code": "test-alice"})

    assert response.status_code == 502
    assert response.json()["code"] == "auth.wechat_unavailable"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": ""},
        {"code": False},
        {"code": 123},
        {"code": "x" * 129},
        {"code": "test-alice", "openid": "forged"},
    ],
)
async def test_malformed_login_bodies_are_422(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, object]
) -> None:
    before = await snapshot(ctx)

    response = await client.post(WECHAT_LOGIN, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_disabled_member_cannot_log_in(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client, "alice")
    await set_member(ctx, tokens["member"]["id"], is_active=False)
    before = await snapshot(ctx)

    response = await client.post(WECHAT_LOGIN, json={"code": "test-alice"})

    assert response.status_code == 403
    assert response.json()["code"] == "auth.member_disabled"
    assert await snapshot(ctx) == before
