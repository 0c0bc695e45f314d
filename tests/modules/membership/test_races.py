"""Growth races on PostgreSQL: 20 growths of one member at once (different refs) sum exactly
and upgrade once per crossing; the same ref sent twice at once counts once. SQLite serialises
writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
from shoplet.modules.membership import public as membership
from tests.conftest import BackendDb
from tests.modules.membership.factories import account, entries, tier_events

CLIENTS = 20


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


@pytest.fixture
async def pool(backend_db: BackendDb) -> AsyncIterator[BackendDb]:
    engine = create_engine(backend_db.url, pool_size=CLIENTS + 2, max_overflow=0)
    try:
        yield dataclasses.replace(backend_db, engine=engine)
    finally:
        await engine.dispose()


async def _race(pool: BackendDb, calls: list[tuple[int, str]], member_id: int) -> list[bool]:
    sessionmaker = create_sessionmaker(pool.engine)
    start = asyncio.Event()

    async def one(amount: int, ref: str) -> bool:
        await start.wait()
        async with unit_of_work(sessionmaker) as s:
            result = await membership.add_growth(s, member_id, amount, "review", ref)
        return result.applied

    tasks = [asyncio.create_task(one(amount, ref)) for amount, ref in calls]
    start.set()
    return list(await asyncio.gather(*tasks))


async def test_twenty_growths_at_once_sum_exactly_and_upgrade_once_per_crossing(
    ctx: AppContext, pool: BackendDb
) -> None:
    # 20 × 110 = 2200: crosses 白银 (500) and 黄金 (2000), each exactly once.
    applied = await _race(pool, [(110, f"r{i}") for i in range(CLIENTS)], member_id=1)

    assert applied == [True] * CLIENTS
    row = await account(ctx, 1)
    assert row is not None
    assert (row.growth_total, row.level) == (2200, 2)
    assert len(await entries(ctx, 1)) == CLIENTS
    events = await tier_events(ctx, 1)
    assert [(e["from_code"], e["to_code"]) for e in events] == [("V0", "V1"), ("V1", "V2")]
    # Serialised on the account row: the 5th growth makes 550, the 19th 2090.
    assert [e["growth_total"] for e in events] == [550, 2090]


async def test_the_same_ref_twice_at_once_counts_once(ctx: AppContext, pool: BackendDb) -> None:
    calls = [(300, f"dup{i // 2}") for i in range(CLIENTS)]  # ten refs, each sent twice

    applied = await _race(pool, calls, member_id=2)

    assert sorted(applied) == [False] * (CLIENTS // 2) + [True] * (CLIENTS // 2)
    row = await account(ctx, 2)
    assert row is not None
    assert row.growth_total == 3000
    assert sorted(ref for _, _, ref in await entries(ctx, 2)) == sorted(
        f"dup{i}" for i in range(CLIENTS // 2)
    )
    assert [e["to_code"] for e in await tier_events(ctx, 2)] == ["V1", "V2"]
