"""Counters under concurrent writers: many order handlers at once never lose or double a count
(on PostgreSQL truly concurrent; SQLite serialises writers)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.recommend import repository as repo
from shoplet.modules.recommend.models import Bought, Item, Pair

CLIENTS = 24


async def test_concurrent_increments_are_all_counted(ctx: AppContext) -> None:
    async def one() -> None:
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.add_purchases(session, [(1, 2), (2, 1)], [1, 2])

    await asyncio.gather(*(one() for _ in range(CLIENTS)))

    async with ctx.sessionmaker() as session:
        pairs = {(p.product_id, p.other_id): p.count for p in await session.scalars(select(Pair))}
        items = {i.product_id: i.buyers for i in await session.scalars(select(Item))}
    assert pairs == {(1, 2): CLIENTS, (2, 1): CLIENTS}
    assert items == {1: CLIENTS, 2: CLIENTS}


async def test_a_product_is_claimed_once_per_member(ctx: AppContext) -> None:
    async def one() -> list[int]:
        async with unit_of_work(ctx.sessionmaker) as session:
            return await repo.claim_bought(session, 7, [10, 20])

    claims = await asyncio.gather(*(one() for _ in range(CLIENTS)))

    # Each product is new to the member for exactly one handler.
    assert sorted(p for claim in claims for p in claim) == [10, 20]
    async with ctx.sessionmaker() as session:
        rows = {(b.member_id, b.product_id) for b in await session.scalars(select(Bought))}
    assert rows == {(7, 10), (7, 20)}
