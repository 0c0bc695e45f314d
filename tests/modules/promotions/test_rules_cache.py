"""Checkout plans with the live promotions and the stacking policy cached per process (one
``promotions_rules`` entry): a promotion started or stopped, or the policy saved, in the
console is seen by the very next preview of this process, and (PostgreSQL + Redis) by another
process whose cache still held the old rules, within a second (the invalidation channel)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from shoplet.core.cache import Cache, attach_cache
from shoplet.core.context import AppContext
from shoplet.core.db import create_sessionmaker, read_session
from shoplet.core.observability import Metrics
from shoplet.modules.promotions import public as promotions
from tests.modules.orders.factories import shopper
from tests.modules.promotions.factories import POLICY, PROMOTIONS, make_promotion
from tests.modules.promotions.test_checkout_coupons import preview
from tests.modules.promotions.test_promotions_api import catalog, staff

__all__ = ["staff"]


def savings(response: httpx.Response) -> list[tuple[int, int]]:
    assert response.status_code == 200, response.text
    return [(p["saving"], p["trimmed"]) for p in response.json()["promotions"]]


async def test_a_saved_change_is_seen_by_the_next_preview(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, a2, _, b = await catalog(ctx)
    alice = await shopper(client)
    items = [(a1, 2), (a2, 1), (b, 1)]
    assert savings(await preview(client, alice, items)) == []  # cached: nothing runs

    full = await make_promotion(client, staff)  # 满300减30 on the 370.00 of goods
    assert savings(await preview(client, alice, items)) == [(3000, 0)]

    saved = await client.put(POLICY, json={"max_discount_permille": 50}, headers=staff)
    assert saved.status_code == 200, saved.text
    # At most 5% of 37000 off: the 满减 keeps 1850 of 3000.
    assert savings(await preview(client, alice, items)) == [(1850, 1150)]

    stopped = await client.post(f"{PROMOTIONS}/{full['id']}/stop", headers=staff)
    assert stopped.status_code == 200, stopped.text
    assert savings(await preview(client, alice, items)) == []


async def test_another_process_sees_a_promotion_started_and_stopped(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("embedded mode is one process: there is no other replica to tell")
    other = Cache(ctx.redis, Metrics(), namespace=ctx.settings.redis_prefix)
    await other.start()
    sessionmaker = create_sessionmaker(ctx.engine)
    attach_cache(sessionmaker, other)

    async def running() -> list[int]:
        async with read_session(sessionmaker) as session:
            plan = await promotions.plan_cart(
                session, member_id=None, lines=[], coupons=[], coupon_forced=False, shipping_fee=0
            )
        return [rule.id for rule in plan.rules]

    async def within_a_second(expected: list[int]) -> None:
        start = time.monotonic()
        while (found := await running()) != expected:
            assert time.monotonic() - start < 1.0, found
            await asyncio.sleep(0.01)

    try:
        assert await running() == []  # the other process now holds "nothing runs"
        full = await make_promotion(client, staff)
        await within_a_second([full["id"]])
        stopped = await client.post(f"{PROMOTIONS}/{full['id']}/stop", headers=staff)
        assert stopped.status_code == 200, stopped.text
        await within_a_second([])
    finally:
        await other.stop()
