from __future__ import annotations

import httpx

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.staff.conftest import UA, bearer, fetch_staff, login, make_staff, token_for

AUDIT = "/api/v1/console/audit-log"


async def test_audit_log_pages_newest_first_and_filters(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olga", role="owner")
    owner = await fetch_staff(ctx, "olga")
    await make_staff(ctx, "sam", role="support")  # audited as created by the CLI actor
    await login(client, "sam", "wrong-password")
    await login(client, "sam")

    everything = (await client.get(AUDIT, headers=bearer(token))).json()
    actions = [(e["action"], e["username"]) for e in everything["items"]]
    assert actions == [
        ("auth.login", "sam"),
        ("auth.login_failed", "sam"),
        ("staff.create", "cli"),
        ("auth.login", "olga"),
        ("staff.create", "cli"),
    ]
    newest = everything["items"][0]
    assert (newest["ip"], newest["user_agent"]) == ("127.0.0.1", UA)
    assert newest["created_at"].endswith("Z") or newest["created_at"].endswith("+00:00")

    first = (await client.get(AUDIT, params={"limit": 2}, headers=bearer(token))).json()
    assert [e["id"] for e in first["items"]] == [e["id"] for e in everything["items"][:2]]
    rest = (
        await client.get(
            AUDIT, params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(token)
        )
    ).json()
    assert [e["id"] for e in rest["items"]] == [e["id"] for e in everything["items"][2:4]]

    mine = (await client.get(AUDIT, params={"staff_id": owner.id}, headers=bearer(token))).json()
    assert [e["action"] for e in mine["items"]] == ["auth.login"]
    failed = (
        await client.get(AUDIT, params={"action": "auth.login_failed"}, headers=bearer(token))
    ).json()
    assert [e["detail"] for e in failed["items"]] == [{"reason": "password", "failed_logins": 1}]


async def test_bad_audit_queries_are_4xx(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olga", role="owner")
    before = await snapshot(ctx)
    for params, status, code in [
        ({"cursor": "!!!"}, 400, "pagination.invalid_cursor"),
        ({"cursor": "WyJ4Il0"}, 400, "pagination.invalid_cursor"),  # ["x"]
        ({"limit": 0}, 422, "request.invalid"),
        ({"limit": 101}, 422, "request.invalid"),
        ({"staff_id": "me"}, 422, "request.invalid"),
    ]:
        response = await client.get(AUDIT, params=params, headers=bearer(token))
        assert response.status_code == status, params
        assert response.json()["code"] == code
    assert await snapshot(ctx) == before
