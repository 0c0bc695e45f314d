"""The background loops (outbox relay, event consumers, retries, job scheduler) in this event
loop: the worker role runs them, and so does an embedded process with
``run_worker_in_process``. The app's lifespan starts them; ``shoplet.worker`` only runs that
lifespan without HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import structlog

from shoplet.core.context import AppContext
from shoplet.core.events import EventRuntime, subscriptions
from shoplet.core.events.metrics import event_metrics
from shoplet.core.jobs import Scheduler, job_metrics, registered_jobs
from shoplet.modules import MODULES, load

log = structlog.get_logger("shoplet.worker")

StopWorker = Callable[[], Awaitable[None]]


def load_module_tasks(modules: Sequence[str] = MODULES) -> None:
    """Import the modules' ``tasks.py`` (every module's by default) so their subscribers and
    jobs register."""
    load("tasks", modules)


async def start_in_process(ctx: AppContext) -> StopWorker:
    """Start relay, consumers, retries and the scheduler in this event loop.

    Returns the coroutine function that stops them gracefully (in-flight handlers and jobs get
    ``worker_shutdown_grace_seconds`` to finish).
    """
    load_module_tasks()
    # Registered up front so /metrics shows them (at zero) before the first event.
    event_metrics(ctx)
    job_metrics(ctx)
    events = EventRuntime(ctx)
    scheduler = Scheduler(ctx)
    await events.start()
    await scheduler.start()
    log.info(
        "worker_loops_started",
        handlers=[sub.name for sub in subscriptions()],
        jobs=[job.name for job in registered_jobs()],
        bus="redis" if ctx.redis is not None else "in-process",
        consumer=events.consumer_name,
    )
    grace = ctx.settings.worker_shutdown_grace_seconds

    async def stop() -> None:
        await scheduler.stop(grace)
        await events.stop(grace)
        log.info("worker_loops_stopped")

    return stop
