"""The worker role: ``run_worker`` until stopped, ``shoplet worker`` under SIGTERM, and the
in-process worker of the embedded app."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, OutboxEvent, publish, subscriber
from shoplet.modules import load
from shoplet.worker import run_worker
from tests.conftest import TEST_PII_KEY, TEST_SECRET
from tests.servers import free_port

seen: list[Event] = []
arrived: dict[str, asyncio.Event] = {}


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    seen.clear()
    arrived.clear()
    yield
    seen.clear()
    arrived.clear()


@subscriber("test_worker.ping", name="test_worker.pong")
async def pong(event: Event, session: AsyncSession) -> None:
    seen.append(event)
    if "pong" in arrived:
        arrived["pong"].set()


async def publish_committed(ctx: AppContext, type: str) -> str:
    async with unit_of_work(ctx.sessionmaker) as session:
        return await publish(session, type, {"hello": "worker"})


def test_a_module_without_its_files_fails_loudly() -> None:
    with pytest.raises(ModuleNotFoundError):
        load("tasks", ["no_such_module"])


async def test_run_worker_delivers_events_until_stopped(ctx: AppContext) -> None:
    arrived["pong"] = asyncio.Event()
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(ctx.settings, stop=stop))
    try:
        event_id = await publish_committed(ctx, "test_worker.ping")
        await asyncio.wait_for(arrived["pong"].wait(), timeout=20)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
    assert worker.exception() is None
    assert [e.id for e in seen] == [event_id]


@pytest.mark.parametrize("settings_overrides", [{"run_worker_in_process": True}])
async def test_embedded_app_runs_the_worker_in_process(ctx: AppContext) -> None:
    arrived["pong"] = asyncio.Event()
    event_id = await publish_committed(ctx, "test_worker.ping")
    await asyncio.wait_for(arrived["pong"].wait(), timeout=20)
    assert [e.id for e in seen] == [event_id]
    # The app fixture's shutdown stops the loops (a hang would fail the test).


class LogLines:
    """Reads a child's stderr to the end (so the pipe never fills) and waits for markers."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._eof = False
        self._task = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            async with self._changed:
                self.lines.append(line.decode())
                self._changed.notify_all()
        async with self._changed:
            self._eof = True
            self._changed.notify_all()

    async def wait_for(self, marker: str) -> None:
        def found() -> bool:
            return self._eof or any(marker in line for line in self.lines)

        async with self._changed:
            await self._changed.wait_for(found)
        assert any(marker in line for line in self.lines), f"no {marker!r} in {self.lines}"

    def events(self) -> list[str]:
        return [orjson.loads(line)["event"] for line in self.lines if line.startswith("{")]


async def test_shoplet_worker_process_relays_and_stops_on_sigterm(
    ctx: AppContext, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SHOPLET_ENV": "test",
        "SHOPLET_DATABASE_URL": ctx.settings.resolved_database_url,
        "SHOPLET_DATA_DIR": str(tmp_path),
        "SHOPLET_SECRET_KEY": TEST_SECRET,
        "SHOPLET_PII_KEY": TEST_PII_KEY,
        "SHOPLET_LOG_JSON": "true",
        "SHOPLET_LOG_LEVEL": "INFO",
        "SHOPLET_EVENTS_POLL_SECONDS": "0.1",
        "SHOPLET_HOST": "127.0.0.1",
        "SHOPLET_WORKER_METRICS_PORT": str(port),
    }
    env.pop("SHOPLET_REDIS_URL", None)
    if ctx.settings.redis_url:
        env["SHOPLET_REDIS_URL"] = ctx.settings.redis_url
        env["SHOPLET_REDIS_PREFIX"] = ctx.settings.redis_prefix
    script = Path(sys.executable).with_name("shoplet")
    process = await asyncio.create_subprocess_exec(
        str(script),
        "worker",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    logs = LogLines(process.stderr)
    try:
        await asyncio.wait_for(logs.wait_for('"worker_started"'), timeout=90)
        event_id = await publish_committed(ctx, "test_worker.nobody_here_listens")
        start = time.monotonic()
        while True:
            async with ctx.sessionmaker() as session:
                published_at = await session.scalar(
                    select(OutboxEvent.published_at).where(OutboxEvent.event_id == event_id)
                )
            if published_at is not None:
                break
            assert time.monotonic() - start < 30, "the worker process did not relay the event"
            await asyncio.sleep(0.05)
        if ctx.redis is not None:
            entries = await ctx.redis.xrange(ctx.settings.events_stream_key)
            assert [fields[b"event_id"].decode() for _id, fields in entries] == [event_id]

        # The relay counts an event just after marking it published: poll briefly.
        counted = 'shoplet_events_published_total{type="test_worker.nobody_here_listens"} 1.0'
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                if counted in metrics:
                    break
                await asyncio.sleep(0.05)
        assert counted in metrics
        assert "shoplet_outbox_lag_seconds" in metrics

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
        await asyncio.wait_for(logs.wait_for('"worker_stopped"'), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert logs.events()[-2:] == ["worker_loops_stopped", "worker_stopped"]
    assert "outbox_relay_failed" not in logs.events()
