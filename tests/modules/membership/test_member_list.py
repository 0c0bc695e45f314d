"""The console's member list by tier (``GET /console/membership/members``): the members list
of members narrowed by membership to a tier (V0 without an account included, a paid grant
counted) and to SVIP holders or not, with the same search and cursor; a tier the table does not
have, a malformed filter or a missing permission answer their problem code and change nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.membership.models import Account
from tests.conftest import snapshot
from tests.modules.members.conftest import set_member
from tests.modules.membership.factories import grow
from tests.modules.membership.plan_factories import bought, create_plan
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for

BY_TIER = "/api/v1/console/membership/members"
PHONE = "13812345678"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "tier-operator"))


async def _grant(ctx: AppContext, member_id: int, level: int, days: int) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Account)
            .where(Account.member_id == member_id)
            .values(granted_level=level, granted_until=utcnow() + timedelta(days=days))
        )


async def test_the_member_list_narrows_to_a_tier_and_to_svip_holders(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")  # no account: V0
    bob = await shopper(client, "bob")
    carol = await shopper(client, "carol")
    dave = await shopper(client, "dave")
    erin = await shopper(client, "erin")
    lapsed = await shopper(client, "lapsed")
    frank = await shopper(client, "frank")
    await grow(ctx, bob.member_id, 600, "bob")  # V1
    await grow(ctx, carol.member_id, 2500, "carol")  # V2
    await grow(ctx, dave.member_id, 100, "dave")  # an account, still V0
    await grow(ctx, erin.member_id, 600, "erin")  # V1, granted V3 for a week: V3
    await _grant(ctx, erin.member_id, 3, 7)
    await grow(ctx, lapsed.member_id, 100, "lapsed")  # a grant that ended: V0
    await _grant(ctx, lapsed.member_id, 3, -1)
    await bought(client, ctx, frank, await create_plan(client, staff))  # SVIP, V0 earned
    await set_member(ctx, bob.member_id, nickname="Bob")

    async def ids(**params: object) -> list[int]:
        response = await client.get(BY_TIER, params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    v0 = [frank.member_id, lapsed.member_id, dave.member_id, alice.member_id]
    assert await ids(level=0) == v0
    assert await ids(level=1) == [bob.member_id]
    assert await ids(level=2) == [carol.member_id]
    assert await ids(level=3) == [erin.member_id]
    assert await ids(level=4) == []
    assert await ids(svip="true") == [frank.member_id]
    assert await ids(level=0, svip="true") == [frank.member_id]
    assert await ids(level=0, svip="false") == v0[1:]
    assert await ids(level=1, svip="true") == []
    assert await ids() == [
        frank.member_id, lapsed.member_id, erin.member_id, dave.member_id,
        carol.member_id, bob.member_id, alice.member_id,
    ]  # fmt: skip
    assert await ids(level=1, q="bob") == [bob.member_id]
    assert await ids(level=2, q="bob") == []
    assert await ids(level=1, q=str(bob.member_id)) == [bob.member_id]

    # Cursor pages over the narrowed list, newest first, as the plain list.
    first = await client.get(BY_TIER, params={"level": 0, "limit": 3}, headers=staff)
    assert [m["id"] for m in first.json()["items"]] == v0[:3]
    assert first.json()["items"][0]["phone"] is None or "*" in first.json()["items"][0]["phone"]
    rest = await client.get(
        BY_TIER,
        params={"level": 0, "limit": 3, "cursor": first.json()["next_cursor"]},
        headers=staff,
    )
    assert ([m["id"] for m in rest.json()["items"]], rest.json()["next_cursor"]) == (
        v0[3:],
        None,
    )


async def test_a_bad_tier_filter_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    await grow(ctx, alice.member_id, 600, "alice")
    owner = bearer(await token_for(client, ctx, "otto", role="owner"))
    support = bearer(await token_for(client, ctx, "sam", role="support"))
    before = await snapshot(ctx)

    unknown = await client.get(BY_TIER, params={"level": 9}, headers=staff)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "membership.unknown_tier")
    assert unknown.headers["content-type"] == "application/problem+json"
    # Refused before the phone search is audited.
    unknown_phone = await client.get(BY_TIER, params={"level": 9, "q": PHONE}, headers=owner)
    assert (unknown_phone.status_code, unknown_phone.json()["code"]) == (
        400,
        "membership.unknown_tier",
    )
    for params in (
        {"level": -1},
        {"level": "V1"},
        {"level": 2**70},
        {"svip": "maybe"},
        {"q": "x" * 33},
        {"limit": 0},
    ):
        response = await client.get(BY_TIER, params=params, headers=staff)
        assert (response.status_code, response.json()["code"]) == (422, "request.invalid"), params
    bad_cursor = await client.get(BY_TIER, params={"level": 1, "cursor": "nope"}, headers=staff)
    assert bad_cursor.status_code == 400
    assert bad_cursor.headers["content-type"] == "application/problem+json"
    phone = await client.get(BY_TIER, params={"level": 1, "q": PHONE}, headers=staff)
    assert (phone.status_code, phone.json()["code"]) == (403, "console.pii_reveal_denied")
    forbidden = await client.get(BY_TIER, params={"level": 1}, headers=support)
    assert (forbidden.status_code, forbidden.json()["code"]) == (
        403,
        "console.permission_denied",
    )
    assert (await client.get(BY_TIER, params={"level": 1})).status_code == 401
    assert await snapshot(ctx) == before

    # An owner's phone search within a tier is audited, as on the plain list.
    found = await client.get(BY_TIER, params={"level": 1, "q": PHONE}, headers=owner)
    assert (found.status_code, found.json()["items"]) == (200, [])
    audit = await snapshot(ctx, "staff_audit_log")
    assert any("member.search_phone" in r for r in audit["staff_audit_log"])
