"""Distribution races on PostgreSQL (SQLite serialises writers), each racer on its own
connection: twenty withdrawals from one balance never overdraw it, the same ``order.paid``
handled five times at once makes one set of commissions, and two promoters' links opened by
one shopper at once bind her once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.social.distribution import commissions, repository, service, withdrawals
from shoplet.modules.social.distribution.models import Binding, Withdrawal
from tests.conftest import BackendDb
from tests.modules.orders.factories import product, shopper
from tests.modules.orders.test_aftersales import paid_order
from tests.modules.social.dist_factories import (
    bind,
    centre,
    commissions_of,
    enable,
    make_promoter,
    promoter_row,
)
from tests.races import pooled_context

RACERS = 20


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def race(
    racing: AppContext, n: int, body: Callable[[AsyncSession, int], Awaitable[Any]]
) -> list[Any]:
    """``n`` transactions started together, each on its own connection: results or errors."""
    start = asyncio.Event()

    async def one(i: int) -> Any:
        await start.wait()
        try:
            async with unit_of_work(racing.sessionmaker) as s:
                return await body(s, i)
        except ShopletError as exc:
            return exc

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    start.set()
    return await asyncio.gather(*tasks)


async def test_twenty_withdrawals_never_overdraw_one_balance(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await enable(client, staff)
    bob = await shopper(client, "bob")
    await make_promoter(client, staff, bob)
    promoter = await promoter_row(ctx, bob.member_id)
    async with unit_of_work(ctx.sessionmaker) as s:
        await repository.add_available(s, promoter.id, 1000, utcnow())

    async with pooled_context(backend_db, ctx, RACERS + 2) as racing:
        results = await race(
            racing, RACERS, lambda s, _: withdrawals.request(s, bob.member_id, 150, 15, pii=ctx.pii)
        )
    won = [r for r in results if not isinstance(r, ShopletError)]
    lost = [r.code for r in results if isinstance(r, ShopletError)]
    assert len(won) == 6  # 6 × 150 = 900 of 1000
    assert set(lost) == {"social.withdrawal_insufficient_balance"}
    async with ctx.sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(Withdrawal))
    assert count == 6
    assert (await centre(client, bob))["balance"]["available"] == 100
    assert (await promoter_row(ctx, bob.member_id)).available == 100


async def test_one_order_paid_five_times_at_once_makes_one_set_of_commissions(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, [shirt] = await product(ctx, (5900, 20))
    await enable(client, staff)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    await bind(client, bob, await make_promoter(client, staff, alice))
    await bind(client, carol, await make_promoter(client, staff, bob))
    # Distribution off while the order is paid, so only the race below makes commissions.
    await enable(client, staff, is_enabled=False)
    order_no = await paid_order(client, ctx, carol, [(shirt, 2)])
    await enable(client, staff)
    assert await commissions_of(ctx, order_no) == []
    payload = {"order_no": order_no, "member_id": carol.member_id}

    async with pooled_context(backend_db, ctx, RACERS + 2) as racing:
        made = await race(racing, 5, lambda s, _: commissions.handle_order_paid(s, payload, 15))
    assert sorted(made) == [0, 0, 0, 0, 2]
    rows = await commissions_of(ctx, order_no)
    assert [(r.level, r.amount) for r in rows] == [(1, 1180), (2, 590)]


async def test_two_promoters_binding_one_shopper_at_once_bind_her_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await enable(client, staff)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    codes = [await make_promoter(client, staff, who) for who in (alice, bob)]

    async with pooled_context(backend_db, ctx, RACERS + 2) as racing:
        results = await race(racing, 2, lambda s, i: service.bind(s, carol.member_id, codes[i], 15))
    assert sorted(r.is_new for r in results) == [False, True]
    assert results[0].promoter_code == results[1].promoter_code
    async with ctx.sessionmaker() as s:
        rows = list(await s.scalars(select(Binding).where(Binding.member_id == carol.member_id)))
    assert len(rows) == 1
