"""Points-mall races on PostgreSQL: fifty shoppers exchanging an item with ten units, and one
shopper whose points pay for two submitting eight exchanges at once. SQLite serialises
writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool, make_buyers
from tests.modules.loyalty.factories import assert_books_balance, balance, grant, kinds
from tests.modules.orders.factories import Shopper
from tests.modules.pointsmall.factories import SHOP_ITEMS, item_row, make_item, new_request_id
from tests.modules.promotions.factories import make_template


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _race(
    backend_db: BackendDb, ctx: AppContext, shoppers: list[Shopper], item_id: int
) -> list[httpx.Response]:
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, min(len(shoppers), 20)) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(who: Shopper) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    f"{SHOP_ITEMS}/{item_id}/exchange",
                    json={"request_id": new_request_id(), "quantity": 1},
                    headers=who.headers,
                )

        tasks = [asyncio.create_task(go(who)) for who in shoppers]
        start.set()
        return await asyncio.gather(*tasks)


def outcomes(responses: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    return Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )


async def test_fifty_shoppers_for_ten_units_make_exactly_ten_exchanges(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=100)
    item = await make_item(client, staff, template_id=template["id"], stock=10)
    buyers = await make_buyers(ctx, 50)
    for who in buyers:
        await grant(ctx, who.member_id, 500)

    responses = await _race(backend_db, ctx, buyers, item["id"])

    assert outcomes(responses) == {(201, None): 10, (409, "pointsmall.sold_out"): 40}
    assert (await item_row(ctx, item["id"])).sold == 10
    balances = [await balance(ctx, who.member_id) for who in buyers]
    assert Counter(balances) == {0: 10, 500: 40}  # only the winners paid
    await assert_books_balance(ctx)


async def test_one_shopper_with_points_for_two_gets_exactly_two_of_eight(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=100, per_shopper_limit=10)
    item = await make_item(client, staff, template_id=template["id"], stock=10, per_member_limit=10)
    [alice] = await make_buyers(ctx, 1)
    await grant(ctx, alice.member_id, 1000)

    responses = await _race(backend_db, ctx, [alice] * 8, item["id"])

    assert outcomes(responses) == {(201, None): 2, (409, "loyalty.insufficient_points"): 6}
    assert await balance(ctx, alice.member_id) == 0
    assert (await item_row(ctx, item["id"])).sold == 2  # the refused ones gave their unit back
    spends = [k for k in await kinds(ctx, alice.member_id) if k[0] == "spend"]
    assert spends == [("spend", "mall", -500)] * 2
    await assert_books_balance(ctx)
