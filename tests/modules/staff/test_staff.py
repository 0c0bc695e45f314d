from __future__ import annotations

from typing import Any

import httpx
import pyotp
import pytest

from shoplet.core.context import AppContext
from shoplet.core.security import verify_password
from tests.conftest import snapshot
from tests.modules.staff.conftest import (
    STEP_UP_GRANTS,
    audit_rows,
    bearer,
    code,
    fetch_staff,
    login,
    make_staff,
    token_for,
)

STAFF = "/api/v1/console/staff"


async def test_owner_creates_lists_and_updates_staff(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    owner = await fetch_staff(ctx, "olga")

    created = await client.post(
        STAFF,
        json={
            "username": "sam.support",
            "password": "initial-password-1",
            "role": "support",
            "display_name": "小山",
        },
        headers=bearer(token),
    )
    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "username": "sam.support",
        "display_name": "小山",
        "role": "support",
        "is_active": True,
        "mfa_enabled": False,
        "failed_logins": 0,
        "locked_until": None,
        "created_at": body["created_at"],
        "last_login_at": None,
    }
    stored = await fetch_staff(ctx, "sam.support")
    assert verify_password(stored.password_hash, "initial-password-1")
    assert (await login(client, "sam.support", "initial-password-1")).status_code == 200

    listed = await client.get(STAFF, headers=bearer(token))
    assert [s["username"] for s in listed.json()["items"]] == ["olga", "sam.support"]
    assert listed.json()["next_cursor"] is None

    patched = await client.patch(
        f"{STAFF}/{body['id']}",
        json={"role": "operator", "display_name": "小山 (运营)"},
        headers=bearer(token),
    )
    assert patched.status_code == 200
    assert (patched.json()["role"], patched.json()["display_name"]) == ("operator", "小山 (运营)")

    deactivated = await client.patch(
        f"{STAFF}/{body['id']}", json={"is_active": False}, headers=bearer(token)
    )
    assert deactivated.json()["is_active"] is False
    assert (await login(client, "sam.support", "initial-password-1")).status_code == 401

    entries = [
        (e.action, e.staff_id, e.target, e.detail)
        for e in await audit_rows(ctx)
        if e.action.startswith("staff.") and e.staff_id is not None
    ]
    assert entries == [
        (
            "staff.create",
            owner.id,
            f"staff:{body['id']}",
            {"username": "sam.support", "role": "support", "display_name": "小山"},
        ),
        (
            "staff.update",
            owner.id,
            f"staff:{body['id']}",
            {
                "before": {"display_name": "小山", "role": "support"},
                "after": {"display_name": "小山 (运营)", "role": "operator"},
            },
        ),
        (
            "staff.update",
            owner.id,
            f"staff:{body['id']}",
            {"before": {"is_active": True}, "after": {"is_active": False}},
        ),
    ]


async def test_staff_list_pages_by_cursor(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    for name in ("ann", "bob", "cai"):
        await make_staff(ctx, name)
    first = (await client.get(STAFF, params={"limit": 3}, headers=bearer(token))).json()
    assert [s["username"] for s in first["items"]] == ["olga", "ann", "bob"]
    second = await client.get(
        STAFF, params={"limit": 3, "cursor": first["next_cursor"]}, headers=bearer(token)
    )
    assert [s["username"] for s in second.json()["items"]] == ["cai"]
    assert second.json()["next_cursor"] is None

    bad = await client.get(STAFF, params={"cursor": "bm9wZQ"}, headers=bearer(token))
    assert bad.status_code == 400
    assert bad.json()["code"] == "pagination.invalid_cursor"


VALID = {"username": "newbie", "password": "long-enough-pw", "role": "support"}


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"username": "ab"}, 400, "console.invalid_username"),
        ({"username": "has space"}, 400, "console.invalid_username"),
        ({"username": "x" * 33}, 400, "console.invalid_username"),
        ({"password": "short"}, 400, "console.weak_password"),
        ({"username": "newbie1234", "password": "newbie1234"}, 400, "console.weak_password"),
        ({"username": "olga"}, 409, "console.username_taken"),
        ({"username": "OLGA"}, 409, "console.username_taken"),
        ({"role": "admin"}, 422, "request.invalid"),
        ({"role": None}, 422, "request.invalid"),
        ({"is_active": False}, 422, "request.invalid"),
        ({"display_name": "x" * 51}, 422, "request.invalid"),
        ({"password": 12345678901}, 422, "request.invalid"),
    ],
)
async def test_bad_staff_creation_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, changes: dict[str, Any], status: int, code: str
) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    payload = {**VALID, **changes}
    before = await snapshot(ctx)
    response = await client.post(STAFF, json=payload, headers=bearer(token))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "payload",
    [{"role": "support"}, {"is_active": False}, {"role": "operator", "is_active": False}],
)
async def test_last_active_owner_cannot_be_demoted_or_deactivated(
    client: httpx.AsyncClient, ctx: AppContext, payload: dict[str, Any]
) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    owner = await fetch_staff(ctx, "olga")
    await make_staff(ctx, "retired", role="owner", is_active=False)  # inactive owners do not count

    before = await snapshot(ctx)
    response = await client.patch(f"{STAFF}/{owner.id}", json=payload, headers=bearer(token))
    assert response.status_code == 409
    assert response.json()["code"] == "console.last_owner"
    assert await snapshot(ctx) == before


