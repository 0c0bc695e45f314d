"""The WeChat simulator over HTTP for the integration tests of the clients that share its
access token (wxacode.getUnlimited, getPhoneNumber): the simulator, a recorder of every request
it sees, and an httpx client on them through the ASGI transport. A test module uses the
fixtures by importing them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator

APPID = "wx-test-app"
SECRET = "test-app-secret"  # pragma: allowlist secret


class Recorder:
    """Wraps the simulator and keeps every request it saw (path, query, JSON body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        self.requests.append((scope["path"], scope["query_string"].decode(), body))
        sent = False

        async def replay() -> dict[str, object]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@pytest.fixture
def simulator() -> WxacodeSimulator:
    return WxacodeSimulator(appid=APPID, secret=SECRET, daily_quota=20)


@pytest.fixture
def recorder(simulator: WxacodeSimulator) -> Recorder:
    return Recorder(simulator.app)


@pytest.fixture
async def http(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=recorder)
    async with httpx.AsyncClient(transport=transport, base_url="http://wechat.simulator") as c:
        yield c
