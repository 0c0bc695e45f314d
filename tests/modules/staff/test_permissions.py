from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.staff.public import PERMISSIONS, require_permission
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, set_staff, token_for

STAFF = "/api/v1/console/staff"
AUDIT = "/api/v1/console/audit-log"
ME = "/api/v1/console/auth/me"


def test_permission_map() -> None:
    assert PERMISSIONS["owner"] == {
        "staff:manage",
        "audit:read",
        "pii:reveal",
        "products:read",
        "products:write",
        "stock:adjust",
        "orders:read",
        "orders:ship",
        "aftersales:handle",
        "orders:export",
        "dashboard:read",
        "flashsale:manage",
        "promotions:manage",
        "loyalty:manage",
        "membership:manage",
        "reviews:manage",
        "moderation:manage",
        "content:manage",
        "distribution:manage",
        "analytics:view",
        "analytics:manage",
        "replenishment:manage",
        "experiments:manage",
        "insights:alerts",
        "stores:manage",
        "pickups:verify",
        "invoices:manage",
        "support:chat",
        "live:manage",
        "wecom:manage",
        "openapi:manage",
        "risk:manage",
    }
    assert PERMISSIONS["operator"] == PERMISSIONS["owner"] - {
        "staff:manage",
        "audit:read",
        "pii:reveal",
        "openapi:manage",
        "risk:manage",
    }
    assert PERMISSIONS["support"] == {
        "products:read",
        "orders:read",
        "aftersales:handle",
        "pickups:verify",
        "support:chat",
    }


def test_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown console permission 'products:wrte'"):
        require_permission("products:wrte")


async def test_no_or_foreign_tokens_are_401(client: httpx.AsyncClient, ctx: AppContext) -> None:
    storefront = ctx.tokens.issue(subject="1", audience="storefront", ttl=timedelta(minutes=5))
    expired = ctx.tokens.issue(subject="1", audience="console", ttl=timedelta(seconds=-5))
    for headers in (
        {},
        bearer("garbage"),
        bearer(storefront),
        bearer(expired),
        {"Authorization": "Basic b2xnYTpwYXNz"},
    ):
        for url in (ME, STAFF, AUDIT):
            response = await client.get(url, headers=headers)
            assert response.status_code == 401, (url, headers)
            assert response.json()["code"] == "auth.unauthorized"


async def test_console_token_is_refused_by_storefront_routes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia")
    before = await snapshot(ctx)
    for method, url in (("GET", "/api/v1/me"), ("GET", "/api/v1/me/addresses")):
        response = await client.request(method, url, headers=bearer(token))
        assert response.status_code == 401, url
        assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("support", STAFF, 403),
        ("support", AUDIT, 403),
        ("operator", STAFF, 403),
        ("operator", AUDIT, 403),
        ("owner", STAFF, 200),
        ("owner", AUDIT, 200),
        ("support", ME, 200),
    ],
)
async def test_role_matrix_for_reads(
    client: httpx.AsyncClient, ctx: AppContext, role: str, url: str, status: int
) -> None:
    token = await token_for(client, ctx, f"{role}1", role=role)
    response = await client.get(url, headers=bearer(token))
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "console.permission_denied"


@pytest.mark.parametrize("role", ["operator", "support"])
async def test_non_owners_cannot_manage_staff(
    client: httpx.AsyncClient, ctx: AppContext, role: str
) -> None:
    token = await token_for(client, ctx, "someone", role=role)
    before = await snapshot(ctx)
    attempts = [
        ("POST", STAFF, {"username": "mallory", "password": "long-enough-pw", "role": "owner"}),
        ("PATCH", f"{STAFF}/1", {"role": "owner"}),
        ("POST", f"{STAFF}/1/reset-mfa", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=bearer(token))
        assert response.status_code == 403, url
        assert response.json()["code"] == "console.permission_denied"
    assert await snapshot(ctx) == before


async def test_role_and_active_flag_are_read_on_every_request(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    await set_staff(ctx, "olivia", role="support")
    me = await client.get(ME, headers=bearer(token))
    assert me.json()["role"] == "support"

    await set_staff(ctx, "olivia", is_active=False)
    refused = await client.get(ME, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.unauthorized"
