"""The worker role: outbox relay, event handlers and scheduled jobs, without HTTP.

``shoplet worker`` runs it as its own process (scale by replicas); in embedded mode
(``run_worker_in_process``) the API process starts the same loops with ``start_in_process``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
from collections.abc import Awaitable, Callable, Iterable

import structlog
from prometheus_client import start_http_server

from shoplet.core.context import AppContext
from shoplet.core.events import EventRuntime, subscriptions
from shoplet.core.events.metrics import event_metrics
from shoplet.core.jobs import Scheduler, job_metrics, registered_jobs
from shoplet.core.observability import configure_logging
from shoplet.core.settings import Settings

log = structlog.get_logger("shoplet.worker")

StopWorker = Callable[[], Awaitable[None]]


def load_module_tasks(modules: Iterable[str] | None = None) -> list[str]:
    """Import ``shoplet.modules.<name>.tasks`` so its subscribers and jobs register.

    Defaults to every module of ``shoplet.modules.MODULES``; modules without ``tasks.py`` (or not
    written yet) are skipped. Returns the modules whose tasks were loaded.
    """
    if modules is None:
        from shoplet.modules import MODULES

        modules = MODULES
    loaded = []
    for name in modules:
        try:
            importlib.import_module(f"shoplet.modules.{name}.tasks")
        except ModuleNotFoundError as exc:
            # The module or its tasks.py is absent; an import error inside tasks.py is not.
            if exc.name in (f"shoplet.modules.{name}", f"shoplet.modules.{name}.tasks"):
                continue
            raise
        loaded.append(name)
    return loaded


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


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or until ``stop`` is set), then shut down gracefully.

    The worker enters the same lifespan as the API (context, integrations, module start-up
    hooks such as the WeChat Pay client for payments' handlers) with the loops switched on, and
    serves no HTTP.
    """
    from shoplet.app import create_app

    settings = settings.model_copy(update={"run_worker_in_process": True})
    configure_logging(settings.log_level, json=settings.log_json)
    app = create_app(settings)
    loop = asyncio.get_running_loop()
    signals: list[signal.Signals] = []
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                signals.append(sig)
    metrics_server = None
    try:
        async with app.router.lifespan_context(app):
            ctx: AppContext = app.state.ctx
            if settings.worker_metrics_port is not None:
                # A worker serves no HTTP otherwise: a small threaded exporter for Prometheus.
                metrics_server, _thread = start_http_server(
                    settings.worker_metrics_port, addr=settings.host, registry=ctx.metrics.registry
                )
            log.info("worker_started", metrics_port=settings.worker_metrics_port)
            await stop.wait()
    finally:
        if metrics_server is not None:
            await asyncio.to_thread(metrics_server.shutdown)
            metrics_server.server_close()
        for sig in signals:
            loop.remove_signal_handler(sig)
        log.info("worker_stopped")
