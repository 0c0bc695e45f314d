"""Search by photo over the real app, on SQLite and PostgreSQL: a catalogue of coloured shapes
(and look-alikes: the same colour in another shape, the same shape in another colour), a
phone-style photo of one of them (other size, off-centre, tinted background, noise, JPEG) finds
it first; the job describes each product once; bad uploads are refused with nothing changed."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.storage import get_storage
from shoplet.modules.catalog import public as catalog
from shoplet.modules.search import images
from shoplet.modules.search.public import runtime_of
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, make_product, sku

IMAGE_SEARCH = "/api/v1/search/image"
Box = tuple[int, int, int, int]

RED = (220, 30, 30)
BLUE = (30, 60, 200)
GREEN = (30, 160, 60)
ORANGE = (240, 140, 20)

CATALOGUE = {
    "红色圆形抱枕": ("circle", RED),
    "蓝色方形收纳盒": ("square", BLUE),
    "绿色三角旗": ("triangle", GREEN),
    # look-alikes
    "红色方形坐垫": ("square", RED),
    "红色三角警示牌": ("triangle", RED),
    "橙色圆形餐垫": ("circle", ORANGE),
    "蓝色圆形杯垫": ("circle", BLUE),
    "绿色方形地垫": ("square", GREEN),
}


def drawing(
    kind: str,
    color: tuple[int, int, int],
    *,
    size: tuple[int, int] = (600, 600),
    box: Box = (150, 150, 450, 450),
    background: tuple[int, int, int] = (255, 255, 255),
    noise: float = 0.0,
    fmt: str = "PNG",
) -> bytes:
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = box
    if kind == "circle":
        draw.ellipse(box, fill=color)
    elif kind == "square":
        draw.rectangle(box, fill=color)
    else:
        draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=color)
    if noise:
        pixels = np.asarray(image, dtype=np.float64)
        pixels += np.random.default_rng(7).normal(0, noise, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return out.getvalue()


def photo_of_a_red_circle() -> bytes:
    """What a shopper's camera gives: larger, off-centre, a warm grey table, sensor noise."""
    return drawing(
        "circle",
        (205, 40, 35),
        size=(800, 1000),
        box=(120, 380, 560, 820),
        background=(238, 235, 228),
        noise=10,
        fmt="JPEG",
    )


async def _product(ctx: AppContext, category: int, title: str, picture: bytes, **kw: Any) -> int:
    async with ctx.sessionmaker() as s:
        stored = await catalog.store_image(s, get_storage(ctx, "media"), picture)
        await s.commit()
    product = await make_product(
        ctx,
        category,
        title=title,
        images=[stored.url],
        skus=[sku(1990, ("款式", "标准"), stock=kw.pop("stock", 10))],
        **kw,
    )
    return product.id


@pytest.fixture
async def shop(ctx: AppContext) -> dict[str, int]:
    category = await make_category(ctx, "家居")
    ids = {
        title: await _product(ctx, category, title, drawing(kind, color))
        for title, (kind, color) in CATALOGUE.items()
    }
    await drain_outbox(ctx)
    runtime = runtime_of(ctx)
    await asyncio.wait_for(runtime.ready.wait(), 60)
    await runtime.poll()
    report = await images.sync_images(ctx)
    assert report.computed == len(CATALOGUE)
    return ids


async def _search(client: httpx.AsyncClient, picture: bytes, **params: Any) -> httpx.Response:
    files = {"file": ("photo.jpg", picture, "image/jpeg")}
    return await client.post(IMAGE_SEARCH, files=files, params=params)


async def test_a_photo_of_a_red_circle_finds_the_red_circle_first(
    client: httpx.AsyncClient, shop: dict[str, int]
) -> None:
    response = await _search(client, photo_of_a_red_circle(), limit=5)
    assert response.status_code == 200, response.text
    body = response.json()
    titles = [item["title"] for item in body["items"]]
    assert titles[0] == "红色圆形抱枕", titles
    # the same item shape as text search
    assert set(body["items"][0]) == set(catalog.ProductSummary.model_fields)
    assert body["items"][0]["image_set"]["list"].startswith("/media/catalog/")
    # another colour and another shape do not look alike
    assert "蓝色方形收纳盒" not in titles
    assert body["total"] == len(titles)


