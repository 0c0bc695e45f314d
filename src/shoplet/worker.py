"""The worker role: the outbox relay and scheduled jobs, without HTTP."""

from __future__ import annotations

import asyncio
import signal

import structlog

from shoplet.core.context import AppContext
from shoplet.core.observability import configure_logging
from shoplet.core.settings import Settings

log = structlog.get_logger("shoplet.worker")


async def run_worker(settings: Settings) -> None:
    configure_logging(settings.log_level, json=settings.log_json)
    ctx = AppContext.build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started")
    try:
        await stop.wait()
    finally:
        await ctx.close()
        log.info("worker_stopped")
