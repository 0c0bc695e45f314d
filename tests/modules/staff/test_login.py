from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.security import hash_password
from tests.conftest import TEST_SECRET, snapshot
from tests.modules.staff.conftest import (
    PASSWORD,
    UA,
    audit_rows,
    bearer,
    fetch_staff,
    login,
    make_staff,
    set_staff,
)

LOGIN_URL = "/api/v1/console/auth/login"
GENEROUS_LIMIT = {"login_attempts_limit": "100/minute"}


async def test_operator_login_returns_console_token_and_profile(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await make_staff(ctx, "olivia", role="operator", display_name="Olivia 运营")

    response = await login(client, "olivia")

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 8 * 3600
    assert body["mfa_enrollment_required"] is False
    assert body["staff"] == {
        "id": staff.id,
        "username": "olivia",
        "display_name": "Olivia 运营",
        "role": "operator",
        "mfa_enabled": False,
        "permissions": [
            "aftersales:handle",
            "analytics:manage",
            "analytics:view",
            "content:manage",
            "dashboard:read",
            "distribution:manage",
            "experiments:manage",
            "flashsale:manage",
            "insights:alerts",
            "invoices:manage",
            "live:manage",
            "loyalty:manage",
            "membership:manage",
            "moderation:manage",
            "orders:export",
            "orders:read",
            "orders:ship",
            "pickups:verify",
            "products:read",
            "products:write",
            "promotions:manage",
            "replenishment:manage",
            "reviews:manage",
            "stock:adjust",
            "stores:manage",
            "support:chat",
            "wecom:manage",
        ],
    }
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="console")
    assert claims["sub"] == str(staff.id)
    assert claims["role"] == "operator"
    assert claims["exp"] - claims["iat"] == 8 * 3600

    stored = await fetch_staff(ctx, "olivia")
    assert stored.last_login_at is not None
    assert abs(stored.last_login_at - utcnow()) < timedelta(seconds=30)
    assert stored.failed_logins == 0
    (entry,) = await audit_rows(ctx, "auth.login")
    assert (entry.staff_id, entry.username) == (staff.id, "olivia")
    assert entry.target == f"staff:{staff.id}"
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", UA)

    me = await client.get("/api/v1/console/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == body["staff"]


async def test_username_is_case_insensitive(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await make_staff(ctx, "sam", role="support")
    response = await login(client, "  SAM ")
    assert response.status_code == 200
    assert response.json()["staff"]["permissions"] == [
        "aftersales:handle",
        "orders:read",
        "pickups:verify",
        "products:read",
        "support:chat",
    ]


async def test_wrong_password_is_401_counted_and_audited(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await make_staff(ctx, "olivia")

    response = await login(client, "olivia", "not-the-password")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "console.invalid_credentials"
    assert response.headers["www-authenticate"] == "Bearer"
    assert (await fetch_staff(ctx, "olivia")).failed_logins == 1
    (entry,) = await audit_rows(ctx, "auth.login_failed")
    assert entry.staff_id is None
    assert entry.username == "olivia"
    assert entry.target == f"staff:{staff.id}"
    assert entry.detail == {"reason": "password", "failed_logins": 1}

    # A success resets the counter.
    assert (await login(client, "olivia")).status_code == 200
    assert (await fetch_staff(ctx, "olivia")).failed_logins == 0


async def test_unknown_and_inactive_users_get_the_same_answer(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "gone", is_active=False)

    unknown = await login(client, "nobody")
    inactive = await login(client, "gone")  # right password, disabled account

    assert unknown.status_code == inactive.status_code == 401
    assert unknown.json()["code"] == inactive.json()["code"] == "console.invalid_credentials"
    assert unknown.json()["detail"] == inactive.json()["detail"]
    assert [(e.username, e.detail) for e in await audit_rows(ctx, "auth.login_failed")] == [
        ("nobody", {"reason": "unknown_user"}),
        ("gone", {"reason": "inactive"}),
    ]
    assert (await fetch_staff(ctx, "gone")).failed_logins == 0


@pytest.mark.parametrize("settings_overrides", [GENEROUS_LIMIT])
async def test_ten_failures_lock_the_account_for_15_minutes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia")
    for _ in range(9):
        response = await login(client, "olivia", "wrong-password")
        assert response.json()["code"] == "console.invalid_credentials"

    tenth = await login(client, "olivia", "wrong-password")
    assert tenth.status_code == 423
    assert tenth.json()["code"] == "console.account_locked"
    assert 14 * 60 < int(tenth.headers["retry-after"]) <= 15 * 60 + 1

    stored = await fetch_staff(ctx, "olivia")
    assert stored.failed_logins == 10
    assert stored.locked_until is not None
    assert timedelta(minutes=14) < stored.locked_until - utcnow() <= timedelta(minutes=15)

    # Even the right password is refused while locked, and nothing changes.
    before = await snapshot(ctx)
    locked = await login(client, "olivia")
    assert locked.status_code == 423
    assert locked.json()["code"] == "console.account_locked"
    assert await snapshot(ctx) == before

    # After the lock expires the right password works and the count starts again.
    await set_staff(ctx, "olivia", locked_until=utcnow() - timedelta(seconds=1))
    assert (await login(client, "olivia")).status_code == 200
    stored = await fetch_staff(ctx, "olivia")
    assert (stored.failed_logins, stored.locked_until) == (0, None)


@pytest.mark.parametrize("settings_overrides", [GENEROUS_LIMIT])
async def test_a_failure_after_an_expired_lock_starts_a_fresh_count(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia")
    await set_staff(ctx, "olivia", failed_logins=10, locked_until=utcnow() - timedelta(seconds=1))
    response = await login(client, "olivia", "wrong-password")
    assert response.json()["code"] == "console.invalid_credentials"
    stored = await fetch_staff(ctx, "olivia")
    assert (stored.failed_logins, stored.locked_until) == (1, None)


@pytest.mark.parametrize("settings_overrides", [{"login_attempts_limit": "3/minute"}])
async def test_attempts_are_rate_limited_per_username(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia")
    for _ in range(3):
        assert (await login(client, "olivia", "wrong-password")).status_code == 401

    before = await snapshot(ctx)
    limited = await login(client, "olivia")  # even the right password
    assert limited.status_code == 429
    assert limited.json()["code"] == "shoplet.rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("settings_overrides", [{"login_attempts_limit": "3/minute"}])
async def test_attempts_are_rate_limited_per_ip(client: httpx.AsyncClient, ctx: AppContext) -> None:
    for name in ("alpha", "bravo", "charlie"):
        assert (await login(client, name)).status_code == 401

    before = await snapshot(ctx)
    limited = await login(client, "delta")
    assert limited.status_code == 429
    assert limited.json()["code"] == "shoplet.rate_limited"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"username": "olivia"}, "request.invalid"),
        ({"username": "olivia", "password": 1234567890}, "request.invalid"),
        ({"username": "olivia", "password": PASSWORD, "otp": "12345"}, "request.invalid"),
        ({"username": "olivia", "password": PASSWORD, "otp": 123456}, "request.invalid"),
        ({"username": "olivia", "password": PASSWORD, "remember": True}, "request.invalid"),
        ({"username": "olivia", "password": "x" * 257}, "request.invalid"),
        ({"username": "", "password": PASSWORD}, "request.invalid"),
    ],
)
async def test_malformed_login_is_422_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, payload: dict[str, Any], code: str
) -> None:
    await make_staff(ctx, "olivia")
    before = await snapshot(ctx)
    response = await client.post(LOGIN_URL, json=payload)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_outdated_password_hash_is_upgraded_on_login(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await make_staff(ctx, "olivia")
    await set_staff(ctx, "olivia", password_hash=weak)

    assert (await login(client, "olivia")).status_code == 200

    upgraded = (await fetch_staff(ctx, "olivia")).password_hash
    assert upgraded != weak
    assert upgraded.split("$")[3] == hash_password("x").split("$")[3]  # current cost parameters
    assert (await login(client, "olivia")).status_code == 200
