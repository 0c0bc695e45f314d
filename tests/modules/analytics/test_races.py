"""The one open RFM run on PostgreSQL (SQLite serialises writers): thirty 重新计算 at once,
each on its own connection, queue exactly one run and all get its id back."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, unit_of_work
from shoplet.modules.analytics import service
from shoplet.modules.analytics.models import RfmRun
from tests.conftest import BackendDb, make_context

RACERS = 30


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def test_thirty_recomputes_at_once_queue_one_run(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    engine = create_engine(backend_db.url, pool_size=RACERS, max_overflow=0)
    pooled = make_context(dataclasses.replace(backend_db, engine=engine), ctx.settings)
    try:
        start = asyncio.Event()

        async def press(staff_id: int) -> tuple[int, bool]:
            await start.wait()
            async with unit_of_work(pooled.sessionmaker) as session:
                run, created = await service.request_run(
                    session, trigger="console", staff_id=staff_id
                )
            return run.id, created

        tasks = [asyncio.create_task(press(i + 1)) for i in range(RACERS)]
        start.set()
        results = await asyncio.gather(*tasks)
    finally:
        if pooled.redis is not None:
            await pooled.redis.aclose()
        await engine.dispose()
    assert len({run_id for run_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    async with unit_of_work(ctx.sessionmaker) as s:
        runs = list(await s.scalars(select(RfmRun)))
    assert [(r.status, r.open_slot) for r in runs] == [("queued", 1)]
