"""Scheduled jobs: registry, leases across schedulers (Redis or local), the scheduler loop."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import EventRetry, OutboxEvent, ProcessedEvent
from shoplet.core.jobs import (
    Job,
    Scheduler,
    get_job,
    job_lock,
    periodic,
    registered_jobs,
    run_job,
)

runs: defaultdict[str, int] = defaultdict(int)
running: dict[str, int] = {"now": 0, "max": 0}


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runs.clear()
    running.update(now=0, max=0)
    yield
    runs.clear()


@periodic(every_seconds=0.3, name="test_jobs.tick")
async def tick(ctx: AppContext) -> None:
    runs["tick"] += 1
    running["now"] += 1
    running["max"] = max(running["max"], running["now"])
    await asyncio.sleep(0.02)
    running["now"] -= 1


@periodic(every_seconds=3600, name="test_jobs.broken")
async def broken(ctx: AppContext) -> None:
    runs["broken"] += 1
    raise RuntimeError("job failed")


def sample(ctx: AppContext, name: str, labels: dict[str, str]) -> float:
    return ctx.metrics.registry.get_sample_value(name, labels) or 0.0


def test_registry_rejects_bad_and_conflicting_jobs() -> None:
    assert get_job("test_jobs.tick").every_seconds == 0.3
    assert {"test_jobs.tick", "core.events_cleanup"} <= {job.name for job in registered_jobs()}
    with pytest.raises(ValueError, match="positive"):
        periodic(every_seconds=0, name="test_jobs.never")
    with pytest.raises(ValueError, match="name"):
        periodic(every_seconds=1, name="")

    async def impostor(ctx: AppContext) -> None:
        return None

    with pytest.raises(ValueError, match="already registered"):
        periodic(every_seconds=1, name="test_jobs.tick")(impostor)
    # Re-importing the module that registered it is fine.
    periodic(every_seconds=0.3, name="test_jobs.tick")(tick)
    with pytest.raises(LookupError):
        get_job("test_jobs.missing")


async def test_run_job_runs_now_and_raises_its_errors(ctx: AppContext) -> None:
    await run_job(ctx, "test_jobs.tick")
    await run_job(ctx, "test_jobs.tick")
    assert runs["tick"] == 2
    with pytest.raises(RuntimeError, match="job failed"):
        await run_job(ctx, "test_jobs.broken")
    assert sample(ctx, "shoplet_job_runs_total", {"job": "test_jobs.tick", "result": "ok"}) == 2
    assert (
        sample(ctx, "shoplet_job_runs_total", {"job": "test_jobs.broken", "result": "failed"}) == 1
    )


async def test_two_schedulers_run_a_job_once_per_interval(ctx: AppContext) -> None:
    job = get_job("test_jobs.tick")
    first, second = Scheduler(ctx, [job]), Scheduler(ctx, [job])

    ran = await asyncio.gather(first.run_if_due(job), second.run_if_due(job))
    assert sorted(ran) == [False, True]
    assert runs["tick"] == 1
    # The lease lasts one interval from the start of the run, for every scheduler.
    assert await first.run_if_due(job) is False
    assert await second.run_if_due(job) is False
    remaining = await job_lock(ctx).remaining_ms(job.name)
    assert 0 < remaining <= 300

    await asyncio.sleep(remaining / 1000 + 0.02)
    assert await second.run_if_due(job) is True
    assert runs["tick"] == 2


async def test_a_run_longer_than_its_interval_keeps_its_lease(ctx: AppContext) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def long_job(ctx: AppContext) -> None:
        runs["long"] += 1
        started.set()
        await release.wait()

    # A 1 s interval: the heartbeat extends the lease every third of it, which a loaded machine
    # (several suites at once) delays by far less than the two thirds it has to spare.
    job = Job("test_jobs.long", 1.0, long_job)
    first, second = Scheduler(ctx, [job]), Scheduler(ctx, [job])
    running_job = asyncio.create_task(first.run_if_due(job))
    await asyncio.wait_for(started.wait(), timeout=5)
    await asyncio.sleep(3.0)  # three intervals
    # Bounded: were the lease lost, the second run would wait for ``release`` forever.
    assert await asyncio.wait_for(second.run_if_due(job), timeout=5) is False
    release.set()
    assert await running_job is True
    # It overran its interval: the lease is released at once.
    assert await job_lock(ctx).remaining_ms(job.name) == 0
    release.clear()
    started.clear()
    second_run = asyncio.create_task(second.run_if_due(job))
    await asyncio.wait_for(started.wait(), timeout=5)
    assert runs["long"] == 2
    release.set()
    assert await second_run is True


async def test_schedulers_run_the_job_on_its_interval_never_concurrently(
    ctx: AppContext,
) -> None:
    job = get_job("test_jobs.tick")
    schedulers = [Scheduler(ctx, [job]), Scheduler(ctx, [job])]
    start = time.monotonic()
    for scheduler in schedulers:
        await scheduler.start()
    await asyncio.sleep(1.0)
    for scheduler in schedulers:
        await scheduler.stop(grace_seconds=5)
    elapsed = time.monotonic() - start

    assert running["max"] == 1
    # Start to start every 0.3 s, whichever scheduler wins: 4 runs in 1 s (0, .3, .6, .9).
    assert 2 <= runs["tick"] <= elapsed / 0.3 + 1


async def test_scheduler_survives_a_failing_job(ctx: AppContext) -> None:
    scheduler = Scheduler(ctx, [get_job("test_jobs.broken")])
    await scheduler.start()
    await asyncio.sleep(0.1)
    await scheduler.stop(grace_seconds=5)
    assert runs["broken"] == 1
    assert (
        sample(ctx, "shoplet_job_runs_total", {"job": "test_jobs.broken", "result": "failed"}) == 1
    )


async def test_stop_lets_a_running_job_finish_within_the_grace_period(ctx: AppContext) -> None:
    finished = asyncio.Event()
    started = asyncio.Event()

    async def slow_job(ctx: AppContext) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    scheduler = Scheduler(ctx, [Job("test_jobs.slow", 60, slow_job)])
    await scheduler.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    await scheduler.stop(grace_seconds=5)
    assert finished.is_set()


async def test_events_cleanup_forgets_old_published_events_only(ctx: AppContext) -> None:
    old = utcnow() - timedelta(days=ctx.settings.events_retention_days, hours=1)
    recent = utcnow() - timedelta(hours=1)
    async with unit_of_work(ctx.sessionmaker) as session:
        session.add_all(
            [
                OutboxEvent(
                    event_id="old", type="t", payload={}, occurred_at=old, published_at=old
                ),
                OutboxEvent(
                    event_id="old-retrying", type="t", payload={}, occurred_at=old, published_at=old
                ),
                OutboxEvent(event_id="old-unpublished", type="t", payload={}, occurred_at=old),
                OutboxEvent(
                    event_id="recent", type="t", payload={}, occurred_at=recent, published_at=recent
                ),
                EventRetry(
                    handler="h", event_id="old-retrying", attempts=3, next_attempt_at=utcnow()
                ),
                ProcessedEvent(handler="h", event_id="old", processed_at=old),
                ProcessedEvent(handler="h", event_id="recent", processed_at=recent),
            ]
        )

    await run_job(ctx, "core.events_cleanup")

    async with ctx.sessionmaker() as session:
        kept = await session.scalars(select(OutboxEvent.event_id).order_by(OutboxEvent.event_id))
        assert list(kept) == ["old-retrying", "old-unpublished", "recent"]
        markers = await session.scalars(select(ProcessedEvent.event_id))
        assert list(markers) == ["recent"]
