"""Points races on PostgreSQL: two and twenty checkouts at once spending one account's points,
and sign-ins racing on one day. SQLite serialises writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.modules.loyalty.api import get_clock
from shoplet.modules.orders.models import Order
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool, make_buyers
from tests.modules.loyalty.factories import SIGNIN, assert_books_balance, balance, grant, kinds
from tests.modules.orders.factories import ORDERS, Shopper, level, new_key, one_sku


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def orders_of(ctx: AppContext, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(Order).where(Order.member_id == member_id)
            )
            or 0
        )


async def _race(
    backend_db: BackendDb, ctx: AppContext, who: Shopper, *, sku_id: int, n: int, points: int
) -> list[httpx.Response]:
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, min(n, 20)) as app:
        transport = httpx.ASGITransport(app=app)

        async def buy() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    ORDERS,
                    json={
                        "address_id": who.address_id,
                        "items": [{"sku_id": sku_id, "quantity": 1}],
                        "points": points,
                    },
                    headers={**who.headers, "Idempotency-Key": new_key()},
                )

        tasks = [asyncio.create_task(buy()) for _ in range(n)]
        start.set()
        return await asyncio.gather(*tasks)


def outcomes(responses: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    return Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )


@pytest.mark.parametrize(
    ("orders", "points", "held", "affordable"), [(2, 600, 1000, 1), (20, 100, 1000, 10)]
)
async def test_concurrent_checkouts_never_overspend_one_account(
    backend_db: BackendDb,
    ctx: AppContext,
    *,
    orders: int,
    points: int,
    held: int,
    affordable: int,
) -> None:
    [alice] = await make_buyers(ctx, 1)
    await grant(ctx, alice.member_id, held)
    sku_id = await one_sku(ctx, price=5900, stock=orders)

    responses = await _race(backend_db, ctx, alice, sku_id=sku_id, n=orders, points=points)

    assert outcomes(responses) == {
        (201, None): affordable,
        (409, "loyalty.insufficient_points"): orders - affordable,
    }
    assert await balance(ctx, alice.member_id) == held - affordable * points
    assert await orders_of(ctx, alice.member_id) == affordable  # the others rolled back
    assert await level(ctx, sku_id) == (orders, affordable)  # only theirs hold stock
    spends = [k for k in await kinds(ctx, alice.member_id) if k[0] == "spend"]
    assert spends == [("spend", "order", -points)] * affordable
    await assert_books_balance(ctx)


async def test_sign_ins_at_once_on_one_day_give_one_reward(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    [alice] = await make_buyers(ctx, 1)
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 10) as app:
        app.dependency_overrides[get_clock] = lambda: lambda: datetime(2026, 12, 3, 4, tzinfo=UTC)
        transport = httpx.ASGITransport(app=app)

        async def sign() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(SIGNIN, headers=alice.headers)

        tasks = [asyncio.create_task(sign()) for _ in range(10)]
        start.set()
        responses = await asyncio.gather(*tasks)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "loyalty.already_signed_in"
    }
    assert await balance(ctx, alice.member_id) == 5
    assert await kinds(ctx, alice.member_id) == [("earn", "signin", 5)]
