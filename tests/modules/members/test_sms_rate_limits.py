from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.members.conftest import (
    PHONE,
    SMS_CODE,
    SMS_LOGIN,
    members,
    request_code,
    sms_outbox,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Per phone: the default (1/minute;5/hour). Per client IP: small, to reach it quickly.
    return {
        "sms_per_ip_limit": "3/hour",
        "login_attempts_limit": "3/15minute",
        "trusted_proxies": [PROXIES],
    }


PROXIES = "10.9.0.0/16"  # the load balancers in these tests; 10.0.0.x are clients


def client_from(app: FastAPI, ip: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://shoplet.test", headers=headers)


def assert_rate_limited(response: httpx.Response, *, at_most: int) -> None:
    assert response.status_code == 429
    assert response.json()["code"] == "shoplet.rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= at_most


async def test_one_code_per_phone_per_minute(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    await request_code(client, app)
    before = await snapshot(ctx)

    response = await client.post(SMS_CODE, json={"phone": PHONE})

    assert_rate_limited(response, at_most=61)
    assert len(sms_outbox(app).sent) == 1
    assert await snapshot(ctx) == before


async def test_phone_limit_holds_across_client_addresses(app: FastAPI, ctx: AppContext) -> None:
    async with client_from(app, "10.0.0.1") as first, client_from(app, "10.0.0.2") as second:
        assert (await first.post(SMS_CODE, json={"phone": PHONE})).status_code == 202
        before = await snapshot(ctx)

        response = await second.post(SMS_CODE, json={"phone": PHONE})

    assert_rate_limited(response, at_most=61)
    assert await snapshot(ctx) == before


async def test_codes_per_client_address_are_limited(app: FastAPI, ctx: AppContext) -> None:
    phones = ["13900000001", "13900000002", "13900000003"]
    async with client_from(app, "10.0.0.7") as sprayer, client_from(app, "10.0.0.8") as other:
        for phone in phones:
            assert (await sprayer.post(SMS_CODE, json={"phone": phone})).status_code == 202
        before = await snapshot(ctx)

        response = await sprayer.post(SMS_CODE, json={"phone": "13900000004"})

        assert_rate_limited(response, at_most=3601)
        assert sms_outbox(app).last_code("13900000004") is None
        assert await snapshot(ctx) == before
        # Another client is not affected.
        assert (await other.post(SMS_CODE, json={"phone": "13900000004"})).status_code == 202


async def test_login_attempts_per_client_address_are_limited(app: FastAPI, ctx: AppContext) -> None:
    async with client_from(app, "10.0.0.9") as guesser, client_from(app, "10.0.0.10") as owner:
        code = await request_code(owner, app)
        for step in (1, 2, 3):
            guess = f"{(int(code) + step) % 1_000_000:06d}"
            response = await guesser.post(SMS_LOGIN, json={"phone": PHONE, "code": guess})
            assert response.json()["code"] == "auth.code_invalid"
        before = await snapshot(ctx)

        # Even the right code is refused once the client is over its limit.
        response = await guesser.post(SMS_LOGIN, json={"phone": PHONE, "code": code})

        assert_rate_limited(response, at_most=901)
        assert await snapshot(ctx) == before
        assert await members(ctx) == []
        # The owner, from another address, still signs in with the code.
        response = await owner.post(SMS_LOGIN, json={"phone": PHONE, "code": code})
        assert response.status_code == 200


async def test_forged_forwarded_for_from_an_untrusted_peer_does_not_bypass_the_limit(
    app: FastAPI, ctx: AppContext
) -> None:
    async with client_from(app, "10.0.0.11") as sprayer:
        for n, phone in enumerate(["13900000011", "13900000012", "13900000013"]):
            response = await sprayer.post(
                SMS_CODE,
                json={"phone": phone},
                headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"},
            )
            assert response.status_code == 202
        before = await snapshot(ctx)

        response = await sprayer.post(
            SMS_CODE,
            json={"phone": "13900000014"},
            headers={"X-Forwarded-For": "203.0.113.99", "X-Real-IP": "198.51.100.99"},
        )

        assert_rate_limited(response, at_most=3601)
        assert sms_outbox(app).last_code("13900000014") is None
        assert await snapshot(ctx) == before


async def test_limit_is_per_real_client_behind_a_trusted_proxy(
    app: FastAPI, ctx: AppContext
) -> None:
    async with client_from(app, "10.9.0.2") as proxy:
        # The client forges a chain; the proxy appends the address it saw (198.51.100.7).
        for n, phone in enumerate(["13900000021", "13900000022", "13900000023"]):
            response = await proxy.post(
                SMS_CODE,
                json={"phone": phone},
                headers={"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.7"},
            )
            assert response.status_code == 202
        before = await snapshot(ctx)

        response = await proxy.post(
            SMS_CODE,
            json={"phone": "13900000024"},
            headers={"X-Forwarded-For": "203.0.113.50, 198.51.100.7"},
        )

        assert_rate_limited(response, at_most=3601)
        assert await snapshot(ctx) == before
        # Another client behind the same proxy (two proxy hops) has its own budget.
        response = await proxy.post(
            SMS_CODE,
            json={"phone": "13900000024"},
            headers={"X-Forwarded-For": "198.51.100.8, 10.9.0.5"},
        )
        assert response.status_code == 202
