"""Races on PostgreSQL: twenty requests for one order's invoice at the same moment (two
phones, double taps) make exactly one invoice. SQLite serialises writers, so this runs on
PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.invoicing.factories import API, company_title, invoices_of, order_for
from tests.modules.orders.console_factories import shopper_headers

REQUESTS = 20


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def test_twenty_concurrent_requests_make_one_invoice(
    backend_db: BackendDb, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    async with app_with_pool(backend_db, ctx, REQUESTS) as app:
        order_no = await order_for(app, ctx)
        title = await company_title(client, ctx)
        start = asyncio.Event()
        transport = httpx.ASGITransport(app=app)

        async def ask() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    f"{API}/orders/{order_no}/invoices",
                    json={"title_id": title["id"]},
                    headers=shopper_headers(ctx),
                )

        tasks = [asyncio.create_task(ask()) for _ in range(REQUESTS)]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(201, None): 1, (409, "invoicing.already_requested"): REQUESTS - 1}
    [row] = await invoices_of(ctx, order_no)
    assert (row.status, row.amount, row.active_order_no) == ("pending", 22600, order_no)
