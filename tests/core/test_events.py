"""Outbox, relay and idempotent handlers, on SQLite (in-process bus) and PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import (
    Event,
    EventRetry,
    EventRuntime,
    OutboxEvent,
    ProcessedEvent,
    deliver,
    drain_outbox,
    get_subscription,
    publish,
    retry_parked,
    subscriber,
)
from tests.conftest import snapshot

calls: defaultdict[str, list[Event]] = defaultdict(list)


@pytest.fixture(autouse=True)
def _reset_calls() -> Iterator[None]:
    calls.clear()
    yield
    calls.clear()


@subscriber("test_events.happened", name="test_events.record_a")
async def record_a(event: Event, session: AsyncSession) -> None:
    calls["a"].append(event)


@subscriber("test_events.happened", "test_events.other", name="test_events.record_b")
async def record_b(event: Event, session: AsyncSession) -> None:
    calls["b"].append(event)


@subscriber("test_events.flaky", name="test_events.flaky")
async def flaky(event: Event, session: AsyncSession) -> None:
    """Publishes a follow-up in its own transaction, then fails ``fail_times`` times."""
    calls["flaky"].append(event)
    await publish(session, "test_events.followup", {"attempt": event.attempt})
    if event.attempt <= event.payload["fail_times"]:
        raise RuntimeError(f"boom {event.attempt}")


@subscriber("test_events.flaky", name="test_events.steady")
async def steady(event: Event, session: AsyncSession) -> None:
    calls["steady"].append(event)


@subscriber("test_events.followup", name="test_events.followup")
async def followup(event: Event, session: AsyncSession) -> None:
    calls["followup"].append(event)


@subscriber("test_events.doomed", name="test_events.doomed", max_attempts=2)
async def doomed(event: Event, session: AsyncSession) -> None:
    calls["doomed"].append(event)
    raise ValueError("never works")


async def publish_committed(
    ctx: AppContext, type: str, payload: dict[str, Any], *, key: str | None = None
) -> str:
    async with unit_of_work(ctx.sessionmaker) as session:
        return await publish(session, type, payload, key=key)


async def outbox_rows(ctx: AppContext) -> list[OutboxEvent]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all())


async def processed(ctx: AppContext) -> list[tuple[str, str]]:
    async with ctx.sessionmaker() as session:
        rows = await session.execute(
            select(ProcessedEvent.handler, ProcessedEvent.event_id).order_by(
                ProcessedEvent.handler, ProcessedEvent.event_id
            )
        )
        return [(h, e) for h, e in rows.all()]


async def retries(ctx: AppContext) -> list[EventRetry]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(select(EventRetry).order_by(EventRetry.id))).all())


async def make_retries_due(ctx: AppContext) -> None:
    """Arrange: the backoff has elapsed."""
    async with unit_of_work(ctx.sessionmaker) as session:
        await session.execute(
            update(EventRetry).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def sample(ctx: AppContext, name: str, labels: dict[str, str] | None = None) -> float:
    return ctx.metrics.registry.get_sample_value(name, labels or {}) or 0.0


async def test_rolled_back_publish_is_never_delivered(ctx: AppContext) -> None:
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as session:
        event_id = await publish(session, "test_events.happened", {"n": 1})
        assert len(event_id) == 36
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 1
        await session.rollback()

    assert await drain_outbox(ctx) == 0
    assert calls == {}
    assert await snapshot(ctx) == before


async def test_committed_event_is_delivered_once_to_each_handler(ctx: AppContext) -> None:
    event_id = await publish_committed(ctx, "test_events.happened", {"n": 1}, key="order-7")

    assert await drain_outbox(ctx) == 1
    assert [e.id for e in calls["a"]] == [event_id]
    assert [e.id for e in calls["b"]] == [event_id]
    event = calls["a"][0]
    assert (event.type, event.key, dict(event.payload), event.attempt) == (
        "test_events.happened",
        "order-7",
        {"n": 1},
        1,
    )
    assert event.occurred_at.tzinfo is not None
    assert "flaky" not in calls
    [row] = await outbox_rows(ctx)
    assert row.published_at is not None
    assert row.attempts == 1
    assert row.last_error is None
    assert await processed(ctx) == [
        ("test_events.record_a", event_id),
        ("test_events.record_b", event_id),
    ]
    assert sample(ctx, "shoplet_events_published_total", {"type": "test_events.happened"}) == 1
    assert (
        sample(
            ctx,
            "shoplet_event_deliveries_total",
            {"handler": "test_events.record_a", "result": "ok"},
        )
        == 1
    )

    assert await drain_outbox(ctx) == 0
    assert len(calls["a"]) == len(calls["b"]) == 1


async def test_handler_only_sees_its_event_types(ctx: AppContext) -> None:
    other_id = await publish_committed(ctx, "test_events.other", {})
    await drain_outbox(ctx)
    assert [e.id for e in calls["b"]] == [other_id]
    assert "a" not in calls


async def test_events_are_relayed_in_commit_order(ctx: AppContext) -> None:
    ids = [await publish_committed(ctx, "test_events.happened", {"n": n}) for n in range(5)]
    async with unit_of_work(ctx.sessionmaker) as session:
        ids += [await publish(session, "test_events.happened", {"n": n}) for n in range(5, 8)]
    assert await drain_outbox(ctx) == 8
    assert [e.id for e in calls["a"]] == ids
    assert [e.payload["n"] for e in calls["b"]] == list(range(8))


async def test_payload_is_stored_as_json(ctx: AppContext) -> None:
    paid_at = datetime(2025, 11, 11, 0, 0, 1, tzinfo=UTC)
    await publish_committed(ctx, "test_events.happened", {"paid_at": paid_at, "fen": 1999})
    await drain_outbox(ctx)
    assert dict(calls["a"][0].payload) == {"paid_at": "2025-11-11T00:00:01+00:00", "fen": 1999}


async def test_invalid_publish_is_rejected_and_writes_nothing(ctx: AppContext) -> None:
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as session:
        with pytest.raises(TypeError):
            await publish(session, "test_events.happened", {"bad": object()})
        with pytest.raises(ValueError, match="event type"):
            await publish(session, "x" * 101, {})
        with pytest.raises(ValueError, match="event type"):
            await publish(session, "", {})
        with pytest.raises(ValueError, match="event key"):
            await publish(session, "test_events.happened", {}, key="k" * 101)
        await session.commit()
    assert await drain_outbox(ctx) == 0
    assert await snapshot(ctx) == before


async def test_redelivered_event_runs_each_handler_body_once(ctx: AppContext) -> None:
    event_id = await publish_committed(ctx, "test_events.happened", {"n": 1})
    await drain_outbox(ctx)
    # The relay crashed after sending but before its commit: the event goes out again.
    async with unit_of_work(ctx.sessionmaker) as session:
        await session.execute(update(OutboxEvent).values(published_at=None))
    assert await drain_outbox(ctx) == 1

    assert [e.id for e in calls["a"]] == [event_id]
    assert [e.id for e in calls["b"]] == [event_id]
    assert (
        sample(
            ctx,
            "shoplet_event_deliveries_total",
            {"handler": "test_events.record_a", "result": "duplicate"},
        )
        == 1
    )
    # Delivering the same event by hand is a no-op too.
    sub = get_subscription("test_events.record_a")
    assert sub is not None
    assert await deliver(ctx, sub, calls["a"][0]) == "duplicate"
    assert len(calls["a"]) == 1
    [row] = await outbox_rows(ctx)
    assert row.attempts == 2


async def test_failing_handler_is_retried_with_backoff_and_others_are_unaffected(
    ctx: AppContext,
) -> None:
    event_id = await publish_committed(ctx, "test_events.flaky", {"fail_times": 2})

    start = utcnow()
    await drain_outbox(ctx)
    assert [e.attempt for e in calls["flaky"]] == [1]
    assert [e.id for e in calls["steady"]] == [event_id]
    # The failed attempt's own writes (its follow-up event) were rolled back with it.
    assert "followup" not in calls
    [retry] = await retries(ctx)
    assert (retry.handler, retry.event_id, retry.attempts) == ("test_events.flaky", event_id, 1)
    assert retry.last_error == "RuntimeError: boom 1"
    assert retry.parked_at is None
    backoff = ctx.settings.events_retry_base_seconds
    assert start + timedelta(seconds=backoff) <= retry.next_attempt_at
    assert retry.next_attempt_at <= utcnow() + timedelta(seconds=backoff)
    assert await processed(ctx) == [("test_events.steady", event_id)]

    # Not due yet: nothing runs.
    await drain_outbox(ctx)
    assert len(calls["flaky"]) == 1

    await make_retries_due(ctx)
    before_second = utcnow()
    await drain_outbox(ctx)
    assert [e.attempt for e in calls["flaky"]] == [1, 2]
    [retry] = await retries(ctx)
    assert retry.attempts == 2
    assert retry.last_error == "RuntimeError: boom 2"
    assert retry.next_attempt_at >= before_second + timedelta(seconds=2 * backoff)

    await make_retries_due(ctx)
    await drain_outbox(ctx)
    assert [e.attempt for e in calls["flaky"]] == [1, 2, 3]
    assert await retries(ctx) == []
    assert await processed(ctx) == sorted(
        [
            ("test_events.flaky", event_id),
            ("test_events.steady", event_id),
            ("test_events.followup", calls["followup"][0].id),
        ]
    )
    # Only the successful attempt's follow-up was committed, and delivered.
    assert [dict(e.payload) for e in calls["followup"]] == [{"attempt": 3}]
    assert len(calls["steady"]) == 1
    assert (
        sample(ctx, "shoplet_event_handler_failures_total", {"handler": "test_events.flaky"}) == 2
    )


async def test_handler_is_parked_after_its_last_attempt_and_can_be_requeued(
    ctx: AppContext,
) -> None:
    event_id = await publish_committed(ctx, "test_events.doomed", {})
    await drain_outbox(ctx)
    await make_retries_due(ctx)
    await drain_outbox(ctx)

    assert [e.attempt for e in calls["doomed"]] == [1, 2]
    [retry] = await retries(ctx)
    assert retry.attempts == 2
    assert retry.parked_at is not None
    assert retry.last_error == "ValueError: never works"
    assert sample(ctx, "shoplet_events_parked_total", {"handler": "test_events.doomed"}) == 1

    # Parked: not retried any more, however long we wait.
    await make_retries_due(ctx)
    await drain_outbox(ctx)
    assert len(calls["doomed"]) == 2

    assert await retry_parked(ctx, handler="test_events.doomed") == 1
    await drain_outbox(ctx)
    assert [e.attempt for e in calls["doomed"]] == [1, 2, 1]
    [retry] = await retries(ctx)
    assert (retry.event_id, retry.attempts, retry.parked_at) == (event_id, 1, None)


@pytest.mark.parametrize("settings_overrides", [{"events_poll_seconds": 30.0}])
async def test_commit_wakes_the_running_relay_without_waiting_for_the_poll(
    ctx: AppContext,
) -> None:
    runtime = EventRuntime(ctx)
    await runtime.start()
    try:
        # Let the loops reach their first wait (30 s poll; Redis consumers block for 1 s).
        await asyncio.sleep(0.3)
        start = time.monotonic()
        event_id = await publish_committed(ctx, "test_events.happened", {})
        while len(calls["a"]) < 1 or len(calls["b"]) < 1:
            assert time.monotonic() - start < 5, "the commit did not wake the relay"
            await asyncio.sleep(0.01)
    finally:
        await runtime.stop(grace_seconds=5)
    assert [e.id for e in calls["a"]] == [event_id]
    assert [e.id for e in calls["b"]] == [event_id]


@pytest.mark.parametrize("settings_overrides", [{"events_poll_seconds": 0.05}])
async def test_runtime_retries_failed_handlers_in_the_background(ctx: AppContext) -> None:
    event_id = await publish_committed(ctx, "test_events.flaky", {"fail_times": 1})
    runtime = EventRuntime(ctx)
    await runtime.start()
    try:
        start = time.monotonic()
        while len(calls["flaky"]) < 1:
            assert time.monotonic() - start < 10
            await asyncio.sleep(0.02)
        await make_retries_due(ctx)
        while not calls["followup"]:
            assert time.monotonic() - start < 10
            await asyncio.sleep(0.02)
    finally:
        await runtime.stop(grace_seconds=5)
    assert [e.attempt for e in calls["flaky"]] == [1, 2]
    assert [e.id for e in calls["steady"]] == [event_id]
    assert await retries(ctx) == []
