"""The console's member page over HTTP: 资料 (members), 优惠券 (promotions) and 订单 (orders),
each with its permission; the phone is masked unless an owner reveals it (audited), and every
rejected request answers its problem code and changes nothing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.members.conftest import set_member, sms_login
from tests.modules.orders.factories import one_sku, placed, shopper
from tests.modules.promotions.factories import claimed, make_template
from tests.modules.staff.conftest import bearer, token_for

MEMBERS = "/api/v1/console/members"
PHONE = "13812345678"


@pytest.fixture
async def operator(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "olivia"))


@pytest.fixture
async def support(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "sam", role="support"))


async def test_profile_is_masked_and_an_owner_reveals_it_on_the_record(
    client: httpx.AsyncClient,
    ctx: AppContext,
    app: FastAPI,
    operator: dict[str, str],
    support: dict[str, str],
) -> None:
    tokens = await sms_login(client, app, PHONE)
    member_id = int(tokens["member"]["id"])
    owner = bearer(await token_for(client, ctx, "otto", role="owner", step_up=True))

    for who in (support, operator):
        response = await client.get(f"{MEMBERS}/{member_id}", headers=who)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["id"], body["phone"], body["is_active"]) == (member_id, "138****5678", True)
        assert body["has_wechat"] is False
        assert {"nickname", "created_at", "last_login_at", "birthday", "gender"} <= body.keys()

    # The owner confirms it is them (a step-up grant) before the phone shows.
    without_grant = {k: v for k, v in owner.items() if k != "X-Step-Up-Token"}
    before = await snapshot(ctx, "staff_audit_log")
    refused = await client.get(
        f"{MEMBERS}/{member_id}", params={"reveal": True}, headers=without_grant
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.step_up_required")
    assert await snapshot(ctx, "staff_audit_log") == before
    revealed = await client.get(f"{MEMBERS}/{member_id}", params={"reveal": True}, headers=owner)
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["phone"] == PHONE
    audit = await snapshot(ctx, "staff_audit_log")
    assert [r for r in audit["staff_audit_log"] if f"member:{member_id}" in r] != []

    # A disabled account is still shown to staff (it is not a shopper's session).
    await set_member(ctx, member_id, is_active=False)
    gone = await client.get(f"{MEMBERS}/{member_id}", headers=operator)
    assert (gone.status_code, gone.json()["is_active"]) == (200, False)


async def test_bad_member_page_requests_change_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    app: FastAPI,
    operator: dict[str, str],
    support: dict[str, str],
) -> None:
    tokens = await sms_login(client, app, PHONE)
    member_id = int(tokens["member"]["id"])
    before = await snapshot(ctx)

    cases = [
        (f"{MEMBERS}/{member_id}", {"reveal": True}, operator, 403, "console.pii_reveal_denied"),
        (f"{MEMBERS}/999999", {}, operator, 404, "members.member_not_found"),
        (f"{MEMBERS}/0", {}, operator, 422, None),
        (f"{MEMBERS}/{member_id}/coupons", {}, support, 403, "console.permission_denied"),
        (f"{MEMBERS}/{member_id}/coupons", {"tab": "mine"}, operator, 422, None),
        (f"{MEMBERS}/{member_id}/orders", {"status": "lost"}, operator, 422, None),
        (f"{MEMBERS}/{member_id}/orders", {"cursor": "not-a-cursor"}, operator, 400, None),
    ]
    for url, params, who, status, code in cases:
        response = await client.get(url, params=params, headers=who)
        assert response.status_code == status, (url, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if code is not None:
            assert response.json()["code"] == code, response.text
    assert (await client.get(f"{MEMBERS}/{member_id}")).status_code == 401
    assert await snapshot(ctx) == before


async def test_coupons_and_orders_tabs_list_that_member_only(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    template = await make_template(client, operator, per_shopper_limit=2)
    first = await claimed(client, alice, template["id"])
    second = await claimed(client, alice, template["id"])
    await claimed(client, bob, template["id"])
    sku = await one_sku(ctx)
    made = [(await placed(client, alice, [(sku, 1)]))["order_no"] for _ in range(3)]
    await placed(client, bob, [(sku, 1)])

    coupons = await client.get(f"{MEMBERS}/{alice.member_id}/coupons", headers=operator)
    assert coupons.status_code == 200, coupons.text
    assert [c["id"] for c in coupons.json()["items"]] == [second["id"], first["id"]]
    used = await client.get(
        f"{MEMBERS}/{alice.member_id}/coupons", params={"tab": "used"}, headers=operator
    )
    assert used.json()["items"] == []

    page = await client.get(
        f"{MEMBERS}/{alice.member_id}/orders", params={"limit": 2}, headers=operator
    )
    assert page.status_code == 200, page.text
    assert [o["order_no"] for o in page.json()["items"]] == made[:0:-1]
    assert {o["member_id"] for o in page.json()["items"]} == {alice.member_id}
    rest = await client.get(
        f"{MEMBERS}/{alice.member_id}/orders",
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=operator,
    )
    assert [o["order_no"] for o in rest.json()["items"]] == made[:1]
    assert rest.json()["next_cursor"] is None
    pending = await client.get(
        f"{MEMBERS}/{alice.member_id}/orders", params={"status": "paid"}, headers=operator
    )
    assert pending.json()["items"] == []
    nobody = await client.get(f"{MEMBERS}/999999/orders", headers=operator)
    assert nobody.json() == {"items": [], "next_cursor": None}


async def test_the_member_list_finds_by_nickname_id_or_an_owners_phone_search(
    client: httpx.AsyncClient,
    ctx: AppContext,
    app: FastAPI,
    operator: dict[str, str],
) -> None:
    phoned = int((await sms_login(client, app, PHONE))["member"]["id"])
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    await set_member(ctx, alice.member_id, nickname="爱丽丝_50%")
    await set_member(ctx, bob.member_id, nickname="Bob")
    owner = bearer(await token_for(client, ctx, "otto", role="owner"))

    first = await client.get(MEMBERS, params={"limit": 2}, headers=operator)
    assert first.status_code == 200, first.text
    assert [m["id"] for m in first.json()["items"]] == [bob.member_id, alice.member_id]
    rest = await client.get(
        MEMBERS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=operator
    )
    assert [m["id"] for m in rest.json()["items"]] == [phoned]
    assert rest.json()["items"][0]["phone"] == "138****5678"

    async def found(q: str, who: dict[str, str] = operator) -> list[int]:
        response = await client.get(MEMBERS, params={"q": q}, headers=who)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    assert await found("丽丝") == [alice.member_id]
    assert await found("_50%") == [alice.member_id]  # LIKE wildcards are literal
    assert await found("%") == [alice.member_id]
    assert await found("bob") == [bob.member_id]  # case-insensitive
    assert await found(str(bob.member_id)) == [bob.member_id]
    assert await found("9" * 25) == []
    assert await found(PHONE, owner) == [phoned]
    audit = await snapshot(ctx, "staff_audit_log")
    assert any("member.search_phone" in r for r in audit["staff_audit_log"])

    before = await snapshot(ctx)
    denied = await client.get(MEMBERS, params={"q": PHONE}, headers=operator)
    assert (denied.status_code, denied.json()["code"]) == (403, "console.pii_reveal_denied")
    bad = await client.get(MEMBERS, params={"cursor": "nope"}, headers=operator)
    assert bad.status_code == 400
    assert (await client.get(MEMBERS, params={"q": "x" * 33}, headers=operator)).status_code == 422
    assert await snapshot(ctx) == before
