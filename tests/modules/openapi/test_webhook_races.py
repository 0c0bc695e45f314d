"""Races on PostgreSQL: many staff clicking 重发 on one dead delivery at once queue it once;
two workers claiming at once never take the same delivery."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.openapi import webhooks
from shoplet.modules.openapi.models import WebhookDelivery
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.openapi.factories import CONSOLE, make_app, owner
from tests.modules.openapi.test_webhooks import deliveries, product_event, subscribe
from tests.modules.staff.conftest import audit_rows

CLICKS = 20


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the races run on PostgreSQL")


async def test_concurrent_resend_clicks_queue_one_delivery(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    await subscribe(
        client,
        staff,
        partner["app"]["id"],
        "http://127.0.0.1:9/hooks",
        event_types=["product.updated"],
    )
    await product_event(ctx)
    (queued,) = await deliveries(ctx)
    # The delivery's story so far does not matter here: it is dead.
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == queued.id)
            .values(status="dead", next_attempt_at=None, round_attempts=9, attempts=9)
        )
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, CLICKS) as app:
        transport = httpx.ASGITransport(app=app)

        async def click() -> int:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                response = await c.post(
                    f"{CONSOLE}/webhook-deliveries/{queued.id}/resend", headers=staff
                )
                return response.status_code

        tasks = [asyncio.create_task(click()) for _ in range(CLICKS)]
        start.set()
        outcomes = Counter(await asyncio.gather(*tasks))
    assert outcomes == {200: 1, 409: CLICKS - 1}
    (row,) = await deliveries(ctx)
    assert (row.status, row.round_attempts) == ("pending", 0)
    assert len(await audit_rows(ctx, "openapi.webhook_resend")) == 1


async def test_concurrent_claims_take_disjoint_deliveries(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    for n in range(3):
        await subscribe(
            client,
            staff,
            partner["app"]["id"],
            f"http://127.0.0.1:9/hooks/{n}",
            event_types=["product.updated"],
        )
    await product_event(ctx, "保温杯")
    await product_event(ctx, "马克杯")
    now = utcnow() + timedelta(seconds=1)
    claims = await asyncio.gather(*(webhooks.claim(ctx, now=now, limit=2) for _ in range(6)))
    taken = [c.delivery_id for claim in claims for c in claim]
    # SKIP LOCKED: a claim may come back short while others hold rows, never with a row twice.
    assert len(taken) == len(set(taken))
    rest = [c.delivery_id for c in await webhooks.claim(ctx, now=now, limit=10)]
    assert sorted(taken + rest) == sorted(d.id for d in await deliveries(ctx))
