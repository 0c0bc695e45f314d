"""The entry tier's exclusive pack (V0 holds every shopper): it needs a limit, members who
signed in within ``pack_active_days`` or at most ``pack_monthly_cap`` members a month; the cap
holds when runs race on PostgreSQL, and the job gives each month's pack once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker
from shoplet.core.events import drain_outbox
from shoplet.modules.members.models import Member
from shoplet.modules.promotions import service
from shoplet.modules.promotions.models import PackCount
from tests.conftest import BackendDb, snapshot
from tests.modules.membership.factories import CONSOLE, tier_body
from tests.modules.promotions.factories import make_template
from tests.modules.promotions.test_member_gifts import DEC, JAN, coupons, member, staff

__all__ = ["staff"]

LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)


async def entry_pack(
    client: httpx.AsyncClient, staff: dict[str, str], **limits: Any
) -> tuple[int, httpx.Response]:
    template = (await make_template(client, staff, name="新人专享券", per_shopper_limit=24))["id"]
    body = tier_body(V0={"benefits": {"exclusive_coupon_template_ids": [template]}, **limits})
    return template, await client.put(f"{CONSOLE}/tiers", json=body, headers=staff)


async def signed_in(ctx: AppContext, member_id: int, at: datetime) -> None:
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(update(Member).where(Member.id == member_id).values(last_login_at=at))


async def taken(ctx: AppContext, period: str) -> int:
    async with ctx.sessionmaker() as s:
        got = await s.scalar(
            select(PackCount.taken).where(PackCount.level == 0, PackCount.period == period)
        )
        return int(got or 0)


async def test_an_entry_pack_needs_a_limit_and_bad_limits_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = (await make_template(client, staff, name="新人专享券"))["id"]
    before = await snapshot(ctx)
    pack = {"benefits": {"exclusive_coupon_template_ids": [template]}}
    for v0, problem in [
        (
            pack,
            "V0: exclusive coupons for the entry tier need pack_active_days or pack_monthly_cap",
        ),
        ({**pack, "pack_active_days": 0}, "V0: pack_active_days must be 1..366"),
        ({**pack, "pack_monthly_cap": -1}, "V0: pack_monthly_cap must be 1..10000000"),
        ({"pack_monthly_cap": 10_000_001}, "V0: pack_monthly_cap must be 1..10000000"),
    ]:
        refused = await client.put(f"{CONSOLE}/tiers", json=tier_body(V0=v0), headers=staff)
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "membership.invalid_tiers"
        assert problem in refused.json()["problems"]
    wrong_type = await client.put(
        f"{CONSOLE}/tiers", json=tier_body(V0={**pack, "pack_active_days": "30"}), headers=staff
    )
    assert wrong_type.status_code == 422
    assert await snapshot(ctx) == before

    saved = await client.put(
        f"{CONSOLE}/tiers",
        json=tier_body(V0={**pack, "pack_active_days": 30, "pack_monthly_cap": 100}),
        headers=staff,
    )
    assert saved.status_code == 200, saved.text
    listed = (await client.get(f"{CONSOLE}/tiers", headers=staff)).json()
    v0 = next(t for t in listed if t["level"] == 0)
    assert (v0["pack_active_days"], v0["pack_monthly_cap"]) == (30, 100)


async def test_the_entry_pack_goes_to_recent_members_once_a_month(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template, saved = await entry_pack(client, staff, pack_active_days=30)
    assert saved.status_code == 200, saved.text
    recent = await member(client, ctx, "recent", born=None)
    asleep = await member(client, ctx, "asleep", born=None)
    silver = await member(client, ctx, "silver", born=None, growth=600)  # V1: not V0's pack
    await signed_in(ctx, asleep.member_id, LONG_AGO)

    first = await service.issue_member_gifts(ctx.sessionmaker, now=DEC)
    again = await service.issue_member_gifts(ctx.sessionmaker, now=DEC)
    assert (first.issued, again.issued) == (1, 0)
    assert await coupons(ctx, recent.member_id) == {template: 1}
    assert await coupons(ctx, asleep.member_id) == {}
    assert await coupons(ctx, silver.member_id) == {}

    for who in (recent, asleep):  # both signed in on December 10th: January's pack
        await signed_in(ctx, who.member_id, DEC)
    await service.issue_member_gifts(ctx.sessionmaker, now=JAN)
    await service.issue_member_gifts(ctx.sessionmaker, now=JAN)
    assert await coupons(ctx, recent.member_id) == {template: 2}
    assert await coupons(ctx, asleep.member_id) == {template: 1}


async def test_the_monthly_cap_holds_when_runs_race(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    backend: str,
    backend_db: BackendDb,
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    template, saved = await entry_pack(client, staff, pack_monthly_cap=5)
    assert saved.status_code == 200, saved.text
    people = [await member(client, ctx, f"p{i}", born=None) for i in range(12)]
    engine = create_engine(backend_db.url, pool_size=8, max_overflow=0)
    try:
        pool = dataclasses.replace(backend_db, engine=engine)
        start = asyncio.Event()

        async def run(now: datetime) -> service.GiftReport:
            await start.wait()
            return await service.issue_member_gifts(create_sessionmaker(pool.engine), now=now)

        tasks = [asyncio.create_task(run(DEC)) for _ in range(4)]
        start.set()
        reports = await asyncio.gather(*tasks)
        assert sum(r.issued for r in reports) == 5
        # A re-run in the same month gives nothing more; the next month has its own cap.
        assert (await run(DEC)).issued == 0
        assert (await run(JAN)).issued == 5
    finally:
        await engine.dispose()

    held = [await coupons(ctx, p.member_id) for p in people]
    assert sum(h.get(template, 0) for h in held) == 10
    assert all(h.get(template, 0) <= 2 for h in held)
    assert (await taken(ctx, "2026-12"), await taken(ctx, "2027-01")) == (5, 5)


async def test_an_upgrade_respects_the_new_tiers_cap(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = (await make_template(client, staff, name="白银专享券"))["id"]
    body = tier_body(
        V1={"benefits": {"exclusive_coupon_template_ids": [template]}, "pack_monthly_cap": 1}
    )
    assert (await client.put(f"{CONSOLE}/tiers", json=body, headers=staff)).status_code == 200
    first = await member(client, ctx, "first", born=None, growth=600)
    second = await member(client, ctx, "second", born=None, growth=600)
    await drain_outbox(ctx)
    got = [await coupons(ctx, who.member_id) for who in (first, second)]
    assert sorted(g.get(template, 0) for g in got) == [0, 1]
