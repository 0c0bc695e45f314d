"""Plain async helpers for the content tests (no tests here): a shopper who bought a product,
questions, posts and topics through the API, the moderation queue's item of a subject."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.content.models import Post, Question, Topic
from shoplet.modules.moderation.models import Item
from shoplet.modules.orders.models import Order
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.review.factories import bought, png_bytes

API = "/api/v1"
CONSOLE = "/api/v1/console/content"
MODERATION = "/api/v1/console/moderation"
CONTENT_TABLES = (
    "content_question",
    "content_answer",
    "content_topic",
    "content_post",
    "content_post_image",
    "content_post_video",
    "content_comment",
    "content_like",
    "content_post_favorite",
    "content_follow",
    "content_notice",
    "moderation_item",
    "moderation_media",
    "moderation_decision",
)


async def buyer(client: httpx.AsyncClient, ctx: AppContext, name: str) -> tuple[Shopper, int]:
    """A shopper with a paid order of a new product: (shopper, product id)."""
    who = await shopper(client, name)
    order_no, _, product_id = await bought(client, ctx, who)
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Order).where(Order.order_no == order_no).values(paid_at=utcnow()))
    return who, product_id


async def ask(
    client: httpx.AsyncClient, who: Shopper, product_id: int, content: str
) -> httpx.Response:
    return await client.post(
        f"{API}/products/{product_id}/questions", json={"content": content}, headers=who.headers
    )


async def answer(
    client: httpx.AsyncClient, who: Shopper, question_id: int, content: str
) -> httpx.Response:
    return await client.post(
        f"{API}/questions/{question_id}/answers", json={"content": content}, headers=who.headers
    )


async def topic(client: httpx.AsyncClient, staff: dict[str, str], name: str) -> int:
    response = await client.post(f"{CONSOLE}/topics", json={"name": name}, headers=staff)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def image(client: httpx.AsyncClient, who: Shopper, color: tuple[int, int, int]) -> int:
    response = await client.post(
        f"{API}/content/images",
        files={"file": ("p.png", png_bytes(color), "image/png")},
        headers=who.headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def video(
    client: httpx.AsyncClient, who: Shopper, data: bytes, name: str = "v.mp4"
) -> httpx.Response:
    return await client.post(
        f"{API}/content/videos", files={"file": (name, data, "video/mp4")}, headers=who.headers
    )


async def post(client: httpx.AsyncClient, who: Shopper, **body: Any) -> httpx.Response:
    return await client.post(f"{API}/posts", json=body, headers=who.headers)


async def item_id(ctx: AppContext, subject_type: str, subject_id: int) -> int:
    async with ctx.sessionmaker() as s:
        found = await s.scalar(
            select(Item.id).where(Item.subject_type == subject_type, Item.subject_id == subject_id)
        )
    assert found is not None
    return int(found)


async def question_row(ctx: AppContext, question_id: int) -> Question:
    async with ctx.sessionmaker() as s:
        row = await s.get(Question, question_id)
    assert row is not None
    return row


async def post_row(ctx: AppContext, post_id: int) -> Post:
    async with ctx.sessionmaker() as s:
        row = await s.get(Post, post_id)
    assert row is not None
    return row


async def topic_count(ctx: AppContext, topic_id: int) -> int:
    async with ctx.sessionmaker() as s:
        row = await s.get(Topic, topic_id)
    assert row is not None
    return row.post_count
