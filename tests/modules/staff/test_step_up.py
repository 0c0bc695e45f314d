"""Step-up per sensitive action: staff management, the sign-in policy and open-platform keys
refuse an owner without a fresh grant (403 ``auth.step_up_required``, nothing written) and
accept the same request with one."""

from __future__ import annotations

from datetime import timedelta

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from tests.conftest import snapshot
from tests.modules.staff.conftest import make_staff, stepped_up_owner

C = "/api/v1/console"


async def test_each_sensitive_action_needs_a_step_up(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    plain, granted = await stepped_up_owner(client, ctx, "olga")
    target = await make_staff(ctx, "olivia")
    app = await client.post(
        f"{C}/openapi/apps", json={"name": "ERP", "scopes": ["orders:read"]}, headers=granted
    )
    assert app.status_code == 201, app.text
    app_id = app.json()["app"]["id"]
    rotate_at = (utcnow() + timedelta(days=1)).isoformat()
    actions: list[tuple[str, str, dict[str, object] | None]] = [
        (
            "POST",
            f"{C}/staff",
            {"username": "sam", "password": "initial-password-1", "role": "support"},
        ),
        ("PATCH", f"{C}/staff/{target.id}", {"role": "support"}),
        ("POST", f"{C}/staff/{target.id}/reset-mfa", None),
        ("PUT", f"{C}/auth/policy", {"passkey_login": "passwordless"}),
        ("POST", f"{C}/openapi/apps", {"name": "WMS", "scopes": ["orders:read"]}),
        ("PATCH", f"{C}/openapi/apps/{app_id}", {"rate_limit_per_minute": 60}),
        ("POST", f"{C}/openapi/apps/{app_id}/rotate-secret", {"old_secret_expires_at": rotate_at}),
    ]

    before = await snapshot(ctx)
    for method, url, body in actions:
        refused = await client.request(method, url, json=body, headers=plain)
        assert refused.status_code == 403, (url, refused.text)
        assert refused.json()["code"] == "auth.step_up_required"
        assert refused.json()["methods"] == ["totp"]
    assert await snapshot(ctx) == before

    for method, url, body in actions:
        accepted = await client.request(method, url, json=body, headers=granted)
        assert accepted.status_code in {200, 201}, (url, accepted.text)


async def test_permissions_are_checked_before_the_step_up(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia")
    signed_in = await client.post(
        f"{C}/auth/login", json={"username": "olivia", "password": "correct-horse-battery"}
    )
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    refused = await client.post(
        f"{C}/openapi/apps", json={"name": "x", "scopes": []}, headers=headers
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "console.permission_denied")
