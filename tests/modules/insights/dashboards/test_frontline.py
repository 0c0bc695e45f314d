"""一线看板 over HTTP (SQLite and PostgreSQL): the tiles and their drill lists, per role; the
live stream through a real uvicorn server (``text/event-stream`` read as it comes with httpx):
the first event carries every tile, an order paid afterwards changes the to-ship tile alone,
heartbeats fill the silence, and the stream ends by itself."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import insert

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.insights.alerts.models import Incident
from shoplet.modules.insights.dashboards import frontline
from tests.modules.insights.alerts_factories import anomaly_monitor
from tests.modules.orders.console_factories import (
    make_sku,
    paid_order,
    place_order,
    shopper_headers,
)
from tests.modules.staff.conftest import bearer, token_for
from tests.servers import free_port

BOARD = "/api/v1/console/insights/boards/frontline"
STREAM = f"{BOARD}/stream"


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    ends_soon = "ends_by_itself" in request.node.name
    return {
        "insights_live_seconds": 0.1,
        "insights_live_heartbeat_seconds": 0.3,
        "insights_live_max_seconds": 0.5 if ends_soon else 30,
    }


@pytest.fixture
async def operator(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "front-operator"))


async def _open_incident(client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]) -> int:
    response = await client.post(
        "/api/v1/console/insights/alerts/monitors", json=anomaly_monitor([]), headers=staff
    )
    assert response.status_code == 201, response.text
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        incident_id = await s.scalar(
            insert(Incident)
            .values(
                monitor_id=response.json()["id"],
                status="open",
                bucket_at=now,
                last_firing_at=now,
                opened_at=now,
                reason="UV 下降",
                normal_streak=0,
            )
            .returning(Incident.id)
        )
    assert incident_id is not None
    return int(incident_id)


async def test_tiles_drill_lists_and_roles(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    plenty = await make_sku(ctx, title="帆布包", price=4990, stock=100)
    scarce = await make_sku(ctx, title="限量徽章", price=1990, stock=6)
    last_one = await make_sku(ctx, title="签名海报", price=990, stock=1)
    first = await paid_order(app, ctx, plenty, member_id=2001)
    second = await paid_order(app, ctx, last_one, member_id=2002)
    await place_order(ctx, scarce, member_id=2003)  # pending: reserves 1, not to ship
    asked = await client.post(
        f"/api/v1/orders/{first}/aftersales",
        json={"kind": "refund_only", "reason": "拍错了", "amount": 4990},
        headers=shopper_headers(ctx, 2001),
    )
    assert asked.status_code == 201, asked.text
    incident_id = await _open_incident(client, ctx, operator)

    response = await client.get(BOARD, headers=operator)
    assert response.status_code == 200, response.text
    board = response.json()
    tiles = {t["code"]: t for t in board["tiles"]}
    assert list(tiles) == ["to_ship", "aftersales", "stock_outs", "low_stock", "alerts"]
    assert tiles["to_ship"]["value"] == 2
    assert [i["key"] for i in tiles["to_ship"]["items"]] == [first, second]  # oldest first
    assert tiles["to_ship"]["items"][0]["link"] == f"/orders/{first}"
    assert tiles["to_ship"]["items"][0]["amount"] == 4990
    assert tiles["to_ship"]["link"] == "/orders?status=paid"
    assert tiles["aftersales"]["value"] == 1
    [queued] = tiles["aftersales"]["items"]
    assert queued["detail"] == "仅退款 · 待审核"
    assert (queued["amount"], queued["link"]) == (4990, f"/orders/{first}")
    assert tiles["stock_outs"]["value"] == 1
    assert [(i["label"], i["quantity"]) for i in tiles["stock_outs"]["items"]] == [("签名海报", 0)]
    assert tiles["low_stock"]["value"] == 1
    [low] = tiles["low_stock"]["items"]
    assert (low["label"], low["quantity"], low["detail"]) == ("限量徽章", 5, "颜色:黑 · 可售 5 件")
    assert low["link"] == f"/products/{scarce.product_id}"
    assert tiles["alerts"]["value"] == 1
    assert tiles["alerts"]["items"][0]["key"] == str(incident_id)
    assert tiles["alerts"]["items"][0]["detail"] == "访客数 UV · 告警中"
    assert board["refresh_seconds"] == frontline.POLL_SECONDS

    # Support staff see the tiles of their work, not the alerts.
    support = bearer(await token_for(client, ctx, "front-support", role="support"))
    response = await client.get(BOARD, headers=support)
    assert response.status_code == 200, response.text
    assert [t["code"] for t in response.json()["tiles"]] == [
        "to_ship",
        "aftersales",
        "stock_outs",
        "low_stock",
    ]
    assert (await client.get(BOARD)).status_code == 401
    assert (await client.get(STREAM)).status_code == 401
    assert not frontline.may_see({"dashboard:read", "analytics:view"})


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The test's app behind a real uvicorn on a free port, in this event loop (a streamed
    answer reaches the client event by event, through every middleware)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await task


class Events:
    """Server-sent events parsed from a streamed answer: (event, data) and comment lines."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()
        self.comments = 0

    async def next(self) -> tuple[str, dict[str, Any]]:
        name, data = "message", ""
        async for line in self.lines:
            if line.startswith(":"):
                self.comments += 1
            elif line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data += line.removeprefix("data: ")
            elif line == "" and data:
                return name, orjson.loads(data)
        raise AssertionError("the stream ended")


async def test_the_stream_sends_every_tile_then_what_changed(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sku = await make_sku(ctx, title="帆布包", price=4990, stock=100)
    await paid_order(app, ctx, sku, member_id=2001)
    async with (
        served(app) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as http,
        http.stream("GET", STREAM, headers=operator) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        events = Events(response)
        name, first = await asyncio.wait_for(events.next(), 5)
        assert name == "tiles"
        assert first["full"] is True
        tiles = {t["code"]: t["value"] for t in first["tiles"]}
        assert tiles == {
            "to_ship": 1,
            "aftersales": 0,
            "stock_outs": 0,
            "low_stock": 0,
            "alerts": 0,
        }

        # Nothing changes: heartbeats only.
        await asyncio.sleep(0.8)
        await paid_order(app, ctx, sku, member_id=2002)
        name, update = await asyncio.wait_for(events.next(), 5)
        assert events.comments >= 2  # the heartbeats of the quiet second
        assert name == "tiles"
        assert update["full"] is False
        [changed] = update["tiles"]
        assert (changed["code"], changed["value"]) == ("to_ship", 2)
        assert len(changed["items"]) == 2


async def test_the_stream_ends_by_itself_and_checks_the_role(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        started = asyncio.get_running_loop().time()
        response = await http.get(STREAM, headers=operator)
        assert response.status_code == 200
        assert 0.4 < asyncio.get_running_loop().time() - started < 5
        assert response.text.startswith("retry: 3000\n\n")
        assert response.text.count("event: tiles") == 1

        support = bearer(await token_for(client, ctx, "stream-support", role="support"))
        async with http.stream("GET", STREAM, headers=support) as streamed:
            _, first = await asyncio.wait_for(Events(streamed).next(), 5)
        assert "alerts" not in {t["code"] for t in first["tiles"]}