@pytest.mark.parametrize(
    ("kind", "color", "title"),
    [("square", BLUE, "蓝色方形收纳盒"), ("triangle", GREEN, "绿色三角旗")],
)
async def test_each_shape_and_colour_finds_its_product_in_the_top_3(
    client: httpx.AsyncClient, shop: dict[str, int], kind: str, color: Any, title: str
) -> None:
    picture = drawing(kind, color, size=(500, 400), box=(60, 40, 360, 340), noise=8, fmt="JPEG")
    response = await _search(client, picture, limit=3)
    titles = [item["title"] for item in response.json()["items"]]
    assert title in titles
    assert titles[0] == title


async def test_unpublished_products_are_not_answered_and_out_of_stock_comes_last(
    ctx: AppContext, client: httpx.AsyncClient, shop: dict[str, int]
) -> None:
    category = await make_category(ctx, "家具")
    sold_out = await _product(ctx, category, "红色圆形坐垫 售罄", drawing("circle", RED), stock=0)
    hidden = await _product(
        ctx, category, "红色圆形地毯 未上架", drawing("circle", RED), status="draft"
    )
    await drain_outbox(ctx)
    await runtime_of(ctx).poll()
    await images.sync_images(ctx)
    response = await _search(client, photo_of_a_red_circle(), limit=10)
    ids = [item["id"] for item in response.json()["items"]]
    assert hidden not in ids
    assert sold_out in ids
    assert ids[0] == shop["红色圆形抱枕"]
    assert ids[-1] == sold_out


async def test_the_job_describes_each_image_once_and_follows_a_new_image(
    ctx: AppContext, client: httpx.AsyncClient, shop: dict[str, int]
) -> None:
    again = await images.sync_images(ctx)
    assert again.computed == 0
    # the blue square's product gets a red circle as its first image: found as one
    async with ctx.sessionmaker() as s:
        stored = await catalog.store_image(
            s, get_storage(ctx, "media"), drawing("circle", RED, box=(100, 100, 500, 500))
        )
        await catalog.update_product(
            s,
            shop["蓝色方形收纳盒"],
            catalog.ProductUpdate(images=[stored.url]),
            actor="test",
        )
        await s.commit()
    await drain_outbox(ctx)
    changed = await images.sync_images(ctx)
    assert changed.computed == 1
    await runtime_of(ctx).poll()
    response = await _search(client, photo_of_a_red_circle(), limit=3)
    ids = {item["id"] for item in response.json()["items"]}
    assert shop["蓝色方形收纳盒"] in ids


def _png(size: tuple[int, int], mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), RED).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("picture", "status", "code"),
    [
        (b"just some text, not a photo", 400, "search.image_invalid"),
        (_gif(), 400, "search.image_invalid"),
        (drawing("circle", RED)[:300], 400, "search.image_invalid"),  # truncated
        (_png((6_000, 6_000)), 400, "search.image_invalid"),  # 36 Mpx: a decompression bomb
        (_png((13_000, 1)), 400, "search.image_invalid"),  # wider than any photo
        (b"\xff\xd8\xff" + b"\x00" * 100, 400, "search.image_invalid"),  # a JPEG in name only
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024 + 1), 413, "search.image_too_large"),
    ],
)
async def test_bad_uploads_are_refused_and_change_nothing(
    *,
    ctx: AppContext,
    client: httpx.AsyncClient,
    shop: dict[str, int],
    picture: bytes,
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await _search(client, picture)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_a_request_without_a_photo_is_refused(
    ctx: AppContext, client: httpx.AsyncClient, shop: dict[str, int]
) -> None:
    before = await snapshot(ctx)
    not_multipart = await client.post(IMAGE_SEARCH, content=b"abc")
    other_field = await client.post(IMAGE_SEARCH, data={"q": "红色"}, files={"x": ("a", b"b")})
    two_photos = await client.post(
        IMAGE_SEARCH, files=[("file", ("a.png", b"a")), ("file", ("b.png", b"b"))]
    )
    for response in (not_multipart, other_field, two_photos):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "search.image_invalid"
    assert await snapshot(ctx) == before


def test_features_are_unit_vectors_and_a_picture_is_its_own_nearest() -> None:
    from shoplet.modules.search import image_features as features

    vectors = {t: features.features(drawing(k, c)) for t, (k, c) in CATALOGUE.items()}
    for vector in vectors.values():
        assert vector.shape == (features.DIM,)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    index = images.build_index(
        [(i, features.to_bytes(v)) for i, v in enumerate(vectors.values(), start=1)]
    )
    for i, vector in enumerate(vectors.values(), start=1):
        assert int(index.ids[int(np.argmax(index.scores(vector)))]) == i
