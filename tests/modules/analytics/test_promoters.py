"""The 推广员 role in profiles (SQLite and PostgreSQL): social's distribution announces every
promoter change (``distribution.promoter_changed``), analytics keeps the newest status per
member, profiles show an active promoter as ``social_role = promoter`` and segments select on
it; a late, older announcement changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox, publish
from shoplet.modules.analytics.profiles.models import Profile, PromoterRole
from shoplet.modules.analytics.public import PROMOTER_CHANGED
from shoplet.modules.social.distribution import events as dist_events
from tests.modules.orders.factories import shopper
from tests.modules.social.dist_factories import ADMIN, SHOP, enable, make_promoter
from tests.modules.staff.conftest import bearer, token_for

SEGMENTS = "/api/v1/console/analytics/segments/preview"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "promoter-operator", step_up=True))


async def _role(ctx: AppContext, member_id: int) -> str | None:
    async with ctx.sessionmaker() as s:
        profile = await s.get(Profile, member_id)
        return None if profile is None else profile.social_role


async def _promoters_count(client: httpx.AsyncClient, staff: dict[str, str]) -> int:
    definition = {"field": "social_role", "op": "eq", "value": "promoter"}
    answer = await client.post(SEGMENTS, json={"condition": definition}, headers=staff)
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["members"]
    return count


def test_social_announces_under_the_name_analytics_reads() -> None:
    assert dist_events.PROMOTER_CHANGED == PROMOTER_CHANGED == "distribution.promoter_changed"


async def test_an_approved_promoter_shows_in_profiles_and_segments(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await enable(client, staff)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    await make_promoter(client, staff, alice)
    # Bob applies and is rejected: never a promoter.
    assert (await client.post(f"{SHOP}/apply", headers=bob.headers)).status_code == 201
    listed = (await client.get(f"{ADMIN}/promoters?status=pending", headers=staff)).json()
    [row] = [p for p in listed["items"] if p["member_id"] == bob.member_id]
    rejected = await client.post(
        f"{ADMIN}/promoters/{row['id']}/review", json={"decision": "reject"}, headers=staff
    )
    assert rejected.status_code == 200, rejected.text
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # a second round changes nothing

    assert await _role(ctx, alice.member_id) == "promoter"
    assert await _role(ctx, bob.member_id) is None
    async with ctx.sessionmaker() as s:
        roles = {r.member_id: r.status for r in await s.scalars(select(PromoterRole))}
    assert roles == {alice.member_id: "active", bob.member_id: "rejected"}
    assert await _promoters_count(client, staff) == 1
    profile = await client.get(
        f"/api/v1/console/analytics/profiles/{alice.member_id}", headers=staff
    )
    assert profile.json()["profile"]["social_role"] == "promoter"


async def test_the_newest_announcement_wins(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    member = 4242
    now = datetime.now(UTC)
    async with unit_of_work(ctx.sessionmaker) as session:
        for status, at in (("active", now), ("pending", now - timedelta(minutes=5))):
            payload = {"promoter_id": 7, "member_id": member, "status": status}
            await publish(
                session, PROMOTER_CHANGED, {**payload, "at": at.isoformat()}, key="promoter:7"
            )
    await drain_outbox(ctx)
    assert await _role(ctx, member) == "promoter"
    async with unit_of_work(ctx.sessionmaker) as session:
        await publish(
            session,
            PROMOTER_CHANGED,
            {
                "promoter_id": 7,
                "member_id": member,
                "status": "rejected",
                "at": (now + timedelta(minutes=1)).isoformat(),
            },
            key="promoter:7",
        )
    await drain_outbox(ctx)
    assert await _role(ctx, member) is None
