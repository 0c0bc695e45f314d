"""Plain helpers for the support chat tests (no tests here): URLs, opening a conversation,
sending, and direct reads of the support tables."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.support.models import Conversation, Message
from tests.modules.orders.factories import Shopper

OPEN = "/api/v1/support/conversation"
SEND = "/api/v1/support/conversation/messages"
IMAGES = "/api/v1/support/conversation/images"
CONSOLE = "/api/v1/console/support"
TABLES = ("support_conversation", "support_message", "support_quick_reply")


def messages_url(conversation_id: int) -> str:
    return f"/api/v1/support/conversations/{conversation_id}/messages"


def console_url(conversation_id: int, action: str = "") -> str:
    return f"{CONSOLE}/conversations/{conversation_id}" + (f"/{action}" if action else "")


async def open_chat(client: httpx.AsyncClient, who: Shopper) -> dict[str, Any]:
    response = await client.post(OPEN, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def say(client: httpx.AsyncClient, who: Shopper, text: str) -> httpx.Response:
    return await client.post(SEND, json={"kind": "text", "text": text}, headers=who.headers)


async def claimed(client: httpx.AsyncClient, who: Shopper, agent: dict[str, str]) -> dict[str, Any]:
    conversation = await open_chat(client, who)
    response = await client.post(console_url(conversation["id"], "claim"), headers=agent)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def message_rows(ctx: AppContext) -> list[Message]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(Message).order_by(Message.id)))


async def conversation_row(ctx: AppContext, conversation_id: int) -> Conversation:
    async with ctx.sessionmaker() as s:
        row = await s.get(Conversation, conversation_id)
        assert row is not None
        return row
