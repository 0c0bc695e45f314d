"""The merge lock: member-keyed writes hold the member row (``members.hold_member``), so an
account merge and the absorbed account's own actions never leave a row on the absorbed id.

On PostgreSQL, N concurrent actions of the absorbed shopper (cart add, coupon claim, an order
paid partly with points) race one merge: afterwards no row is keyed by the absorbed id, every
action that succeeded sits on the survivor exactly once, and every refused one got 409
``members.already_merged`` and changed nothing. On both databases, an action after the merge is
refused with nothing written. tests/test_merge_hold.py checks that no write path skips the hold.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.cart.models import CartLine
from shoplet.modules.loyalty.models import PointsEntry
from shoplet.modules.members import public as members
from shoplet.modules.orders.models import Order
from shoplet.modules.promotions.models import Coupon
from tests.conftest import BackendDb, snapshot
from tests.modules.checkout.test_races import app_with_pool, make_buyers
from tests.modules.loyalty.factories import balance, grant
from tests.modules.orders.factories import CART_LINES, ORDERS, Shopper, level, new_key, one_sku
from tests.modules.promotions.factories import CENTRE, make_template
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

N = 12
STAGGER = 0.01  # seconds between the second half's starts
MERGED = (409, "members.already_merged")
Act = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def rows(ctx: AppContext, model: Any, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        found = await s.scalar(
            select(func.count()).select_from(model).where(model.member_id == member_id)
        )
    return int(found or 0)


async def merge(ctx: AppContext, absorbed: Shopper, survivor: Shopper) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await members.merge_members(
            s,
            ctx,
            from_id=absorbed.member_id,
            into_id=survivor.member_id,
            reason="race",
            now=utcnow(),
        )


async def race(
    backend_db: BackendDb, ctx: AppContext, absorbed: Shopper, survivor: Shopper, act: Act
) -> Counter[tuple[int, str | None]]:
    """``N`` actions of the absorbed shopper: the first half at once, then the merge together
    with the second half (``STAGGER`` apart, so some land before the merge takes the member
    row, some while it runs, some after). The outcomes by (status, problem code)."""
    start, half_done = asyncio.Event(), asyncio.Event()
    finished: list[int] = []
    async with app_with_pool(backend_db, ctx, N + 2) as app:
        transport = httpx.ASGITransport(app=app)
        pooled: AppContext = app.state.ctx

        async def one(i: int) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                if i < N // 2:
                    await start.wait()
                else:
                    await half_done.wait()
                    await asyncio.sleep((i - N // 2) * STAGGER)
                response = await act(c)
            finished.append(i)
            if len(finished) == N // 2:
                half_done.set()
            return response

        async def merging() -> None:
            await half_done.wait()
            await asyncio.sleep(N // 4 * STAGGER)  # a few of the second half are in flight
            await merge(pooled, absorbed, survivor)

        tasks = [asyncio.create_task(one(i)) for i in range(N)]
        merged = asyncio.create_task(merging())
        start.set()
        responses = await asyncio.gather(*tasks)
        await merged
    return Counter(
        (r.status_code, None if r.status_code < 300 else r.json()["code"]) for r in responses
    )


def successes(outcomes: Counter[tuple[int, str | None]], status: int) -> int:
    assert set(outcomes) <= {(status, None), MERGED}, outcomes
    assert sum(outcomes.values()) == N
    assert outcomes[status, None] >= N // 2  # the first half finished before the merge began
    return outcomes[status, None]


@pytest.fixture
def _postgres(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


@pytest.mark.usefixtures("_postgres")
async def test_cart_adds_racing_a_merge_land_on_the_survivor(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    absorbed, survivor = await make_buyers(ctx, 2)
    sku_id = await one_sku(ctx, stock=50)

    async def add(c: httpx.AsyncClient) -> httpx.Response:
        body = {"sku_id": sku_id, "quantity": 1}
        return await c.post(CART_LINES, json=body, headers=absorbed.headers)

    got = await race(backend_db, ctx, absorbed, survivor, add)
    added = successes(got, 200)
    assert await rows(ctx, CartLine, absorbed.member_id) == 0
    async with ctx.sessionmaker() as s:
        quantity = await s.scalar(
            select(CartLine.quantity).where(CartLine.member_id == survivor.member_id)
        )
    # Every add that succeeded is in the survivor's line, once; a refused one added nothing.
    assert (quantity or 0) == added


@pytest.mark.usefixtures("_postgres")
async def test_coupon_claims_racing_a_merge_land_on_the_survivor(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = staff_bearer(await token_for(client, ctx, "olivia", role="operator"))
    template = await make_template(client, staff, per_shopper_limit=N, total_quota=100)
    absorbed, survivor = await make_buyers(ctx, 2)

    async def claim(c: httpx.AsyncClient) -> httpx.Response:
        return await c.post(f"{CENTRE}/{template['id']}/claim", headers=absorbed.headers)

    got = await race(backend_db, ctx, absorbed, survivor, claim)
    claimed = successes(got, 201)
    assert await rows(ctx, Coupon, absorbed.member_id) == 0
    assert await rows(ctx, Coupon, survivor.member_id) == claimed


@pytest.mark.usefixtures("_postgres")
async def test_orders_with_points_racing_a_merge_land_on_the_survivor(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    absorbed, survivor = await make_buyers(ctx, 2)
    await grant(ctx, absorbed.member_id, 1000)
    sku_id = await one_sku(ctx, price=5900, stock=N)

    async def buy(c: httpx.AsyncClient) -> httpx.Response:
        return await c.post(
            ORDERS,
            json={
                "address_id": absorbed.address_id,
                "items": [{"sku_id": sku_id, "quantity": 1}],
                "points": 50,
            },
            headers={**absorbed.headers, "Idempotency-Key": new_key()},
        )

    got = await race(backend_db, ctx, absorbed, survivor, buy)
    placed = successes(got, 201)
    assert await rows(ctx, Order, absorbed.member_id) == 0
    assert await rows(ctx, PointsEntry, absorbed.member_id) == 0
    assert await rows(ctx, Order, survivor.member_id) == placed
    # The points moved with the account, less what the placed orders spent; stock is held for
    # exactly those orders.
    assert await balance(ctx, survivor.member_id) == 1000 - 50 * placed
    assert await level(ctx, sku_id) == (N, placed)


async def test_an_absorbed_accounts_actions_are_refused_with_nothing_written(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    """After the merge the absorbed account's (still signed) token gets 409
    ``members.already_merged`` on every member-keyed write, and no row changes."""
    staff = staff_bearer(await token_for(client, ctx, "olivia", role="operator"))
    template = await make_template(client, staff)
    absorbed, survivor = await make_buyers(ctx, 2)
    await grant(ctx, absorbed.member_id, 100)
    sku_id = await one_sku(ctx, stock=5)
    await merge(ctx, absorbed, survivor)
    tables = (
        "cart_line",
        "cart_favorite",
        "promotions_coupon",
        "orders_order",
        "loyalty_points_entry",
        "members_address",
    )
    before = await snapshot(ctx, *tables)
    headers = absorbed.headers
    attempts = [
        await client.post(CART_LINES, json={"sku_id": sku_id, "quantity": 1}, headers=headers),
        await client.post(f"{CENTRE}/{template['id']}/claim", headers=headers),
        await client.post(
            ORDERS,
            json={"address_id": absorbed.address_id, "items": [{"sku_id": sku_id, "quantity": 1}]},
            headers={**headers, "Idempotency-Key": new_key()},
        ),
    ]
    for response in attempts:
        assert (response.status_code, response.json()["code"]) == MERGED, response.text
    assert await snapshot(ctx, *tables) == before


async def test_a_shipment_raised_before_a_merge_lands_on_the_survivor(ctx: AppContext) -> None:
    """ORDER_SHIPPED carries the buyer's id as it was when the order shipped; handled after the
    buyer's account was merged, the shipment goes to the survivor (a worker is never refused,
    or its event would be retried forever)."""
    from shoplet.core.events.registry import Event
    from shoplet.modules.fulfillment.models import Shipment
    from shoplet.modules.orders import tasks as order_tasks

    absorbed, survivor = await make_buyers(ctx, 2)
    await merge(ctx, absorbed, survivor)
    event = Event(
        id="evt-merge-ship",
        type="order.shipped",
        key="SH-MERGED-1",
        payload={
            "order_no": "SH-MERGED-1",
            "member_id": absorbed.member_id,
            "carrier": "SF",
            "tracking_no": "SF1234567890",
        },
        occurred_at=utcnow(),
    )
    async with unit_of_work(ctx.sessionmaker) as s:
        await order_tasks.track_shipment(event, s)
    assert await rows(ctx, Shipment, absorbed.member_id) == 0
    assert await rows(ctx, Shipment, survivor.member_id) == 1
