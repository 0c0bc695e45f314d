from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.members.models import LoginCode
from tests.conftest import snapshot
from tests.modules.members.conftest import (
    PHONE,
    SMS_CODE,
    SMS_LOGIN,
    login_codes,
    members,
    refresh_tokens,
    request_code,
    set_member,
    sms_login,
    sms_outbox,
)

ACCOUNT_TABLES = ("members_member", "members_refresh_token", "members_address")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The flow tests ask for several codes per phone; limits have their own test module.
    return {"sms_per_phone_limit": "100/minute", "login_attempts_limit": "100/minute"}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_code_is_sent_by_sms_and_stored_only_hashed(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    response = await client.post(SMS_CODE, json={"phone": PHONE})

    assert response.status_code == 202
    assert response.json() == {"sent": True, "expires_in": 300}
    [message] = sms_outbox(app).sent
    assert message.phone == PHONE
    assert message.template == "login_code"
    code = message.params["code"]
    assert len(code) == 6
    assert code.isdigit()
    assert code not in response.text
    [row] = await login_codes(ctx)
    assert row.phone_index == ctx.pii.blind_index(PHONE)
    assert PHONE not in row.phone_index
    assert code not in row.code_hash
    assert row.attempts == 0
    assert row.consumed_at is None
    assert row.expires_at - row.created_at == timedelta(seconds=300)
    assert await members(ctx) == []


async def test_first_login_creates_member_with_encrypted_phone(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    tokens = await sms_login(client, app)

    assert tokens["token_type"] == "Bearer"
    assert tokens["member"]["phone"] == "138****5678"
    assert tokens["member"]["nickname"] == "用户5678"
    assert tokens["member"]["has_wechat"] is False
    [member] = await members(ctx)
    assert member.id == tokens["member"]["id"]
    assert member.phone_encrypted is not None
    assert PHONE not in member.phone_encrypted
    assert ctx.pii.decrypt(member.phone_encrypted) == PHONE
    assert member.phone_index == ctx.pii.blind_index(PHONE)
    assert member.wechat_openid is None
    [row] = await login_codes(ctx)
    assert row.consumed_at is not None
    assert row.attempts == 1


async def test_second_login_finds_the_same_member(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    first = await sms_login(client, app)
    second = await sms_login(client, app)
    other = await sms_login(client, app, "13900000000")

    assert second["member"]["id"] == first["member"]["id"]
    assert other["member"]["id"] != first["member"]["id"]
    assert len(await members(ctx)) == 2
    assert len(await refresh_tokens(ctx)) == 3


async def test_wrong_code_counts_an_attempt_and_creates_nothing(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)
    before = await snapshot(ctx, *ACCOUNT_TABLES)

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": wrong(code)})

    assert response.status_code == 400
    assert response.json()["code"] == "auth.code_invalid"
    assert await snapshot(ctx, *ACCOUNT_TABLES) == before
    [row] = await login_codes(ctx)
    assert row.attempts == 1
    assert row.consumed_at is None


async def test_four_wrong_attempts_still_leave_the_right_code_usable(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)
    for _ in range(4):
        response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": wrong(code)})
        assert response.json()["code"] == "auth.code_invalid"

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

    assert response.status_code == 200
    assert len(await members(ctx)) == 1


async def test_five_wrong_attempts_kill_the_code(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)
    for _ in range(5):
        response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": wrong(code)})
        assert response.status_code == 400
        assert response.json()["code"] == "auth.code_invalid"
    before = await snapshot(ctx)

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

    assert response.status_code == 400
    assert response.json()["code"] == "auth.code_attempts_exhausted"
    assert await snapshot(ctx) == before
    assert (await login_codes(ctx))[0].attempts == 5
    assert await members(ctx) == []
    # A fresh code comes with a fresh budget of attempts.
    fresh = await request_code(client, app)
    assert (await client.post(SMS_LOGIN, json={"phone": PHONE, "code": fresh})).status_code == 200


async def test_a_new_code_replaces_the_previous_one(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    old = await request_code(client, app)
    new = await request_code(client, app)
    if old == new:  # one in a million: both are the live code
        return
    before = await snapshot(ctx, *ACCOUNT_TABLES)

    stale = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": old})
    assert stale.status_code == 400
    assert stale.json()["code"] == "auth.code_invalid"
    assert await snapshot(ctx, *ACCOUNT_TABLES) == before

    fresh = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": new})
    assert fresh.status_code == 200


async def test_expired_code_is_rejected_and_nothing_changes(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)
    async with ctx.sessionmaker() as s:
        await s.execute(update(LoginCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        await s.commit()
    before = await snapshot(ctx)

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

    assert response.status_code == 400
    assert response.json()["code"] == "auth.code_expired"
    assert await snapshot(ctx) == before


async def test_a_code_is_consumed_once(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)
    first = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})
    assert first.status_code == 200
    before = await snapshot(ctx)

    again = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

    assert again.status_code == 400
    assert again.json()["code"] == "auth.code_invalid"
    assert await snapshot(ctx) == before


async def test_concurrent_logins_with_one_code_succeed_once(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)

    responses = await asyncio.gather(
        *(client.post(SMS_LOGIN, json={"phone": PHONE, "code": code}) for _ in range(4))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400, 400, 400]
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"auth.code_invalid"}
    assert len(await members(ctx)) == 1
    assert len(await refresh_tokens(ctx)) == 1


async def test_code_of_another_phone_does_not_work(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app, "13900000000")
    before = await snapshot(ctx)

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

    assert response.status_code == 400
    assert response.json()["code"] == "auth.code_invalid"
    assert await snapshot(ctx) == before


async def test_login_without_a_code_requested(client: httpx.AsyncClient, ctx: AppContext) -> None:
    before = await snapshot(ctx)

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": "123456"})

    assert response.status_code == 400
    assert response.json()["code"] == "auth.code_invalid"
    assert await snapshot(ctx) == before


async def test_disabled_member_cannot_log_in_by_sms(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    tokens = await sms_login(client, app)
    await set_member(ctx, tokens["member"]["id"], is_active=False)
    code = await request_code(client, app)
    before = await snapshot(ctx)

    response = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

    assert response.status_code == 403
    assert response.json()["code"] == "auth.member_disabled"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"phone": "23812345678"},
        {"phone": "1381234567"},
        {"phone": "138123456789"},
        {"phone": "12812345678"},
        {"phone": 13812345678},
        {"phone": False},
        {"phone": "+8613812345678"},
        {"phone": PHONE, "template": "marketing"},
    ],
)
async def test_malformed_code_requests_are_422_and_send_nothing(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext, body: dict[str, object]
) -> None:
    before = await snapshot(ctx)

    response = await client.post(SMS_CODE, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert list(sms_outbox(app).sent) == []
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {"phone": PHONE},
        {"phone": PHONE, "code": "12345"},
        {"phone": PHONE, "code": "1234567"},
        {"phone": PHONE, "code": "12345a"},
        {"phone": PHONE, "code": 123456},
        {"phone": PHONE, "code": True},
        {"phone": "123", "code": "123456"},
        {"phone": PHONE, "code": "123456", "nickname": "x"},
    ],
)
async def test_malformed_logins_are_422_and_spend_no_attempt(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext, body: dict[str, object]
) -> None:
    await request_code(client, app)
    before = await snapshot(ctx)

    response = await client.post(SMS_LOGIN, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_failing_sms_provider_is_502_and_stores_no_code(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    class RefusingSender:
        async def send(self, message: object) -> None:
            raise ConnectionError("provider down")

    app.state.integrations.sms = RefusingSender()
    before = await snapshot(ctx)

    response = await client.post(SMS_CODE, json={"phone": PHONE})

    assert response.status_code == 502
    assert response.json()["code"] == "auth.sms_unavailable"
    assert await snapshot(ctx) == before


async def test_concurrent_wrong_guesses_never_exceed_the_attempt_budget(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    code = await request_code(client, app)

    responses = await asyncio.gather(
        *(client.post(SMS_LOGIN, json={"phone": PHONE, "code": wrong(code)}) for _ in range(8))
    )

    codes = sorted(r.json()["code"] for r in responses)
    assert codes == ["auth.code_attempts_exhausted"] * 3 + ["auth.code_invalid"] * 5
    assert (await login_codes(ctx))[0].attempts == 5
    right = await client.post(SMS_LOGIN, json={"phone": PHONE, "code": code})
    assert right.json()["code"] == "auth.code_attempts_exhausted"
    assert await members(ctx) == []
