"""The room over real WebSockets (the app served by uvicorn in this process, on a free port):
two shoppers and the control room in one session. A's comment is acknowledged to A and reaches
B (without A's member id) and the control room (with it); a second comment too soon is an error
frame; 讲解 and likes reach everyone; a banned shopper gets ``banned``, the socket closes with
4403 and rejoining is refused; a socket without a valid first frame closes with 4401."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from shoplet.core.context import AppContext
from shoplet.modules.staff.service import issue_token
from tests.modules.live.factories import console_url, live
from tests.modules.orders.factories import product, shopper
from tests.modules.staff.conftest import make_staff
from tests.servers import free_port

Frame = dict[str, Any]


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The test's app (its lifespan already running) on a free loopback port: its ws:// base."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


async def until(ws: ClientConnection, match: Callable[[Frame], bool]) -> Frame:
    """The next frame that ``match``es (others are skipped), within 10 s."""

    async def read() -> Frame:
        while True:
            frame: Frame = orjson.loads(await ws.recv())
            if match(frame):
                return frame

    return await asyncio.wait_for(read(), 10)


async def joined(url: str, token: str) -> tuple[ClientConnection, Frame]:
    ws = await connect(url)
    await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
    return ws, await until(ws, lambda f: f["type"] in ("ready", "error"))


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def test_two_shoppers_and_the_control_room_share_the_room(
    served: str, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    product_id, _ = await product(ctx, (5900, 50))
    sid = (await live(client, operator, [{"product_id": product_id, "live_price": 4900}]))["id"]
    room = f"{served}/api/v1/live/sessions/{sid}/ws"
    staff_token = issue_token(ctx, await make_staff(ctx, "changkong")).access_token

    a, ready_a = await joined(room, token_of(alice.headers))
    b, ready_b = await joined(room, token_of(bob.headers))
    control, ready_c = await joined(f"{served}/api/v1/console/live/sessions/{sid}/ws", staff_token)
    assert (ready_a["status"], ready_a["explaining"]) == ("live", None)
    assert ready_b["viewers"] == 2
    assert "member_id" not in ready_b
    assert ready_c["metrics"]["viewers"] == 2

    await a.send(orjson.dumps({"type": "comment", "ref": "r1", "text": "有XL吗"}).decode())
    ack = await until(a, lambda f: f["type"] in ("ack", "error"))
    assert (ack["type"], ack["ref"], ack["comment"]["text"]) == ("ack", "r1", "有XL吗")
    seen = await until(b, lambda f: f["type"] == "comment")
    assert seen["comment"]["text"] == "有XL吗"
    assert "member_id" not in seen["comment"]
    staff_seen = await until(control, lambda f: f["type"] == "comment")
    assert staff_seen["comment"]["member_id"] == alice.member_id

    await a.send(orjson.dumps({"type": "comment", "ref": "r2", "text": "在吗"}).decode())
    error = await until(a, lambda f: f["type"] in ("ack", "error"))
    assert (error["ref"], error["code"]) == ("r2", "live.rate_limited")

    explained = await client.post(
        console_url(sid, "explain"), json={"product_id": product_id}, headers=operator
    )
    assert explained.status_code == 200, explained.text
    card = await until(b, lambda f: f["type"] == "explaining")
    assert (card["product"]["product_id"], card["product"]["live_price"]) == (product_id, 4900)

    await b.send(orjson.dumps({"type": "like", "count": 3}).decode())
    stats = await until(a, lambda f: f["type"] == "stats" and f["likes"] == 3)
    assert stats["online"] == 2

    banned = await client.post(
        console_url(sid, "restrictions"),
        json={"member_id": bob.member_id, "kind": "ban"},
        headers=operator,
    )
    assert banned.status_code == 201, banned.text
    assert (await until(b, lambda f: f["type"] == "banned"))["session_id"] == sid
    with pytest.raises(ConnectionClosed):
        await until(b, lambda f: False)
    assert b.close_code == 4403
    again, refused = await joined(room, token_of(bob.headers))
    assert refused["code"] == "live.banned"
    with pytest.raises(ConnectionClosed):
        await again.recv()
    assert again.close_code == 4403

    bad = await connect(room)
    await bad.send(orjson.dumps({"type": "auth", "token": "nope"}).decode())
    with pytest.raises(ConnectionClosed):
        await until(bad, lambda f: False)
    assert bad.close_code == 4401
    for ws in (a, control):
        await ws.close()
