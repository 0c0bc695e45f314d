"""Profiles under concurrency, on PostgreSQL (SQLite serialises writers): twenty recomputes of
the same members at once leave one tag row per (tag, member); twenty presses of 发券 on one
segment at once give each member exactly one coupon."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, unit_of_work, utcnow
from shoplet.modules.analytics.profiles import service
from shoplet.modules.analytics.profiles.models import MemberTag, SegmentCoupon
from shoplet.modules.analytics.profiles.schemas import SegmentCreate, TagCreate
from shoplet.modules.promotions.models import Coupon
from tests.conftest import BackendDb, make_context
from tests.modules.analytics.profile_factories import catalog_products, paid_order
from tests.modules.checkout.test_races import make_buyers
from tests.modules.promotions.factories import make_template
from tests.modules.staff.conftest import bearer, token_for

RACERS = 20


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _race(
    backend_db: BackendDb, ctx: AppContext, press: Callable[[AppContext], Awaitable[Any]]
) -> list[Any]:
    engine = create_engine(backend_db.url, pool_size=RACERS, max_overflow=0)
    pooled = make_context(dataclasses.replace(backend_db, engine=engine), ctx.settings)
    try:
        start = asyncio.Event()

        async def one() -> Any:
            await start.wait()
            return await press(pooled)

        tasks = [asyncio.create_task(one()) for _ in range(RACERS)]
        start.set()
        return list(await asyncio.gather(*tasks))
    finally:
        if pooled.redis is not None:
            await pooled.redis.aclose()
        await engine.dispose()


async def _buyers(ctx: AppContext, n: int) -> list[int]:
    products = await catalog_products(ctx)
    buyers = await make_buyers(ctx, n)
    for i, b in enumerate(buyers):
        await paid_order(ctx, b.member_id, days_ago=3, lines=[(products["milk"], 1000 * (i + 1))])
    return [b.member_id for b in buyers]


async def test_concurrent_recomputes_write_each_tag_once(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    ids = await _buyers(ctx, 30)
    async with unit_of_work(ctx.sessionmaker) as s:
        await service.create_tag(
            s,
            TagCreate(
                code="some",
                name="一些",
                kind="rule",
                condition={"field": "spend", "op": "gte", "value": 10000},
            ),
            staff_id=None,
        )

    async def press(pooled: AppContext) -> int:
        async with unit_of_work(pooled.sessionmaker) as session:
            return await service.refresh_members(session, ids, events=None, now=utcnow())

    assert await _race(backend_db, ctx, press) == [30] * RACERS
    async with unit_of_work(ctx.sessionmaker) as s:
        rows = (
            await s.execute(
                select(MemberTag.tag_id, MemberTag.member_id, func.count()).group_by(
                    MemberTag.tag_id, MemberTag.member_id
                )
            )
        ).all()
    assert all(n == 1 for _, _, n in rows)
    # 30 RFM-less members hold no RFM tag; 21 of them spent at least 100 yuan.
    assert len(rows) == 21


async def test_concurrent_coupon_presses_give_one_coupon_each(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    ids = await _buyers(ctx, 15)
    staff = bearer(await token_for(client, ctx, "race-operator"))
    template = await make_template(client, staff, total_quota=100, per_shopper_limit=5)
    async with unit_of_work(ctx.sessionmaker) as s:
        await service.refresh_members(s, ids, events=None, now=utcnow())
        segment = await service.create_segment(
            s,
            SegmentCreate(
                name="全部", definition={"field": "order_count", "op": "gte", "value": 1}
            ),
            staff_id=None,
        )

    async def press(pooled: AppContext) -> int:
        async with unit_of_work(pooled.sessionmaker) as session:
            report = await service.issue_coupon(
                session, segment.id, template["id"], actor="staff:1"
            )
        return report.issued

    issued = await _race(backend_db, ctx, press)
    assert sorted(issued) == [0] * (RACERS - 1) + [15]
    async with unit_of_work(ctx.sessionmaker) as s:
        holders = (
            await s.execute(
                select(Coupon.member_id, func.count())
                .where(Coupon.template_id == template["id"])
                .group_by(Coupon.member_id)
            )
        ).all()
        claims = await s.scalar(select(func.count()).select_from(SegmentCoupon))
    assert sorted(holders) == [(m, 1) for m in ids]
    assert claims == 15
