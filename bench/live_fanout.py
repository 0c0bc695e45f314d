"""Live comment fan-out: ``python -m bench.live_fanout [VIEWERS]``.

One process: the Shoplet app served by uvicorn on a free loopback port (its lifespan running, the
room hub started), ``VIEWERS`` (default 2 000) WebSocket viewers joined to one live session
through the real socket route (``/api/v1/live/sessions/{id}/ws``, authenticated with their first
frame), and one more shopper who comments over the same socket. For each comment we time from
the sender's ``send`` to the moment the last viewer has the ``comment`` frame: validation, the
restriction read, the rate limit, the sensitive-word scan, the insert, the commit, the hub's
publish (Redis pub/sub when the bench runs on PostgreSQL + Redis, in process otherwise) and the
delivery to every socket.

Baseline, in the same run and the same process: a bare ``websockets`` server holding the same
number of clients, which broadcasts each message it receives (``websockets.broadcast``): the
floor of delivering one frame to that many sockets on this machine. The report gives both and
their ratio. The viewers are real sockets, not calls into the hub; the clients share the
server's event loop (and this machine's two cores), so both figures include the clients' own
reading, equally.

Target: every viewer has the comment within 1 s with 2 000 viewers. The figures go to their own
section of docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.sections import replace_section

BEGIN = "<!-- live-fanout:begin -->"
END = "<!-- live-fanout:end -->"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
ROUNDS = 5
TARGET_SECONDS = 1.0
CONNECT_BATCH = 100


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Audience:
    """The viewers' sockets, each reading frames; ``arrived`` counts those holding ``marker``."""

    def __init__(self, sockets: list[ClientConnection], match: Callable[[bytes | str], bool]):
        self.sockets = sockets
        self.match = match
        self.marker = ""
        self.count = 0
        self.done = asyncio.Event()
        self.readers = [asyncio.create_task(self._read(ws)) for ws in sockets]

    def expect(self, marker: str) -> None:
        self.marker = marker
        self.count = 0
        self.done.clear()

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for data in ws:
                if (
                    self.marker
                    and self.marker in (data if isinstance(data, str) else data.decode())
                    and self.match(data)
                ):
                    self.count += 1
                    if self.count == len(self.sockets):
                        self.done.set()

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def _connect_all(
    url: str, n: int, hello: Callable[[int], str | None], ready: str | None
) -> list[ClientConnection]:
    """``n`` clients, ``CONNECT_BATCH`` at a time; each sends ``hello(i)`` and waits for a frame
    of type ``ready`` (when given)."""

    async def one(i: int) -> ClientConnection:
        ws = await connect(url, max_queue=None, open_timeout=60)
        first = hello(i)
        if first is not None:
            await ws.send(first)
        if ready is not None:
            while orjson.loads(await ws.recv()).get("type") != ready:
                pass
        return ws

    sockets: list[ClientConnection] = []
    for start in range(0, n, CONNECT_BATCH):
        sockets += await asyncio.gather(
            *(one(i) for i in range(start, min(n, start + CONNECT_BATCH)))
        )
    return sockets


async def _timed(audience: Audience, marker: str, send: Callable[[], Awaitable[None]]) -> float:
    audience.expect(marker)
    start = time.perf_counter()
    await send()
    await asyncio.wait_for(audience.done.wait(), 60)
    return time.perf_counter() - start


# -- baseline: bare websockets broadcast -------------------------------------------------------


async def baseline(viewers: int) -> list[float]:
    clients: set[ServerConnection] = set()
    everyone = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        if len(clients) > viewers:
            everyone.set()
        try:
            async for message in ws:
                broadcast(list(clients), message)
        finally:
            clients.discard(ws)

    port = _free_port()
    async with serve(handler, "127.0.0.1", port, max_queue=None):
        url = f"ws://127.0.0.1:{port}"
        sockets = await _connect_all(url, viewers, lambda i: None, None)
        sender = await connect(url)
        await asyncio.wait_for(everyone.wait(), 60)
        audience = Audience(sockets, lambda data: True)
        times = []
        for r in range(ROUNDS + 1):
            marker = f"bare-{r}"
            payload = orjson.dumps({"type": "comment", "comment": {"text": marker}}).decode()
            elapsed = await _timed(audience, marker, partial(sender.send, payload))
            if r:  # the first round warms up
                times.append(elapsed)
        await audience.close()
        await sender.close()
    return times


