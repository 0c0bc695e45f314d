"""Bargain races on PostgreSQL (SQLite serialises writers), each racer a transaction of its own
on its own connection: thirty friends cutting one bargain at once (never below the floor, each
counted once, the price equal to the start less the cuts recorded), one friend firing ten cuts
at once (exactly one lands), and initiators buying at once against a budget that fits only some
of them (claimed atomically: never passed, the claim that reaches it stops the campaign)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.errors import ShopletError
from shoplet.modules.social.bargain import service
from shoplet.modules.social.bargain.models import Bargain, BargainCut, BargainQuota
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import make_buyers
from tests.modules.orders.factories import level, one_sku
from tests.modules.social.bargain_factories import bargain_row, campaign_row, make_campaign
from tests.races import pooled_context, released_together

HELPERS = 30


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _race(
    backend_db: BackendDb, ctx: AppContext, jobs: list[Callable[[AppContext], Awaitable[Any]]]
) -> Counter[str]:
    """Run every job at once on a pool of its own: outcome -> count ("ok" or the error code)."""

    async def one(pooled: AppContext, job: Callable[[AppContext], Awaitable[Any]]) -> str:
        try:
            await job(pooled)
        except ShopletError as exc:
            return exc.code
        return "ok"

    async with pooled_context(backend_db, ctx, len(jobs)) as racing:
        outcomes = await released_together(
            racing, [functools.partial(one, job=job) for job in jobs]
        )
    return Counter(outcomes)


async def _started(ctx: AppContext, member_id: int, campaign_id: int) -> str:
    async with unit_of_work(ctx.sessionmaker) as s:
        view = await service.start_bargain(s, member_id=member_id, campaign_id=campaign_id)
    return view.share_id


def _cutter(member_id: int, share_id: str, ip: str) -> Callable[[AppContext], Awaitable[Any]]:
    async def job(c: AppContext) -> None:
        async with unit_of_work(c.sessionmaker) as s:
            await service.cut_bargain(
                s, member_id=member_id, share_id=share_id, ip=ip, device_id=None
            )

    return job


async def _cut_rows(ctx: AppContext, share_id: str) -> list[BargainCut]:
    bargain = await bargain_row(ctx, share_id)
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(BargainCut).where(BargainCut.bargain_id == bargain.id)))


@pytest.mark.parametrize("helpers_needed", [10, 60])
async def test_thirty_friends_cut_at_once_never_below_the_floor(
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
    helpers_needed: int,
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=helpers_needed)
    [initiator, *friends] = await make_buyers(ctx, HELPERS + 1)
    share = await _started(ctx, initiator.member_id, campaign["id"])

    outcomes = await _race(
        backend_db,
        ctx,
        [_cutter(f.member_id, share, f"10.0.{i // 200}.{i % 200}") for i, f in enumerate(friends)],
    )

    bargain = await bargain_row(ctx, share)
    rows = await _cut_rows(ctx, share)
    assert bargain.current_price >= bargain.floor_price == 1900
    assert outcomes["ok"] == bargain.helpers == len(rows)
    assert len({r.helper_member_id for r in rows}) == len(rows)
    assert bargain.current_price == 5900 - sum(r.amount for r in rows)
    if bargain.current_price > bargain.floor_price:
        assert outcomes == {"ok": HELPERS}
    else:  # the floor was reached: the rest were told so
        assert outcomes == {"ok": len(rows), "social.bargain_at_floor": HELPERS - len(rows)}
    if helpers_needed == 10:
        assert bargain.current_price == 1900


async def test_one_friend_firing_ten_cuts_at_once_cuts_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=5)
    initiator, friend = await make_buyers(ctx, 2)
    share = await _started(ctx, initiator.member_id, campaign["id"])

    outcomes = await _race(
        backend_db, ctx, [_cutter(friend.member_id, share, "10.1.0.1") for _ in range(10)]
    )

    assert outcomes == {"ok": 1, "social.bargain_already_cut": 9}
    [row] = await _cut_rows(ctx, share)
    bargain = await bargain_row(ctx, share)
    assert (bargain.helpers, bargain.current_price) == (1, 5900 - row.amount)
    async with ctx.sessionmaker() as s:
        used = await s.scalar(select(func.sum(BargainQuota.used)))
    assert used == 1  # the refused twins counted nothing against the IP cap


async def test_initiators_buying_at_once_claim_the_budget_atomically(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=100)
    # Each bargain ends 4000 fen off (one helper); the budget pays for exactly four of them.
    campaign = await make_campaign(
        client, staff, sku_id, helpers_needed=1, budget=16_000, max_bargains=100
    )
    buyers = await make_buyers(ctx, 20)
    initiators, friends = buyers[:10], buyers[10:]
    shares = []
    for i, (who, friend) in enumerate(zip(initiators, friends, strict=True)):
        share = await _started(ctx, who.member_id, campaign["id"])
        await _cutter(friend.member_id, share, f"10.2.0.{i}")(ctx)
        shares.append(share)

    def buyer(
        member_id: int, address_id: int, share: str
    ) -> Callable[[AppContext], Awaitable[Any]]:
        async def job(c: AppContext) -> None:
            async with unit_of_work(c.sessionmaker) as s:
                await service.buy_bargain(
                    s, c, member_id=member_id, share_id=share, address_id=address_id
                )

        return job

    outcomes = await _race(
        backend_db,
        ctx,
        [buyer(w.member_id, w.address_id, s) for w, s in zip(initiators, shares, strict=True)],
    )

    assert outcomes == {"ok": 4, "social.bargain_budget_exhausted": 6}
    row = await campaign_row(ctx, campaign["id"])
    assert (row.subsidy_spent, row.status) == (16_000, "stopped")
    statuses = Counter([(await bargain_row(ctx, s)).status for s in shares])
    assert statuses == {"ordered": 4, "open": 6}
    assert await level(ctx, sku_id) == (100, 4)  # four orders hold a unit each


async def test_one_shopper_starting_ten_bargains_at_once_holds_only_the_limit(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    """The per-shopper limit is claimed (social_quota, one conditional UPDATE), not counted: ten
    starts at once by one shopper with a limit of two hold exactly two bargains."""
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, per_member_limit=2)
    [alice] = await make_buyers(ctx, 1)

    def starter(c: AppContext) -> Awaitable[str]:
        return _started(c, alice.member_id, campaign["id"])

    outcomes = await _race(backend_db, ctx, [starter for _ in range(10)])

    assert outcomes == {"ok": 2, "social.bargain_limit_reached": 8}
    async with ctx.sessionmaker() as s:
        held = await s.scalar(
            select(func.count()).select_from(Bargain).where(Bargain.member_id == alice.member_id)
        )
    assert held == 2
    assert (await campaign_row(ctx, campaign["id"])).bargains_started == 2
