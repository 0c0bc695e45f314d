"""Plain helpers for the live-session tests (no tests here): URLs, a scheduled or live session
with a shelf, and direct reads of the live tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.live.models import LiveComment, LiveSession

STORE = "/api/v1/live/sessions"
CONSOLE = "/api/v1/console/live/sessions"
TABLES = (
    "live_session",
    "live_shelf_item",
    "live_subscription",
    "live_restriction",
    "live_comment",
    "live_viewer",
    "live_coupon",
    "live_sale",
)


def store_url(session_id: int, action: str = "") -> str:
    return f"{STORE}/{session_id}" + (f"/{action}" if action else "")


def console_url(session_id: int, action: str = "") -> str:
    return f"{CONSOLE}/{session_id}" + (f"/{action}" if action else "")


def session_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "秋冬新品直播",
        "anchor_name": "小美",
        "scheduled_at": (utcnow() + timedelta(hours=1)).isoformat(),
    }
    body.update(overrides)
    return body


async def scheduled(
    client: httpx.AsyncClient, operator: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(CONSOLE, json=session_body(**overrides), headers=operator)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def live(
    client: httpx.AsyncClient,
    operator: dict[str, str],
    shelf: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    made = await scheduled(client, operator)
    if shelf:
        response = await client.put(
            console_url(made["id"], "shelf"), json={"items": shelf}, headers=operator
        )
        assert response.status_code == 200, response.text
    started = await client.post(console_url(made["id"], "start"), headers=operator)
    assert started.status_code == 200, started.text
    body: dict[str, Any] = started.json()
    return body


async def say(
    client: httpx.AsyncClient, headers: dict[str, str], sid: int, text: str
) -> httpx.Response:
    return await client.post(store_url(sid, "comments"), json={"text": text}, headers=headers)


async def comment_rows(ctx: AppContext) -> list[LiveComment]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(LiveComment).order_by(LiveComment.id)))


async def session_row(ctx: AppContext, session_id: int) -> LiveSession:
    async with ctx.sessionmaker() as s:
        row = await s.get(LiveSession, session_id)
        assert row is not None
        return row
