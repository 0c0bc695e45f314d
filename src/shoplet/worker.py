"""The worker role: outbox relay, event handlers and scheduled jobs, without HTTP.

``shoplet worker`` runs it as its own process (scale by replicas); in embedded mode
(``run_worker_in_process``) the API process starts the same loops (``shoplet.background``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog
from prometheus_client import start_http_server

from shoplet.app import create_app
from shoplet.core import tracing
from shoplet.core.context import AppContext
from shoplet.core.observability import configure_logging
from shoplet.core.settings import Settings

log = structlog.get_logger("shoplet.worker")


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or until ``stop`` is set), then shut down gracefully.

    The worker enters the same lifespan as the API (context, integrations, module start-up
    hooks such as the WeChat Pay client for payments' handlers) with the loops switched on, and
    serves no HTTP.
    """
    settings = settings.model_copy(update={"run_worker_in_process": True})
    configure_logging(settings.log_level, json=settings.log_json)
    # Before create_app: its own setup would name the service after the API role.
    traced_here = not tracing.enabled() and tracing.setup(settings, service="shoplet-worker")
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
        if traced_here:
            # Sends the spans still in the batch before the process exits.
            tracing.uninstall()
