"""Two real Shoplet processes (uvicorn) sharing PostgreSQL and Redis: what is written through
one reaches the WebSockets held by the other (the hub's Redis fan-out), both ways; a send over
the socket is acknowledged and counted against the same rate limit (an error frame past it);
a bad token closes the socket with 4401, and no token ever travels in the URL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.modules.staff.service import issue_token
from tests.conftest import BackendDb
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, make_staff
from tests.modules.support.factories import OPEN, SEND, console_url
from tests.servers import UvicornServer, replica_env

Frame = dict[str, Any]


def create_support_app() -> FastAPI:
    """uvicorn factory for the subprocesses: the plain Shoplet app."""
    return create_app(Settings())


@pytest.fixture
def two_servers(
    backend_db: BackendDb, backend: str, tmp_path: Path
) -> Iterator[list[UvicornServer]]:
    if backend != "postgres":
        pytest.skip("embedded mode is one process: the hub delivers in process (test_hub.py)")
    assert backend_db.redis_url
    env = replica_env(
        database_url=backend_db.url,
        redis_url=backend_db.redis_url,
        data_dir=tmp_path,
        redis_prefix=backend_db.redis_prefix,
    )
    servers = [
        UvicornServer(
            "tests.modules.support.test_two_processes:create_support_app",
            env,
            tmp_path / f"server-{name}.log",
        )
        for name in "ab"
    ]
    yield servers
    for server in servers:
        server.stop()


async def until(ws: ClientConnection, match: Callable[[Frame], bool]) -> Frame:
    """The next frame that ``match``es (others are skipped), within 15 s."""

    async def read() -> Frame:
        while True:
            frame: Frame = orjson.loads(await ws.recv())
            if match(frame):
                return frame

    return await asyncio.wait_for(read(), 15)


async def signed_in(url: str, token: str) -> ClientConnection:
    ws = await connect(url)
    await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
    await until(ws, lambda f: f["type"] == "ready")
    return ws


async def drain(ws: ClientConnection) -> None:
    while True:
        await ws.recv()


def text_of(frame: Frame) -> str | None:
    message = frame.get("message") or {}
    return message.get("text") if frame["type"] in ("message", "ack") else None


async def test_a_message_written_through_one_process_reaches_sockets_on_the_other(
    two_servers: list[UvicornServer], client: httpx.AsyncClient, ctx: AppContext
) -> None:
    a, b = two_servers
    async with httpx.AsyncClient(timeout=20) as http:
        await asyncio.gather(a.wait_ready(http, 180), b.wait_ready(http, 180))
    alice = await shopper(client)
    staff = bearer(issue_token(ctx, await make_staff(ctx, "kefu", role="support")).access_token)
    ws_b = b.base_url.replace("http://", "ws://")
    alice_token = alice.headers["Authorization"].removeprefix("Bearer ")
    staff_token = staff["Authorization"].removeprefix("Bearer ")

    staff_ws = await signed_in(f"{ws_b}/api/v1/console/support/ws", staff_token)
    alice_ws = await signed_in(f"{ws_b}/api/v1/support/ws", alice_token)
    try:
        async with httpx.AsyncClient(base_url=a.base_url, timeout=20) as on_a:
            opened = (await on_a.post(OPEN, headers=alice.headers)).json()
            queued = await until(staff_ws, lambda f: f["type"] == "conversation")
            assert queued["conversation"]["id"] == opened["id"]
            assert queued["conversation"]["status"] == "queued"

            sent = await on_a.post(
                SEND, json={"kind": "text", "text": "你好"}, headers=alice.headers
            )
            assert sent.status_code == 201, sent.text
            assert text_of(await until(staff_ws, lambda f: text_of(f) == "你好")) == "你好"
            await until(alice_ws, lambda f: text_of(f) == "你好")  # the shopper's other devices

            claim = await on_a.post(console_url(opened["id"], "claim"), headers=staff)
            assert claim.status_code == 200
            reply = await on_a.post(
                console_url(opened["id"], "messages"),
                json={"kind": "text", "text": "您好，请问有什么可以帮您"},
                headers=staff,
            )
            assert reply.status_code == 201
            got = await until(alice_ws, lambda f: text_of(f) == "您好，请问有什么可以帮您")
            assert got["message"]["sender"] == "staff"

        # Over the socket: acknowledged, and the same limit (10 per 10 s; "你好" above may have
        # left the window already on a slow machine, so 11 sends: at least one is refused).
        for i in range(11):
            await alice_ws.send(
                orjson.dumps(
                    {"type": "send", "ref": f"r{i}", "kind": "text", "text": f"ws{i}"}
                ).decode()
            )
        answers = [
            await until(alice_ws, lambda f, ref=f"r{i}": f.get("ref") == ref) for i in range(11)
        ]
        kinds = [f["type"] for f in answers]
        assert kinds[0] == "ack"
        assert kinds[-1] == "error"
        assert 9 <= kinds.count("ack") <= 10
        assert {f["code"] for f in answers if f["type"] == "error"} == {"support.rate_limited"}
        await until(staff_ws, lambda f: text_of(f) == "ws0")
    finally:
        await alice_ws.close()
        await staff_ws.close()


async def test_a_bad_token_closes_the_socket(
    two_servers: list[UvicornServer], client: httpx.AsyncClient
) -> None:
    a = two_servers[0]
    async with httpx.AsyncClient(timeout=20) as http:
        await a.wait_ready(http, 180)
    ws = await connect(a.base_url.replace("http://", "ws://") + "/api/v1/support/ws")
    await ws.send(orjson.dumps({"type": "auth", "token": "not-a-token"}).decode())
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(drain(ws), 15)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
