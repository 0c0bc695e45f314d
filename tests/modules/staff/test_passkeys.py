"""Staff passkeys against a software authenticator: registration (none and packed attestation),
sign-in as a second factor and passwordless, counters, origins, RP ids, challenges, revocation,
step-up grants."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from tests.conftest import snapshot
from tests.modules.staff.conftest import (
    STEP_UP,
    audit_rows,
    bearer,
    code,
    login,
    make_staff,
    stepped_up_owner,
    wrong_code,
)
from tests.webauthn_authenticator import SoftAuthenticator

C = "/api/v1/console"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Sign-ins per client address are limited to 10 per 15 minutes; these tests sign in more.
    return {"login_attempts_limit": "100/minute"}


PASSKEY_TABLES = ("staff_passkey", "staff_audit_log", "staff_account")


async def signed_in(client: httpx.AsyncClient, ctx: AppContext, username: str) -> dict[str, str]:
    await make_staff(ctx, username)
    response = await login(client, username)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def register(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    **create: Any,
) -> httpx.Response:
    options = await client.post(f"{C}/auth/passkeys/register-options", headers=headers)
    assert options.status_code == 200, options.text
    body = options.json()
    assert body["public_key"]["rp"]["id"] == "localhost"
    assert body["public_key"]["attestation"] == "none"
    credential = authenticator.create(body["public_key"], **create)
    return await client.post(
        f"{C}/auth/passkeys",
        json={"challenge_id": body["challenge_id"], "name": "工作电脑", "credential": credential},
        headers=headers,
    )


async def login_options(client: httpx.AsyncClient, username: str | None) -> dict[str, Any]:
    response = await client.post(f"{C}/auth/passkeys/login-options", json={"username": username})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def passwordless(
    client: httpx.AsyncClient, authenticator: SoftAuthenticator, **get: Any
) -> httpx.Response:
    options = await login_options(client, None)
    credential = authenticator.get(options["public_key"], **get)
    return await client.post(
        f"{C}/auth/passkeys/login",
        json={"challenge_id": options["challenge_id"], "credential": credential},
    )


async def allow_passwordless(client: httpx.AsyncClient, ctx: AppContext) -> None:
    _, owner = await stepped_up_owner(client, ctx, "olga")
    response = await client.put(
        f"{C}/auth/policy", json={"passkey_login": "passwordless"}, headers=owner
    )
    assert response.status_code == 200, response.text
    assert response.json()["passkey_login"] == "passwordless"


async def test_register_then_sign_in_with_password_and_passkey(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await signed_in(client, ctx, "olivia")
    laptop = SoftAuthenticator()

    created = await register(client, headers, laptop)

    assert created.status_code == 201, created.text
    assert created.json()["fmt"] == "none"
    listed = (await client.get(f"{C}/auth/passkeys", headers=headers)).json()
    assert [p["name"] for p in listed] == ["工作电脑"]

    # The passkey is now a second factor: the password alone no longer signs in.
    refused = await login(client, "olivia")
    assert refused.status_code == 401
    assert refused.json()["code"] == "console.mfa_required"
    assert refused.json()["methods"] == ["passkey"]

    options = await login_options(client, "olivia")
    assert [c["id"] for c in options["public_key"]["allowCredentials"]] == [laptop.id]
    response = await client.post(
        f"{C}/auth/login",
        json={
            "username": "olivia",
            "password": "correct-horse-battery",
            "passkey": {
                "challenge_id": options["challenge_id"],
                "credential": laptop.get(options["public_key"], user_verified=False),
            },
        },
    )
    assert response.status_code == 200, response.text
    entry = (await audit_rows(ctx, "auth.login"))[-1]
    assert entry.detail == {"method": "passkey"}
    (register_entry,) = await audit_rows(ctx, "auth.passkey_register")
    assert register_entry.detail["fmt"] == "none"


async def test_a_second_passkey_needs_a_step_up_with_the_first(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await signed_in(client, ctx, "olivia")
    laptop, phone = SoftAuthenticator(), SoftAuthenticator()
    assert (await register(client, headers, laptop)).status_code == 201

    before = await snapshot(ctx, "staff_passkey")
    refused = await register(client, headers, phone, fmt="packed")
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.step_up_required"
    assert refused.json()["methods"] == ["passkey"]
    assert await snapshot(ctx, "staff_passkey") == before

    options = (await client.post(f"{C}/auth/step-up/options", headers=headers)).json()
    granted = await client.post(
        STEP_UP,
        json={
            "passkey": {
                "challenge_id": options["challenge_id"],
                "credential": laptop.get(options["public_key"]),
            }
        },
        headers=headers,
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["method"] == "passkey"
    stepped_up = headers | {"X-Step-Up-Token": granted.json()["step_up_token"]}

    created = await register(client, stepped_up, phone, fmt="packed")

    assert created.status_code == 201, created.text
    assert created.json()["fmt"] == "packed"


async def test_wrong_origin_or_rp_id_is_rejected_at_registration(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await signed_in(client, ctx, "olivia")
    before = await snapshot(ctx, *PASSKEY_TABLES)

    for create in (
        {"origin": "http://localhost.evil.test:8000"},
        {"rp_id": "evil.test"},
        {"fmt": "fido-u2f"},
    ):
        refused = await register(client, headers, SoftAuthenticator(), **create)
        assert refused.status_code == 400, create
        assert refused.json()["code"] == "console.passkey_invalid"

    assert await snapshot(ctx, *PASSKEY_TABLES) == before


async def test_passwordless_is_off_until_an_owner_allows_it(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    refused = await client.post(f"{C}/auth/passkeys/login-options", json={})
    assert refused.status_code == 403
    assert refused.json()["code"] == "console.passwordless_disabled"

    headers = await signed_in(client, ctx, "olivia")
    laptop = SoftAuthenticator()
    assert (await register(client, headers, laptop)).status_code == 201
    await allow_passwordless(client, ctx)

    response = await passwordless(client, laptop)

    assert response.status_code == 200, response.text
    assert response.json()["staff"]["username"] == "olivia"
    entry = (await audit_rows(ctx, "auth.login"))[-1]
    assert entry.detail["passwordless"] is True
    (policy_entry,) = await audit_rows(ctx, "auth.policy_update")
    assert policy_entry.detail == {"before": "second_factor", "after": "passwordless"}


async def test_bad_assertions_are_refused_and_change_no_passkey(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await signed_in(client, ctx, "olivia")
    laptop = SoftAuthenticator()
    assert (await register(client, headers, laptop)).status_code == 201
    await allow_passwordless(client, ctx)
    assert (await passwordless(client, laptop)).status_code == 200  # counter now 1
    before = await snapshot(ctx, *PASSKEY_TABLES)

    for get in (
        {"counter": 1},  # the counter did not grow: a cloned authenticator
        {"counter": 0},
        {"origin": "http://phish.test"},
        {"rp_id": "phish.test"},
        {"user_verified": False},  # passwordless requires user verification
    ):
        refused = await passwordless(client, laptop, **get)
        assert refused.status_code == 401, get
        assert refused.json()["code"] == "console.passkey_invalid", get

    stranger = SoftAuthenticator()
    stranger.user_handle = laptop.user_handle
    refused = await passwordless(client, stranger)
    assert refused.status_code == 401
    assert await snapshot(ctx, *PASSKEY_TABLES) == before


async def test_a_challenge_is_spent_once_even_by_concurrent_requests(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await signed_in(client, ctx, "olivia")
    laptop = SoftAuthenticator()
    assert (await register(client, headers, laptop)).status_code == 201
    await allow_passwordless(client, ctx)
    options = await login_options(client, None)
    body = {
        "challenge_id": options["challenge_id"],
        "credential": laptop.get(options["public_key"]),
    }

    responses = await asyncio.gather(
        *(client.post(f"{C}/auth/passkeys/login", json=body) for _ in range(8))
    )

    assert sorted(r.status_code for r in responses) == [200] + [400] * 7
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {
        "console.challenge_invalid"
    }
    replay = await client.post(f"{C}/auth/passkeys/login", json=body)
    assert replay.json()["code"] == "console.challenge_invalid"


async def test_a_revoked_passkey_cannot_sign_in(client: httpx.AsyncClient, ctx: AppContext) -> None:
    headers = await signed_in(client, ctx, "olivia")
    laptop = SoftAuthenticator()
    passkey_id = (await register(client, headers, laptop)).json()["id"]
    await allow_passwordless(client, ctx)

    revoked = await client.delete(f"{C}/auth/passkeys/{passkey_id}", headers=headers)

    assert revoked.status_code == 204
    assert (await client.get(f"{C}/auth/passkeys", headers=headers)).json() == []
    refused = await passwordless(client, laptop)
    assert refused.status_code == 401
    assert refused.json()["code"] == "console.passkey_invalid"
    again = await client.delete(f"{C}/auth/passkeys/{passkey_id}", headers=headers)
    assert again.json()["code"] == "console.passkey_not_found"
    # Without passkeys, the password alone signs in again.
    assert (await login(client, "olivia")).status_code == 200


async def test_step_up_grants_are_bound_to_their_session_and_expire(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    plain, stepped_up = await stepped_up_owner(client, ctx, "olga")
    grant = stepped_up["X-Step-Up-Token"]
    target = f"{C}/auth/policy"
    body = {"passkey_login": "passwordless"}

    # The same owner, another console session: the grant does not travel.
    secret = pyotp.random_base32()
    await make_staff(ctx, "oscar", role="owner", mfa_secret=secret)
    oscar = bearer((await login(client, "oscar", otp=code(secret))).json()["access_token"])
    expired = ctx.tokens.issue(
        subject="1",
        audience="console-step-up",
        ttl=timedelta(seconds=300),
        issued_at=utcnow() - timedelta(seconds=301),
    )
    before = await snapshot(ctx, "staff_auth_policy", "staff_audit_log")
    for headers in (
        plain,
        oscar | {"X-Step-Up-Token": grant},
        plain | {"X-Step-Up-Token": expired},
    ):
        refused = await client.put(target, json=body, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["code"] == "auth.step_up_required"
        assert refused.json()["methods"] == ["totp"]
    assert await snapshot(ctx, "staff_auth_policy", "staff_audit_log") == before

    wrong = await client.post(STEP_UP, json={"otp": wrong_code(secret)}, headers=oscar)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "auth.step_up_invalid"
    assert (await client.put(target, json=body, headers=stepped_up)).status_code == 200
