"""Webhooks against a real HTTP receiver on a free port (aiohttp): events queued from the outbox,
retries on the schedule until delivered, dead letters, fail-fast 4xx, a worker that dies
mid-delivery (the receiver sees the same event id again), resend, replay, test ping, and bad
subscription input changing nothing. The worker's clock and jitter are injected: no sleeps."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.openapi import webhooks
from shoplet.modules.openapi.models import WebhookDelivery
from shoplet.modules.openapi.tasks import DELIVER_JOB
from tests.conftest import snapshot
from tests.modules.openapi.factories import CONSOLE, make_app, owner
from tests.modules.openapi.test_sdk import sdk
from tests.modules.openapi.webhook_receiver import receiver
from tests.modules.orders.console_factories import make_sku, paid_order
from tests.modules.staff.conftest import audit_rows

SECRET = "whsec-test-secret-0123456789"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"openapi_webhook_retry_schedule": [60, 300, 900]}


class Clock:
    def __init__(self, ctx: AppContext) -> None:
        # An hour ahead of the real time: deliveries queued by the test (due at the real time
        # they are queued, however slow the machine) are due.
        self.start = utcnow().replace(microsecond=0) + timedelta(hours=1)
        self.now = self.start
        ctx.extras[webhooks.CLOCK_KEY] = lambda: self.now
        # The middle of the jitter range: waits are exactly the schedule's.
        ctx.extras[webhooks.RANDOM_KEY] = lambda: 0.5

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(ctx: AppContext) -> Clock:
    return Clock(ctx)


async def subscribe(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    app_id: int,
    url: str,
    *,
    event_types: list[str],
) -> dict[str, Any]:
    response = await client.post(
        f"{CONSOLE}/apps/{app_id}/webhooks",
        json={"url": url, "event_types": event_types, "secret": SECRET},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliveries(ctx: AppContext) -> list[WebhookDelivery]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


async def detail(client: httpx.AsyncClient, staff: dict[str, str], delivery_id: int) -> Any:
    response = await client.get(f"{CONSOLE}/webhook-deliveries/{delivery_id}", headers=staff)
    assert response.status_code == 200, response.text
    return response.json()


async def product_event(ctx: AppContext, title: str = "保温杯") -> None:
    """A real catalog write: its ``catalog.product_changed`` becomes ``product.updated``."""
    await make_sku(ctx, title=title)
    await drain_outbox(ctx)


async def test_a_receiver_failing_twice_gets_the_event_once_delivered_with_every_attempt(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, clock: Clock
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["orders:read", "products:read"])
    app_id = partner["app"]["id"]
    async with receiver(503, 500, 200) as rec:
        hook = await subscribe(client, staff, app_id, rec.url, event_types=["order.paid"])
        order_no = await paid_order(app, ctx, await make_sku(ctx))
        await drain_outbox(ctx)
        await drain_outbox(ctx)  # a redelivered outbox round queues nothing twice
        (queued,) = await deliveries(ctx)  # order.created and product.updated not subscribed
        assert (queued.event_type, queued.status, queued.webhook_id) == (
            "order.paid",
            "pending",
            hook["webhook"]["id"],
        )

        await run_job(ctx, DELIVER_JOB)
        (first,) = await deliveries(ctx)
        assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 503)
        assert first.next_attempt_at == clock.start + timedelta(seconds=60)

        clock.advance(seconds=59)  # not due yet: nothing sent
        await run_job(ctx, DELIVER_JOB)
        assert len(rec.seen) == 1

        clock.advance(seconds=1)
        await run_job(ctx, DELIVER_JOB)
        (second,) = await deliveries(ctx)
        assert (second.status, second.next_attempt_at) == (
            "pending",
            clock.now + timedelta(seconds=300),
        )

        clock.advance(seconds=300)
        await run_job(ctx, DELIVER_JOB)
        clock.advance(days=1)
        await run_job(ctx, DELIVER_JOB)  # delivered: never sent again

    assert len(rec.seen) == 3
    assert set(rec.event_ids()) == {queued.event_id}
    last = rec.seen[-1]
    assert last.headers["Idempotency-Key"] == queued.event_id
    assert last.headers["X-Shoplet-Event-Type"] == "order.paid"
    assert last.headers["X-Shoplet-Delivery-Attempt"] == "3"
    body = json.loads(last.body)
    assert (body["id"], body["type"], body["data"]["order_no"]) == (
        queued.event_id,
        "order.paid",
        order_no,
    )
    secret = SECRET
    stamp = float(last.headers["X-Shoplet-Timestamp"])
    assert sdk.verify_webhook(last.headers, last.body, secret, now=stamp)
    assert not sdk.verify_webhook(last.headers, last.body + b" ", secret, now=stamp)
    assert not sdk.verify_webhook(last.headers, last.body, "another-secret-0000", now=stamp)
    assert not sdk.verify_webhook(last.headers, last.body, secret, now=stamp + 301)

    log = await detail(client, staff, queued.id)
    assert (log["status"], log["attempts"], log["last_status_code"]) == ("delivered", 3, 200)
    assert [(a["outcome"], a["status_code"]) for a in log["attempt_log"]] == [
        ("retry", 503),
        ("retry", 500),
        ("ok", 200),
    ]
    assert log["attempt_log"][0]["response_excerpt"] == "answer 1: 503"
    assert all(a["latency_ms"] is not None for a in log["attempt_log"])
    listed = await client.get(
        f"{CONSOLE}/webhook-deliveries", params={"app_id": app_id}, headers=staff
    )
    assert [d["id"] for d in listed.json()["items"]] == [queued.id]


async def test_dead_letter_fail_fast_and_resend(
    ctx: AppContext, client: httpx.AsyncClient, clock: Clock
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    app_id = partner["app"]["id"]
    async with receiver(500, 500, 500, 500, 200) as down, receiver(400) as refusing:
        await subscribe(client, staff, app_id, down.url, event_types=["product.updated"])
        await subscribe(client, staff, app_id, refusing.url, event_types=["product.updated"])
        await product_event(ctx)
        for _ in range(5):
            await run_job(ctx, DELIVER_JOB)
            clock.advance(hours=1)
        dead, failed = await deliveries(ctx)
        # One first attempt plus one per wait of the schedule (three), then the dead letter.
        assert (dead.status, dead.attempts, dead.next_attempt_at) == ("dead", 4, None)
        assert (failed.status, failed.attempts, failed.last_status_code) == ("failed", 1, 400)
        assert len(down.seen) == 4
        assert len(refusing.seen) == 1
        outcomes = [a["outcome"] for a in (await detail(client, staff, dead.id))["attempt_log"]]
        assert outcomes == ["retry", "retry", "retry", "dead"]

        resent = await client.post(f"{CONSOLE}/webhook-deliveries/{dead.id}/resend", headers=staff)
        assert resent.status_code == 200, resent.text
        assert resent.json()["status"] == "pending"
        before = await snapshot(ctx)
        again = await client.post(f"{CONSOLE}/webhook-deliveries/{dead.id}/resend", headers=staff)
        assert (again.status_code, again.json()["code"]) == (409, "openapi.webhook_delivery_queued")
        assert await snapshot(ctx) == before
        await run_job(ctx, DELIVER_JOB)

    (resent_row, _) = await deliveries(ctx)
    assert (resent_row.status, resent_row.attempts) == ("delivered", 5)
    assert len(down.seen) == 5
    assert set(down.event_ids()) == {dead.event_id}
    assert len(await audit_rows(ctx, "openapi.webhook_resend")) == 1


async def test_a_worker_dying_mid_delivery_sends_the_same_event_again(
    ctx: AppContext, client: httpx.AsyncClient, clock: Clock
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    async with receiver(200) as rec:
        await subscribe(
            client, staff, partner["app"]["id"], rec.url, event_types=["product.updated"]
        )
        await product_event(ctx)
        rec.hold_next = True
        worker = asyncio.create_task(run_job(ctx, DELIVER_JOB))
        await asyncio.wait_for(rec.arrived.wait(), timeout=60)
        worker.cancel()  # killed after the POST went out, before its answer was recorded
        with pytest.raises(asyncio.CancelledError):
            await worker
        (stuck,) = await deliveries(ctx)
        assert (stuck.status, stuck.attempts) == ("sending", 1)

        await run_job(ctx, DELIVER_JOB)  # the lease holds: nobody takes it yet
        assert len(rec.seen) == 1
        clock.advance(seconds=ctx.settings.openapi_webhook_timeout_seconds + 31)
        await run_job(ctx, DELIVER_JOB)

    (done,) = await deliveries(ctx)
    assert (done.status, done.attempts) == ("delivered", 2)
    assert rec.event_ids() == [done.event_id, done.event_id]  # the receiver dedupes on it
    log = await detail(client, staff, done.id)
    assert [a["outcome"] for a in log["attempt_log"]] == ["abandoned", "ok"]


async def test_replay_a_time_range_and_ping(
    ctx: AppContext, client: httpx.AsyncClient, clock: Clock
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    async with receiver(200) as rec:
        hook = await subscribe(
            client, staff, partner["app"]["id"], rec.url, event_types=["product.updated"]
        )
        hook_id = hook["webhook"]["id"]
        await product_event(ctx, "保温杯")
        await product_event(ctx, "马克杯")
        await run_job(ctx, DELIVER_JOB)
        assert len(rec.seen) == 2
        first, second = await deliveries(ctx)

        replayed = await client.post(
            f"{CONSOLE}/webhooks/{hook_id}/replay",
            json={
                "since": first.occurred_at.isoformat(),
                "until": (second.occurred_at + timedelta(microseconds=1)).isoformat(),
            },
            headers=staff,
        )
        assert replayed.json() == {"queued": 2}
        await run_job(ctx, DELIVER_JOB)
        assert sorted(rec.event_ids()) == sorted([first.event_id, second.event_id] * 2)

        ping = await client.post(f"{CONSOLE}/webhooks/{hook_id}/ping", headers=staff)
        assert ping.status_code == 200, ping.text
        assert (ping.json()["event_type"], ping.json()["status"]) == ("webhook.ping", "delivered")
        assert rec.seen[-1].headers["X-Shoplet-Event-Type"] == "webhook.ping"

        # A subscription switched off queues nothing more.
        off = await client.patch(
            f"{CONSOLE}/webhooks/{hook_id}", json={"is_active": False}, headers=staff
        )
        assert off.json()["is_active"] is False
        await product_event(ctx, "茶杯")
        assert len(await deliveries(ctx)) == 3


async def test_bad_subscription_input_is_refused_and_changes_nothing(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    app_id = partner["app"]["id"]
    hook = await subscribe(
        client, staff, app_id, "https://erp.invalid/hooks", event_types=["product.updated"]
    )
    hook_id = hook["webhook"]["id"]
    before = await snapshot(ctx)
    url = f"{CONSOLE}/apps/{app_id}/webhooks"
    good = {"url": "https://erp.invalid/hooks", "event_types": ["product.updated"]}
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("POST", url, {**good, "event_types": ["order.exploded"]}, 400, "webhook_event_unknown"),
        ("POST", url, {**good, "event_types": ["order.paid"]}, 400, "webhook_scope_missing"),
        ("POST", url, {**good, "url": "ftp://erp.invalid/x"}, 400, "webhook_url_invalid"),
        ("POST", url, {**good, "url": "https://u:p@erp.invalid/x"}, 400, "webhook_url_invalid"),
        ("POST", url, {**good, "url": "https://erp.invalid:99999/"}, 400, "webhook_url_invalid"),
        ("POST", url, {**good, "secret": "short"}, 422, "request.invalid"),
        ("POST", url, {**good, "event_types": []}, 422, "request.invalid"),
        ("POST", f"{CONSOLE}/apps/999999/webhooks", good, 404, "app_not_found"),
        (
            "PATCH",
            f"{CONSOLE}/webhooks/{hook_id}",
            {"event_types": ["shipment.signed"]},
            400,
            "webhook_scope_missing",
        ),
        ("PATCH", f"{CONSOLE}/webhooks/999999", {"is_active": False}, 404, "webhook_not_found"),
        (
            "POST",
            f"{CONSOLE}/webhooks/{hook_id}/replay",
            {"since": "2026-12-05T00:00:00Z", "until": "2026-12-04T00:00:00Z"},
            400,
            "webhook_replay_invalid",
        ),
        (
            "POST",
            f"{CONSOLE}/webhooks/{hook_id}/replay",
            {"since": "2026-10-01T00:00:00Z", "until": "2026-12-04T00:00:00Z"},
            400,
            "webhook_replay_invalid",
        ),
        ("POST", f"{CONSOLE}/webhook-deliveries/999999/resend", {}, 404, "delivery_not_found"),
    ]
    for method, path, payload, status, code in cases:
        response = await client.request(method, path, json=payload or None, headers=staff)
        assert response.status_code == status, (path, payload, response.text)
        assert response.json()["code"].endswith(code), response.json()
    assert await snapshot(ctx) == before
    events = await client.get(f"{CONSOLE}/webhook-events", headers=staff)
    catalogue = {e["type"]: e["scope"] for e in events.json()}
    assert catalogue["order.paid"] == "orders:read"
    assert catalogue["product.updated"] == "products:read"
    assert catalogue["invoice.issued"] == "orders:read"


def test_the_retry_waits_follow_the_schedule_with_bounded_jitter() -> None:
    schedule = [60, 300, 86400]
    assert webhooks.next_wait(schedule, 1, 0.2, 0.5) == 60
    assert webhooks.next_wait(schedule, 2, 0.2, 0.0) == 240
    assert webhooks.next_wait(schedule, 3, 0.2, 0.999999) == pytest.approx(86400 * 1.2, rel=1e-5)
    assert webhooks.next_wait(schedule, 4, 0.2, 0.5) is None
    answers = {None: "retry", 408: "retry", 429: "retry", 503: "retry", 200: "ok", 204: "ok"}
    answers |= {301: "failed", 400: "failed", 401: "failed", 404: "failed", 410: "failed"}
    for code, outcome in answers.items():
        assert webhooks.outcome_of(webhooks.Answer(code, 1.0, None, None)) == outcome
