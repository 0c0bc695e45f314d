"""Offline codes' counters under concurrency, on PostgreSQL (SQLite serialises writers): forty
shoppers and devices scanning one code at once, each twice (eighty scans, forty visitors), one
shopper scanning twenty codes at once (exactly one brings them), and forty shoppers' orders with
each order's news delivered three times at once (forty conversions, the exact revenue)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.social.offline import service as offline
from shoplet.modules.social.offline.models import (
    OfflineAttribution,
    OfflineCode,
    OfflineConversion,
    OfflineVisit,
)
from shoplet.modules.social.offline.schemas import OfflineCodeCreate
from tests.conftest import BackendDb
from tests.races import pooled_context, released_together

RACERS = 40


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _at_once(
    backend_db: BackendDb, ctx: AppContext, calls: list[Callable[[AppContext], Awaitable[Any]]]
) -> list[Any]:
    """Every call on its own connection and transaction, all released together."""
    async with pooled_context(backend_db, ctx, 20) as racing:
        return await released_together(racing, calls)


async def _code(ctx: AppContext, label: str = "货架") -> str:
    body = OfflineCodeCreate(label=label, placement="shelf")
    async with unit_of_work(ctx.sessionmaker) as s:
        made = await offline.create_code(s, body, staff_id=1, origin="https://shop.example")
    return made.code


def _scan(code: str, member_id: int | None, device: str | None = None) -> Any:
    async def call(pooled: AppContext) -> Any:
        async with unit_of_work(pooled.sessionmaker) as s:
            return await offline.resolve(s, code, member_id=member_id, visitor_id=device)

    return call


async def _row(ctx: AppContext, code: str) -> OfflineCode:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(OfflineCode).where(OfflineCode.code == code))
    assert row is not None
    return row


async def _count(ctx: AppContext, model: Any) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_forty_visitors_scanning_twice_at_once_are_exact(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    code = await _code(ctx)
    calls = [_scan(code, 1000 + i) for i in range(RACERS // 2)]
    calls += [_scan(code, None, f"device-{i:04d}") for i in range(RACERS // 2)]

    found = await _at_once(backend_db, ctx, calls + calls)

    assert sum(r.recorded for r in found) == RACERS
    row = await _row(ctx, code)
    assert (row.scans, row.visitors) == (2 * RACERS, RACERS)
    assert await _count(ctx, OfflineVisit) == RACERS
    assert await _count(ctx, OfflineAttribution) == RACERS // 2


async def test_one_shopper_scanning_twenty_codes_at_once_is_brought_by_one(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    codes = [await _code(ctx, f"货架{i}") for i in range(20)]

    found = await _at_once(backend_db, ctx, [_scan(code, 7) for code in codes])

    [winner] = [r for r in found if r.first_touch]
    async with ctx.sessionmaker() as s:
        attribution = await s.get(OfflineAttribution, 7)
    assert attribution is not None
    assert attribution.code_id == (await _row(ctx, winner.code)).id


async def test_forty_orders_delivered_three_times_at_once_convert_exactly(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    code = await _code(ctx)
    await _at_once(backend_db, ctx, [_scan(code, 2000 + i) for i in range(RACERS)])

    def paid(i: int) -> Callable[[AppContext], Awaitable[None]]:
        payload = {
            "order_no": f"S2026120600{i:04d}",
            "member_id": 2000 + i,
            "payable_total": 1000 + i,
        }

        async def call(pooled: AppContext) -> None:
            async with unit_of_work(pooled.sessionmaker) as s:
                await offline.handle_order_paid(s, payload)

        return call

    await _at_once(backend_db, ctx, [paid(i) for i in range(RACERS) for _ in range(3)])

    row = await _row(ctx, code)
    assert (row.orders, row.order_amount) == (RACERS, sum(1000 + i for i in range(RACERS)))
    assert await _count(ctx, OfflineConversion) == RACERS
