"""Reviewers racing on PostgreSQL: eight staff sessions approving and rejecting the same held
review at once make exactly one decision (one decision row, one audit entry, one event), and
the review ends as that decision says. SQLite serialises writers, so this runs on PostgreSQL
only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.moderation.factories import CONSOLE, add_word, decisions, item_of
from tests.modules.orders.factories import shopper
from tests.modules.review.factories import bought, review_rows, write
from tests.modules.staff.conftest import audit_rows


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def test_reviewers_deciding_one_item_at_once_make_one_decision(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await add_word(client, staff, "返现", "ads", "hold")
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    review = (await write(client, alice, order_no, line, content="好评返 现")).json()
    item = await item_of(ctx, review["id"])
    assert item.status == "held"
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 8) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(i: int) -> httpx.Response:
            verb = "approve" if i % 2 else "reject"
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    f"{CONSOLE}/items/{item.id}/{verb}", json={"reason": f"#{i}"}, headers=staff
                )

        tasks = [asyncio.create_task(go(i)) for i in range(8)]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 200 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(200, None): 1, (409, "moderation.already_decided"): 7}
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert await decisions(ctx, item.id) == [
        (None, "held", "filter"),
        ("held", winner["status"], "staff"),
    ]
    decided = [
        a for a in await audit_rows(ctx) if a.action in ("moderation.approve", "moderation.reject")
    ]
    assert len(decided) == 1
    await drain_outbox(ctx)
    [row] = await review_rows(ctx)
    assert row.status == ("approved" if winner["status"] == "approved" else "hidden")
