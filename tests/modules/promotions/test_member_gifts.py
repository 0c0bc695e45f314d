"""Tier gifts: the daily job gives the birthday coupon once a year (in the birthday month) and
the tier's exclusive coupons once a month, through ``issue`` (quota and per-shopper limits
hold); an upgrade gives the new tier's pack at once; re-runs, and two runs at once on
PostgreSQL, give nothing twice; the member centre shows the birthday gift's status."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker
from shoplet.core.events import drain_outbox
from shoplet.modules.promotions import service
from shoplet.modules.promotions.models import Coupon, MemberGift
from tests.conftest import BackendDb, snapshot
from tests.modules.membership.factories import CONSOLE, grow, tier_body
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.promotions.factories import TEMPLATES, make_template
from tests.modules.staff.conftest import bearer, token_for

ME = "/api/v1/me"
GIFTS = "/api/v1/me/member-gifts"
DEC = datetime(2026, 12, 10, 4, tzinfo=UTC)  # 12:00 in Shanghai
JAN = datetime(2027, 1, 5, 4, tzinfo=UTC)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "gifts-operator"))


async def templates(
    client: httpx.AsyncClient, staff: dict[str, str], *, exclusive_limit: int = 12
) -> tuple[int, int]:
    """A birthday coupon for every tier and an exclusive one for V1 (白银)."""
    birthday = (await make_template(client, staff, name="生日券", per_shopper_limit=10))["id"]
    exclusive = (
        await make_template(client, staff, name="白银专享券", per_shopper_limit=exclusive_limit)
    )["id"]
    body = tier_body(
        V0={"benefits": {"birthday_coupon_template_id": birthday}},
        V1={
            "benefits": {
                "birthday_coupon_template_id": birthday,
                "exclusive_coupon_template_ids": [exclusive],
            }
        },
    )
    response = await client.put(f"{CONSOLE}/tiers", json=body, headers=staff)
    assert response.status_code == 200, response.text
    return birthday, exclusive


async def member(
    client: httpx.AsyncClient, ctx: AppContext, name: str, *, born: str | None, growth: int = 0
) -> Shopper:
    who = await shopper(client, name)
    if born is not None:
        response = await client.patch(ME, json={"birthday": born}, headers=who.headers)
        assert response.status_code == 200, response.text
    if growth:
        await grow(ctx, who.member_id, growth, f"{name}-growth")
    return who


async def coupons(ctx: AppContext, member_id: int) -> dict[int, int]:
    """{template_id: copies} the member holds."""
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            select(Coupon.template_id, func.count())
            .where(Coupon.member_id == member_id)
            .group_by(Coupon.template_id)
        )
        return {int(t): int(n) for t, n in rows.all()}


async def gifts(client: httpx.AsyncClient, who: Shopper) -> dict[str, Any]:
    response = await client.get(GIFTS, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_daily_job_gives_each_gift_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    birthday, exclusive = await templates(client, staff)
    alice = await member(client, ctx, "alice", born="1990-12-15", growth=600)  # V1, December
    bob = await member(client, ctx, "bob", born="1992-12-01")  # V0, December
    carol = await member(client, ctx, "carol", born="1988-06-20", growth=600)  # V1, June
    dave = await member(client, ctx, "dave", born=None)
    # The upgrades' own handler is tested below; here only the job gives.
    for _ in range(2):
        first = await service.issue_member_gifts(ctx.sessionmaker, now=DEC)
    assert (first.issued, first.skipped) == (0, 0)  # the second run found everything given

    assert await coupons(ctx, alice.member_id) == {birthday: 1, exclusive: 1}
    assert await coupons(ctx, bob.member_id) == {birthday: 1}
    assert await coupons(ctx, carol.member_id) == {exclusive: 1}
    assert await coupons(ctx, dave.member_id) == {}

    # January: a new month's exclusive coupon; December's birthday coupon is not given again.
    await service.issue_member_gifts(ctx.sessionmaker, now=JAN)
    await service.issue_member_gifts(ctx.sessionmaker, now=JAN)
    assert await coupons(ctx, alice.member_id) == {birthday: 1, exclusive: 2}
    assert await coupons(ctx, carol.member_id) == {exclusive: 2}

    shown = await gifts(client, alice)
    assert shown["birthday"]["status"] == "issued"
    assert shown["birthday"]["month"] == 12
    assert shown["birthday"]["template_id"] == birthday
    assert shown["exclusive_template_ids"] == [exclusive]
    assert (await gifts(client, carol))["birthday"] | {"year": 0} == {
        "status": "upcoming",
        "month": 6,
        "year": 0,
        "template_id": birthday,
        "coupon_id": None,
        "code": None,
    }
    assert (await gifts(client, dave))["birthday"]["status"] == "no_birthday"


async def test_an_upgrade_gives_the_new_tiers_pack_at_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, exclusive = await templates(client, staff)
    erin = await member(client, ctx, "erin", born=None, growth=600)
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # a redelivery gives nothing more
    assert await coupons(ctx, erin.member_id) == {exclusive: 1}
    # The job in the same month finds it given.
    await service.issue_member_gifts(ctx.sessionmaker)
    assert await coupons(ctx, erin.member_id) == {exclusive: 1}


async def test_a_refused_gift_is_recorded_and_not_retried(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, exclusive = await templates(client, staff, exclusive_limit=1)
    frank = await member(client, ctx, "frank", born=None, growth=600)
    await service.issue_member_gifts(ctx.sessionmaker, now=DEC)
    report = await service.issue_member_gifts(ctx.sessionmaker, now=JAN)
    assert (report.issued, report.skipped) == (0, 1)
    again = await service.issue_member_gifts(ctx.sessionmaker, now=JAN)
    assert (again.issued, again.skipped) == (0, 0)
    assert await coupons(ctx, frank.member_id) == {exclusive: 1}
    async with ctx.sessionmaker() as s:
        rows = (await s.scalars(select(MemberGift).order_by(MemberGift.id))).all()
    assert [(g.period, g.coupon_id is not None, g.code) for g in rows] == [
        ("2026-12", True, None),
        ("2027-01", False, "promotions.claim_limit_reached"),
    ]


async def test_a_paused_template_waits_until_it_is_active(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    birthday, _ = await templates(client, staff)
    gina = await member(client, ctx, "gina", born="1995-12-24")
    response = await client.post(f"{TEMPLATES}/{birthday}/stop", headers=staff)
    assert response.status_code == 200, response.text
    await service.issue_member_gifts(ctx.sessionmaker, now=DEC)
    assert await coupons(ctx, gina.member_id) == {}
    async with ctx.sessionmaker() as s:
        assert (await s.scalars(select(MemberGift))).all() == []


async def test_a_bad_birthday_changes_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    hank = await shopper(client, "hank")
    before = await snapshot(ctx)
    for bad in ("2999-01-01", "1990-02-30", "1899-12-31", 19900101, "12-15"):
        refused = await client.patch(ME, json={"birthday": bad}, headers=hank.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before
    assert (await gifts(client, hank))["birthday"]["status"] == "not_offered"


async def test_two_runs_at_once_give_one_coupon_each(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    backend: str,
    backend_db: BackendDb,
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    birthday, exclusive = await templates(client, staff)
    people = [
        await member(client, ctx, f"m{i}", born=f"1990-12-0{i % 9 + 1}", growth=600)
        for i in range(12)
    ]
    engine = create_engine(backend_db.url, pool_size=8, max_overflow=0)
    try:
        pool = dataclasses.replace(backend_db, engine=engine)
        start = asyncio.Event()

        async def run() -> service.GiftReport:
            await start.wait()
            return await service.issue_member_gifts(create_sessionmaker(pool.engine), now=DEC)

        tasks = [asyncio.create_task(run()) for _ in range(4)]
        start.set()
        reports = await asyncio.gather(*tasks)
    finally:
        await engine.dispose()

    assert sum(r.issued for r in reports) == 2 * len(people)
    for who in people:
        assert await coupons(ctx, who.member_id) == {birthday: 1, exclusive: 1}
