"""A real HTTP receiver for webhook tests: an aiohttp server on a free loopback port that
answers a scripted list of statuses (the last one repeats) and remembers every request."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    statuses: list[int]
    url: str = ""
    seen: list[Received] = field(default_factory=list)
    # Set: the next request waits for ``release`` before answering (a worker dies meanwhile).
    hold_next: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(Received(dict(request.headers), body))
        index = len(self.seen) - 1
        self.arrived.set()
        if self.hold_next:
            self.hold_next = False
            await self.release.wait()
        status = self.statuses[min(index, len(self.statuses) - 1)]
        return web.Response(status=status, text=f"answer {index + 1}: {status}")

    def event_ids(self) -> list[str]:
        return [r.headers["X-Shoplet-Event-Id"] for r in self.seen]


@asynccontextmanager
async def receiver(*statuses: int) -> AsyncIterator[Receiver]:
    rec = Receiver(list(statuses) or [200])
    app = web.Application()
    app.router.add_post("/hooks", rec.handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    rec.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
    try:
        yield rec
    finally:
        rec.release.set()
        await runner.cleanup()
