"""Sharing's counters under concurrency, on PostgreSQL (SQLite serialises writers): forty
visitors through one link at once (forty visits), one visitor's twenty simultaneous opens (one
visit, one event), twenty sharers' links opened by one shopper at once (exactly one brings
them), and one order's news delivered twenty times at once (one conversion)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import OutboxEvent
from shoplet.modules.social import public as social
from shoplet.modules.social.sharing import service as sharing
from shoplet.modules.social.sharing.models import (
    ShareAttribution,
    ShareConversion,
    ShareLink,
    ShareVisit,
)
from tests.conftest import BackendDb
from tests.modules.orders.factories import product
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


async def _link(ctx: AppContext, sharer: int, product_id: int) -> str:
    async with unit_of_work(ctx.sessionmaker) as s:
        return (await sharing.create_link(s, sharer, "product", str(product_id))).code


def _opens(code: str, member_id: int | None, device: str | None = None) -> Any:
    async def call(pooled: AppContext) -> Any:
        async with unit_of_work(pooled.sessionmaker) as s:
            return await sharing.resolve(s, code, member_id=member_id, visitor_id=device)

    return call


async def _count(ctx: AppContext, model: Any, *where: Any) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_forty_visitors_at_once_are_forty_visits(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    code = await _link(ctx, 1, product_id)

    calls = [_opens(code, 1000 + i) for i in range(RACERS // 2)]
    calls += [_opens(code, None, f"device-{i:04d}") for i in range(RACERS // 2)]
    found = await _at_once(backend_db, ctx, calls)

    assert all(r.recorded for r in found)
    async with ctx.sessionmaker() as s:
        link = await s.scalar(select(ShareLink).where(ShareLink.code == code))
    assert link is not None
    assert link.visits == RACERS
    assert await _count(ctx, ShareVisit) == RACERS
    assert await _count(ctx, ShareAttribution) == RACERS // 2


async def test_one_visitor_opening_twenty_times_at_once_is_one_visit(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    code = await _link(ctx, 1, product_id)

    found = await _at_once(backend_db, ctx, [_opens(code, 7) for _ in range(20)])

    assert sum(r.recorded for r in found) == 1
    assert sum(r.first_touch for r in found) == 1
    async with ctx.sessionmaker() as s:
        link = await s.scalar(select(ShareLink).where(ShareLink.code == code))
    assert link is not None
    assert link.visits == 1
    assert await _count(ctx, OutboxEvent, OutboxEvent.type == social.SHARE_VISITED) == 1


async def test_twenty_sharers_racing_for_one_shopper_one_brings_them(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    codes = [await _link(ctx, 100 + i, product_id) for i in range(20)]

    found = await _at_once(backend_db, ctx, [_opens(code, 7) for code in codes])

    winners = [r for r in found if r.first_touch]
    assert len(winners) == 1
    async with ctx.sessionmaker() as s:
        attribution = await s.get(ShareAttribution, 7)
        winner = await s.scalar(select(ShareLink).where(ShareLink.code == winners[0].code))
    assert attribution is not None
    assert winner is not None
    assert attribution.link_id == winner.id
    assert await _count(ctx, ShareVisit) == 20


async def test_one_orders_news_twenty_times_at_once_converts_once(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    code = await _link(ctx, 1, product_id)
    async with unit_of_work(ctx.sessionmaker) as s:
        await sharing.resolve(s, code, member_id=7, visitor_id=None)
    payload = {"order_no": "S202612040001", "member_id": 7, "payable_total": 5900}

    async def paid(pooled: AppContext) -> None:
        async with unit_of_work(pooled.sessionmaker) as s:
            await sharing.handle_order_paid(s, payload)

    await _at_once(backend_db, ctx, [paid for _ in range(20)])

    async with ctx.sessionmaker() as s:
        link = await s.scalar(select(ShareLink).where(ShareLink.code == code))
    assert link is not None
    assert (link.orders, link.order_amount) == (1, 5900)
    assert await _count(ctx, ShareConversion) == 1
    assert await _count(ctx, OutboxEvent, OutboxEvent.type == social.SHARE_CONVERTED) == 1
