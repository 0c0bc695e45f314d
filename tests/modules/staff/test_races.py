"""Races on PostgreSQL: concurrent requests must not get around the lockout or the owner guard."""

from __future__ import annotations

import asyncio

import httpx
import pyotp
import pytest

from shoplet.core.context import AppContext
from tests.modules.staff.conftest import (
    STEP_UP_GRANTS,
    bearer,
    code,
    fetch_staff,
    login,
    make_staff,
)

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("row locks and concurrent writers are a PostgreSQL matter")


@pytest.mark.parametrize("settings_overrides", [{"login_attempts_limit": "100/minute"}])
async def test_concurrent_wrong_passwords_are_all_counted(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia")

    responses = await asyncio.gather(
        *(login(client, "olivia", "wrong-password") for _ in range(12))
    )

    codes = sorted(r.json()["code"] for r in responses)
    stored = await fetch_staff(ctx, "olivia")
    assert stored.failed_logins >= 10
    assert stored.locked_until is not None
    # Each counted failure gets its own count (1, 2, ...): exactly the first nine are plain 401s.
    assert codes.count("console.invalid_credentials") == 9
    assert set(codes) == {"console.invalid_credentials", "console.account_locked"}


async def test_two_owners_demoting_each_other_leave_one_owner(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    secrets = {name: pyotp.random_base32() for name in ("ann", "bob")}
    ann = await make_staff(ctx, "ann", role="owner", mfa_secret=secrets["ann"])
    bob = await make_staff(ctx, "bob", role="owner", mfa_secret=secrets["bob"])
    tokens = {}
    for name, secret in secrets.items():
        tokens[name] = (await login(client, name, otp=code(secret))).json()["access_token"]
        # Changing a role is a sensitive action: each owner confirms with the next TOTP code.
        granted = await client.post(
            "/api/v1/console/auth/step-up",
            json={"otp": code(secret, steps_ahead=1)},
            headers=bearer(tokens[name]),
        )
        assert granted.status_code == 200, granted.text
        STEP_UP_GRANTS[tokens[name]] = granted.json()["step_up_token"]

    for _ in range(5):
        results = await asyncio.gather(
            client.patch(
                f"/api/v1/console/staff/{bob.id}",
                json={"role": "operator"},
                headers=bearer(tokens["ann"]),
            ),
            client.patch(
                f"/api/v1/console/staff/{ann.id}",
                json={"role": "operator"},
                headers=bearer(tokens["bob"]),
            ),
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses in ([200, 403], [200, 409]), [r.text for r in results]
        owners = [
            s.username
            for s in [await fetch_staff(ctx, "ann"), await fetch_staff(ctx, "bob")]
            if s.role == "owner"
        ]
        assert len(owners) == 1
        # Put both back for the next round.
        demoted = "bob" if owners == ["ann"] else "ann"
        winner = owners[0]
        target = bob if demoted == "bob" else ann
        restored = await client.patch(
            f"/api/v1/console/staff/{target.id}",
            json={"role": "owner"},
            headers=bearer(tokens[winner]),
        )
        assert restored.status_code == 200