async def test_an_owner_can_step_down_when_another_owner_remains(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    owner = await fetch_staff(ctx, "olga")
    secret = pyotp.random_base32()
    other = await make_staff(ctx, "oscar", role="owner", mfa_secret=secret)

    stepped = await client.patch(
        f"{STAFF}/{owner.id}", json={"role": "operator"}, headers=bearer(token)
    )
    assert stepped.status_code == 200
    assert stepped.json()["role"] == "operator"
    # olga is no longer allowed to manage staff; oscar is, and is now the last owner.
    refused = await client.get(STAFF, headers=bearer(token))
    assert refused.json()["code"] == "console.permission_denied"
    oscar = (await login(client, "oscar", otp=code(secret))).json()["access_token"]
    granted = await client.post(
        "/api/v1/console/auth/step-up",
        json={"otp": code(secret, steps_ahead=1)},
        headers=bearer(oscar),
    )
    STEP_UP_GRANTS[oscar] = granted.json()["step_up_token"]
    last = await client.patch(
        f"{STAFF}/{other.id}", json={"is_active": False}, headers=bearer(oscar)
    )
    assert last.json()["code"] == "console.last_owner"
    # Changing an owner's display name is fine.
    renamed = await client.patch(
        f"{STAFF}/{other.id}", json={"display_name": "Oscar 老板"}, headers=bearer(oscar)
    )
    assert renamed.json()["display_name"] == "Oscar 老板"


async def test_update_and_reset_unknown_staff_is_404(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    before = await snapshot(ctx)
    patched = await client.patch(f"{STAFF}/999999", json={"role": "support"}, headers=bearer(token))
    assert patched.status_code == 404
    assert patched.json()["code"] == "console.staff_not_found"
    reset = await client.post(f"{STAFF}/999999/reset-mfa", headers=bearer(token))
    assert reset.status_code == 404
    assert reset.json()["code"] == "console.staff_not_found"
    huge = await client.patch(f"{STAFF}/{2**63}", json={"role": "support"}, headers=bearer(token))
    assert huge.status_code == 422
    assert huge.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"role": "admin"},
        {"is_active": "no"},
        {"is_active": 0},
        {"username": "renamed"},
        {"display_name": "x" * 51},
    ],
)
async def test_malformed_update_is_422_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, payload: dict[str, Any]
) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    target = await make_staff(ctx, "sam", role="support")
    before = await snapshot(ctx)
    response = await client.patch(f"{STAFF}/{target.id}", json=payload, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_blank_display_name_is_refused(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    target = await make_staff(ctx, "sam", role="support")
    before = await snapshot(ctx)
    response = await client.patch(
        f"{STAFF}/{target.id}", json={"display_name": "   "}, headers=bearer(token)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "console.invalid_display_name"
    assert await snapshot(ctx) == before


async def test_reset_mfa(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olga", role="owner", step_up=True)
    secret = pyotp.random_base32()
    target = await make_staff(ctx, "olivia", role="operator", mfa_secret=secret)

    response = await client.post(f"{STAFF}/{target.id}/reset-mfa", headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["mfa_enabled"] is False
    stored = await fetch_staff(ctx, "olivia")
    assert (stored.totp_secret_encrypted, stored.totp_pending_encrypted) == (None, None)
    assert (await login(client, "olivia")).status_code == 200  # no code needed any more
    (entry,) = await audit_rows(ctx, "staff.reset_mfa")
    assert (entry.target, entry.detail) == (f"staff:{target.id}", {"username": "olivia"})
