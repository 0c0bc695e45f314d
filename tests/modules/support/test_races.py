"""Support chat races on PostgreSQL: twenty staff members claiming one conversation at once
(one wins), and thirty messages sent at once against a limit of ten per ten seconds (exactly
ten stored). SQLite serialises writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.staff.service import issue_token
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, make_staff
from tests.modules.support.factories import SEND, console_url, message_rows, open_chat


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def test_twenty_staff_claiming_at_once_one_wins(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    alice = await shopper(client)
    cid = (await open_chat(client, alice))["id"]
    # Tokens straight from the service: twenty sign-ins in a row would meet the login limit.
    agents = [
        bearer(issue_token(ctx, await make_staff(ctx, f"kefu{i}", role="support")).access_token)
        for i in range(20)
    ]
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 10) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(headers: dict[str, str]) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(console_url(cid, "claim"), headers=headers)

        tasks = [asyncio.create_task(go(h)) for h in agents]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 200 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(200, None): 1, (409, "support.already_assigned"): 19}
    winner = next(r for r in responses if r.status_code == 200).json()["assignee_id"]
    assert [(m.body, m.staff_id) for m in await message_rows(ctx)] == [("claimed", winner)]


async def test_thirty_messages_at_once_against_ten_per_ten_seconds_store_ten(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    alice = await shopper(client)
    await open_chat(client, alice)
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 10) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(i: int) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    SEND, json={"kind": "text", "text": f"第{i}条"}, headers=alice.headers
                )

        tasks = [asyncio.create_task(go(i)) for i in range(30)]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(201, None): 10, (429, "support.rate_limited"): 20}
    assert len(await message_rows(ctx)) == 10