# -- Shoplet -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def shoplet_server() -> AsyncIterator[tuple[str, Any, str]]:
    import uvicorn

    from bench.place_order import _fresh_schema
    from bench.runner import _settings, detect_backend
    from shoplet.app import create_app

    backend = await detect_backend()
    await _fresh_schema(backend)
    settings = _settings(backend).model_copy(
        update={
            "live_comment_gap_seconds": 0,
            "live_comment_per_minute": 600,
            # 2 000 joins at once queue on SQLite's one writer: not what is measured here.
            "log_level": "ERROR",
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                lifespan="off",
                log_level="warning",
                ws_max_queue=1024,
                backlog=4096,
            )
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                raise RuntimeError("uvicorn did not start")
            await asyncio.sleep(0.01)
        try:
            yield f"ws://127.0.0.1:{port}", app.state.ctx, backend.name
        finally:
            server.should_exit = True
            await task


async def shoplet(viewers: int) -> tuple[list[float], str]:
    from shoplet.core.db import unit_of_work, utcnow
    from shoplet.modules.live import schemas, service
    from shoplet.modules.live.hub import hub_of

    async with shoplet_server() as (base, ctx, backend_name):
        async with unit_of_work(ctx.sessionmaker) as session:
            made = await service.create_session(
                session,
                ctx,
                schemas.LiveSessionCreate(
                    title="基准直播", anchor_name="主播", scheduled_at=utcnow() + timedelta(hours=1)
                ),
            )
            await service.start(session, hub_of(ctx), session_id=made.id)
        url = f"{base}/api/v1/live/sessions/{made.id}/ws"

        def token(member_id: int) -> str:
            return str(
                ctx.tokens.issue(
                    subject=str(member_id), audience="storefront", ttl=timedelta(hours=1)
                )
            )

        def hello(i: int) -> str:
            return orjson.dumps({"type": "auth", "token": token(100_000 + i)}).decode()

        sockets = await _connect_all(url, viewers, hello, "ready")
        [sender] = await _connect_all(url, 1, lambda i: hello(viewers + 1), "ready")
        audience = Audience(
            sockets,
            lambda data: (
                b'"type":"comment"' in (data if isinstance(data, bytes) else data.encode())
            ),
        )
        times = []
        for r in range(ROUNDS + 1):
            marker = f"shoplet-{r}"
            frame = orjson.dumps({"type": "comment", "ref": marker, "text": marker}).decode()
            elapsed = await _timed(audience, marker, partial(sender.send, frame))
            if r:
                times.append(elapsed)
        await audience.close()
        await sender.close()
    return times, backend_name


def _loop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def measure(viewers: int) -> dict[str, Any]:
    bare = await baseline(viewers)
    ours, backend = await shoplet(viewers)
    return {"viewers": viewers, "bare": bare, "shoplet": ours, "backend": backend}


def render(result: dict[str, Any], add: Any) -> None:
    viewers = result["viewers"]
    bare, ours = result["bare"], result["shoplet"]
    add(BEGIN)
    add("## Live comment fan-out (`python -m bench.live_fanout`)")
    add("")
    add("```sh")
    add("python -m bench.live_fanout [VIEWERS]   # one process: uvicorn + the clients")
    add("```")
    add("")
    add(
        f"{viewers:,} WebSocket viewers joined to one live session through the real socket route "
        f"(backend: {result['backend']}), one more shopper commenting over the same socket; the "
        "time from the sender's send to the last viewer holding the comment frame (screening, "
        "insert, commit, the hub's publish and the delivery to every socket). Baseline in the "
        "same run: a bare `websockets` server broadcasting each message to the same number of "
        f"clients. {ROUNDS} comments each after one warm-up; the clients share the server's event "
        "loop and the machine's cores, in both cases."
    )
    add("")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    add(f"Load average at the end: {load} on {os.cpu_count()} CPUs.")
    add("")
    add("| case | median to last viewer | worst | ratio to bare broadcast | target | status |")
    add("| --- | ---: | ---: | ---: | --- | --- |")
    base = statistics.median(bare)
    for title, times, target in (
        ("baseline: bare `websockets.broadcast`", bare, None),
        ("Shoplet live room (comment → every viewer)", ours, TARGET_SECONDS),
    ):
        median = statistics.median(times)
        verdict = "—" if target is None else ("met" if max(times) <= target else "**missed**")
        goal = "—" if target is None else f"≤ {target:g} s for every comment"
        add(
            f"| {title} | {median * 1000:,.0f} ms | {max(times) * 1000:,.0f} ms | "
            f"{median / base:.1f} | {goal} | {verdict} |"
        )
    add("")
    add(
        "The room serialises each frame once per audience and hands it to every connection's "
        "bounded queue (a writer task per socket), so a slow phone is dropped (4008) instead of "
        "delaying the room."
    )
    add("")
    add(END)


def main(argv: list[str]) -> None:
    viewers = int(argv[0]) if argv else 2_000
    _loop()
    result = asyncio.run(measure(viewers))
    replace_section(REPORT, BEGIN, END, lambda add: render(result, add))
    print(
        f"live fan-out to {viewers} viewers: bare median "
        f"{statistics.median(result['bare']) * 1000:.0f} ms, shoplet median "
        f"{statistics.median(result['shoplet']) * 1000:.0f} ms, worst "
        f"{max(result['shoplet']) * 1000:.0f} ms (target <= {TARGET_SECONDS:g} s)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
