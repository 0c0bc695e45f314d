"""The database tier's metrics: slow statements counted and logged, the pool read at scrape time."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import generate_latest
from sqlalchemy import text

from shoplet.core.context import AppContext
from shoplet.core.dbwatch import pool_state


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Every statement is "slow": the counter and the log line are what is checked.
    return {"db_slow_query_seconds": 0.0}


def _sample(ctx: AppContext, line_start: str) -> float:
    text_ = generate_latest(ctx.metrics.registry).decode()
    values = [
        float(line.rsplit(" ", 1)[1]) for line in text_.splitlines() if line.startswith(line_start)
    ]
    return sum(values)


async def test_slow_statements_are_counted_by_operation(ctx: AppContext) -> None:
    # VALUES: an operation no background task of the app runs meanwhile.
    before = _sample(ctx, 'shoplet_db_slow_queries_total{operation="VALUES"}')
    async with ctx.sessionmaker() as session:
        await session.execute(text("VALUES (1)"))
        await session.execute(text("  values (2)"))
    after = _sample(ctx, 'shoplet_db_slow_queries_total{operation="VALUES"}')
    assert after - before == 2


async def test_pool_gauges_follow_checked_out_connections(
    ctx: AppContext, client: httpx.AsyncClient, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite's pool is not a queue pool of fixed size")
    state = pool_state(ctx.engine)
    assert state is not None
    async with ctx.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        held = pool_state(ctx.engine)
        assert held is not None
        assert held["in_use"] == state["in_use"] + 1
        scraped = (await client.get("/metrics")).text
        assert f'shoplet_db_pool_connections{{state="in_use"}} {float(held["in_use"])}' in scraped
    assert f"shoplet_db_pool_max_connections {float(state['max'])}" in scraped
    assert "shoplet_db_pool_waiting 0.0" in scraped
