"""Plain async helpers for the review tests (no tests here): an order ready to review, photos,
reviews through the storefront API, direct reads of the review and growth tables."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.loyalty.models import PointsAccount, PointsEntry
from shoplet.modules.membership.models import GrowthEntry
from shoplet.modules.orders.models import Order, OrderLine
from shoplet.modules.review.models import ProductStats, Review
from tests.modules.orders.factories import Shopper, placed, product

REVIEWS = "/api/v1/reviews"
PHOTOS = "/api/v1/reviews/photos"
CONSOLE = "/api/v1/console/reviews"
REVIEW_TABLES = (
    "review_review",
    "review_photo",
    "review_video",
    "review_product_stats",
    "membership_growth_entry",
    "loyalty_points_entry",
)


def png_bytes(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="PNG")
    return out.getvalue()


async def set_status(ctx: AppContext, order_no: str, status: str) -> None:
    """Move an order straight to ``status`` (payment and delivery are tested in orders)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Order).where(Order.order_no == order_no).values(status=status))


async def bought(
    client: httpx.AsyncClient,
    ctx: AppContext,
    who: Shopper,
    *,
    product_id_and_skus: tuple[int, list[int]] | None = None,
    status: str = "completed",
) -> tuple[str, list[int], int]:
    """An order of one unit of each SKU of a product, moved to ``status``:
    (order no, line ids, product id)."""
    product_id, skus = product_id_and_skus or await product(ctx, (5900, 50), (6900, 50))
    order = await placed(client, who, [(sku_id, 1) for sku_id in skus])
    await set_status(ctx, order["order_no"], status)
    async with ctx.sessionmaker() as s:
        order_id = await s.scalar(select(Order.id).where(Order.order_no == order["order_no"]))
        lines = list(
            await s.scalars(
                select(OrderLine.id).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
            )
        )
    return order["order_no"], lines, product_id


async def upload(client: httpx.AsyncClient, who: Shopper, data: bytes | None = None) -> int:
    response = await client.post(
        PHOTOS, files={"file": ("p.png", data or png_bytes(), "image/png")}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def write(
    client: httpx.AsyncClient, who: Shopper, order_no: str, line_id: int, **body: Any
) -> httpx.Response:
    payload: dict[str, Any] = {"order_no": order_no, "line_id": line_id, "rating": 5}
    payload.update(body)
    return await client.post(REVIEWS, json=payload, headers=who.headers)


async def review_rows(ctx: AppContext) -> list[Review]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(Review).order_by(Review.id)))


async def growth_entries(ctx: AppContext, member_id: int) -> list[tuple[int, str, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(GrowthEntry)
            .where(GrowthEntry.member_id == member_id, GrowthEntry.reason == "review")
            .order_by(GrowthEntry.id)
        )
        return [(r.amount, r.reason, r.ref) for r in rows]


async def stats(ctx: AppContext, product_id: int) -> dict[str, int] | None:
    async with ctx.sessionmaker() as s:
        row = await s.get(ProductStats, product_id)
        if row is None:
            return None
        names = ("total", "good", "neutral", "bad", "with_photos", "rating_sum")
        return {n: getattr(row, n) for n in names}


async def point_entries(ctx: AppContext, member_id: int) -> list[tuple[str, int, str]]:
    """The member's review points ledger: (kind, points, ref) in order."""
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(PointsEntry)
            .where(PointsEntry.member_id == member_id, PointsEntry.reason == "review")
            .order_by(PointsEntry.id)
        )
        return [(r.kind, r.points, r.ref) for r in rows]


async def points_balance(ctx: AppContext, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        account = await s.get(PointsAccount, member_id)
        return account.balance if account is not None else 0
