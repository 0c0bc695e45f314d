"""A topic challenge settled by many settlers at once, on PostgreSQL: console requests and the
job on several workers race on one ended challenge; exactly one settles it, and every prize
(points, coupon, notice, winner row, event) exists once. Likewise many retriers of a coupon
prize not issued at settlement issue one coupon. SQLite serialises writers, so this runs
on PostgreSQL only."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, utcnow
from shoplet.core.events import OutboxEvent
from shoplet.modules.content import service
from shoplet.modules.content.events import CHALLENGE_SETTLED
from shoplet.modules.content.models import ChallengeWinner, Notice
from shoplet.modules.content.service.prizes import RETRY_BASE
from shoplet.modules.loyalty.models import PointsEntry
from shoplet.modules.promotions.models import Coupon
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.content.factories import CONSOLE, topic
from tests.modules.content.test_challenge_prizes import raise_quota, settled_with_exhausted_coupon
from tests.modules.content.test_challenges import approved_post, end_now, like, save
from tests.modules.loyalty.factories import balance
from tests.modules.orders.factories import shopper
from tests.modules.promotions.factories import make_template

SETTLERS = 12


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _count(ctx: AppContext, stmt: object) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(stmt) or 0)  # type: ignore[call-overload]


async def test_concurrent_settlers_grant_every_prize_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    topic_id = await topic(client, staff, "并发挑战")
    coupon = await make_template(client, staff, name="冠军券")
    saved = await save(
        client,
        staff,
        topic_id,
        prizes=[
            {"rank": 1, "points": 300, "coupon_template_id": coupon["id"]},
            {"rank": 2, "points": 100},
        ],
    )
    assert saved.status_code == 200, saved.text
    alice, bob, fan = [await shopper(client, f"race-ch-{n}") for n in ("a", "b", "f")]
    a1 = await approved_post(client, alice, topic_id, "A 的作品")
    await approved_post(client, bob, topic_id, "B 的作品")
    await like(client, fan, a1)
    await end_now(ctx, topic_id)

    start = asyncio.Event()
    engine = create_engine(backend_db.url, pool_size=SETTLERS, max_overflow=0)
    workers = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with app_with_pool(backend_db, ctx, SETTLERS) as app:
            transport = httpx.ASGITransport(app=app)

            async def by_console() -> bool:
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://shoplet.test"
                ) as c:
                    await start.wait()
                    response = await c.post(
                        f"{CONSOLE}/topics/{topic_id}/challenge/settle", headers=staff
                    )
                    assert response.status_code == 200, response.text
                    return bool(response.json()["settled"])

            async def by_job() -> bool:
                await start.wait()
                return await service.settle_due(workers) == 1

            tasks = [asyncio.create_task(by_console()) for _ in range(SETTLERS // 2)]
            tasks += [asyncio.create_task(by_job()) for _ in range(SETTLERS // 2)]
            start.set()
            results = await asyncio.gather(*tasks)
    finally:
        await engine.dispose()

    assert sum(results) == 1, results
    assert await balance(ctx, alice.member_id) == 300
    assert await balance(ctx, bob.member_id) == 100
    assert await _count(ctx, select(func.count()).select_from(ChallengeWinner)) == 2
    assert await _count(ctx, select(func.count()).select_from(Coupon)) == 1
    assert await _count(ctx, select(func.count()).where(PointsEntry.reason == "challenge")) == 2
    assert await _count(ctx, select(func.count()).where(Notice.kind == "challenge")) == 2
    assert await _count(ctx, select(func.count()).where(OutboxEvent.type == CHALLENGE_SETTLED)) == 1


async def test_concurrent_retries_issue_a_prize_coupon_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    """重新发放 from the console and the retry job on several workers at once, on a coupon
    prize that could not be issued at settlement: one coupon, one 补发 notice; the console
    requests that lost answer 409 ``content.prize_already_issued``."""
    topic_id, template_id, first, _ = await settled_with_exhausted_coupon(
        client, ctx, staff, "并发补发"
    )
    await raise_quota(ctx, template_id)
    due = utcnow() + RETRY_BASE * 2

    start = asyncio.Event()
    engine = create_engine(backend_db.url, pool_size=SETTLERS, max_overflow=0)
    workers = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with app_with_pool(backend_db, ctx, SETTLERS) as app:
            transport = httpx.ASGITransport(app=app)

            async def by_console() -> str:
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://shoplet.test"
                ) as c:
                    await start.wait()
                    response = await c.post(
                        f"{CONSOLE}/topics/{topic_id}/challenge/winners/1/reissue", headers=staff
                    )
                    if response.status_code == 409:
                        assert response.json()["code"] == "content.prize_already_issued"
                        return "refused"
                    assert response.status_code == 200, response.text
                    return str(response.json()["coupon_status"])

            async def by_job() -> str:
                await start.wait()
                return "issued" if await service.retry_due(workers, now=due) == 1 else "none"

            tasks = [asyncio.create_task(by_console()) for _ in range(SETTLERS // 2)]
            tasks += [asyncio.create_task(by_job()) for _ in range(SETTLERS // 2)]
            start.set()
            results = await asyncio.gather(*tasks)
    finally:
        await engine.dispose()

    assert results.count("issued") == 1, results
    assert await _count(ctx, select(func.count()).where(Coupon.member_id == first.member_id)) == 1
    assert await _count(ctx, select(func.count()).where(Notice.kind == "challenge_coupon")) == 1
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(ChallengeWinner).where(ChallengeWinner.rank == 1))
    assert row is not None
    assert (row.coupon_status, row.coupon_template_id) == ("issued", template_id)
