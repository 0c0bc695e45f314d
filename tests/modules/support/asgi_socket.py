"""A WebSocket client that speaks ASGI to the app in the test's own event loop (no server, no
port), so socket paths run on both databases with the same fixtures as the REST tests."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any

import orjson
from fastapi import FastAPI

Frame = dict[str, Any]


class AsgiSocket:
    def __init__(self, app: FastAPI, path: str) -> None:
        self._app = app
        self._path = path
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AsgiSocket:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": self._path,
            "raw_path": self._path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
            "subprotocols": [],
        }
        self._task = asyncio.create_task(
            self._app(scope, self._to_app.get, self._from_app.put)  # type: ignore[arg-type]
        )
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(self._from_app.get(), 10)
        assert accepted["type"] == "websocket.accept", accepted
        return self

    async def send(self, frame: Frame) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": orjson.dumps(frame).decode()})

    async def receive(self) -> Frame:
        """The next frame the server sends, within 10 s."""
        message = await asyncio.wait_for(self._from_app.get(), 10)
        assert message["type"] == "websocket.send", message
        raw = message.get("text") or message.get("bytes")
        frame: Frame = orjson.loads(raw)
        return frame

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
