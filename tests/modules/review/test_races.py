"""Review races on PostgreSQL: the same order line reviewed from two devices at once, two
moderators hiding one review at once, and five reviews written at once against a daily points
cap of three. SQLite serialises writers, so these run on PostgreSQL
only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.orders.factories import product, shopper
from tests.modules.review.factories import (
    CONSOLE,
    REVIEWS,
    bought,
    growth_entries,
    point_entries,
    points_balance,
    review_rows,
    upload,
    write,
)


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def test_one_line_reviewed_from_two_devices_gives_one_review_and_one_grant(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 8) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(text: str) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    REVIEWS,
                    json={"order_no": order_no, "line_id": line, "rating": 5, "content": text},
                    headers=alice.headers,
                )

        tasks = [asyncio.create_task(go(f"第{i}台设备")) for i in range(6)]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(201, None): 1, (409, "review.already_reviewed"): 5}
    [row] = await review_rows(ctx)
    assert await growth_entries(ctx, alice.member_id) == [(5, "review", f"review:{row.id}:1")]


async def test_two_moderators_hiding_at_once_take_growth_back_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    photo = await upload(client, alice)
    review_id = (await write(client, alice, order_no, line, photo_ids=[photo])).json()["id"]
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 8) as app:
        transport = httpx.ASGITransport(app=app)

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(f"{CONSOLE}/{review_id}/hide", headers=staff)

        tasks = [asyncio.create_task(go()) for _ in range(4)]
        start.set()
        responses = await asyncio.gather(*tasks)

    assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses]
    assert any(r.status_code == 200 for r in responses)
    assert await growth_entries(ctx, alice.member_id) == [
        (5, "review", f"review:{review_id}:1"),
        (-5, "review", f"review:{review_id}:2"),
    ]


async def test_five_reviews_at_once_earn_points_for_exactly_the_daily_cap(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    settings = (await client.get("/api/v1/console/loyalty/settings", headers=staff)).json()
    body = {k: v for k, v in settings.items() if k not in ("updated_by", "updated_at")}
    changed = await client.put(
        "/api/v1/console/loyalty/settings",
        json={**body, "review_points": 10, "review_points_daily": 3},
        headers=staff,
    )
    assert changed.status_code == 200, changed.text
    alice = await shopper(client)
    skus = await product(ctx, *[(1900 + 100 * i, 20) for i in range(5)])
    order_no, lines, _ = await bought(client, ctx, alice, product_id_and_skus=skus)
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 8) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(line: int) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    REVIEWS,
                    json={"order_no": order_no, "line_id": line, "rating": 5},
                    headers=alice.headers,
                )

        tasks = [asyncio.create_task(go(line)) for line in lines]
        start.set()
        responses = await asyncio.gather(*tasks)

    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert sorted(r.json()["points"] for r in responses) == [0, 0, 10, 10, 10]
    entries = await point_entries(ctx, alice.member_id)
    assert [(kind, points) for kind, points, _ in entries] == [("earn", 10)] * 3
    assert await points_balance(ctx, alice.member_id) == 30
