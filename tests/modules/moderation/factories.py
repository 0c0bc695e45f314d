"""Plain async helpers for the moderation tests: staff sign-in, lexicon words, photos with their
URLs, the simulator, and direct reads of the moderation tables."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.integrations.wechat.security_simulator import ContentSecuritySimulator
from shoplet.modules.moderation.models import Decision, Item
from tests.modules.orders.factories import Shopper
from tests.modules.review.factories import PHOTOS, png_bytes

CONSOLE = "/api/v1/console/moderation"
PUSH = "/api/v1/moderation/wechat/push"
APPEALS = "/api/v1/moderation/appeals"
MODERATION_TABLES = (
    "moderation_item",
    "moderation_media",
    "moderation_decision",
    "moderation_word",
    "moderation_lexicon",
    "review_review",
    "review_product_stats",
)


def simulator(app: FastAPI) -> ContentSecuritySimulator:
    sim: ContentSecuritySimulator = app.state.content_security_simulator
    return sim


async def add_word(
    client: httpx.AsyncClient, staff: dict[str, str], word: str, category: str, action: str
) -> int:
    response = await client.post(
        f"{CONSOLE}/words",
        json={"word": word, "category": category, "action": action},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def upload_url(
    client: httpx.AsyncClient, who: Shopper, color: tuple[int, int, int]
) -> tuple[int, str]:
    response = await client.post(
        PHOTOS, files={"file": ("p.png", png_bytes(color), "image/png")}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"]), str(response.json()["url"])


async def item_of(ctx: AppContext, review_id: int) -> Item:
    async with ctx.sessionmaker() as s:
        return (
            await s.scalars(
                select(Item).where(Item.subject_type == "review", Item.subject_id == review_id)
            )
        ).one()


async def decisions(ctx: AppContext, item_id: int) -> list[tuple[str | None, str, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(Decision).where(Decision.item_id == item_id).order_by(Decision.id)
        )
        return [(d.from_status, d.to_status, d.actor.split(":")[0]) for d in rows]
