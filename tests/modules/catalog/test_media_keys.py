"""Media are stored by key (/media/<key>) and served under the configured base at read time: an
upload on a CDN base is written without the host, a new base changes every response with no
data change, and migration 0050_media_keys converts the rows written with a host before."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, utcnow
from shoplet.core.migrate import upgrade
from shoplet.modules.catalog.models import Category, Media, Product, Sku
from tests.conftest import BackendDb, fresh_scratch_database, make_context, make_settings
from tests.modules.catalog.factories import make_category, product_payload
from tests.modules.catalog.test_product_media import mp4, upload, upload_image
from tests.modules.staff.conftest import bearer, token_for

API = "/api/v1/console"
CDN = "https://cdn.shoplet.test/media"
NEW_CDN = "https://img.shoplet.test/m"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"media_public_base_url": CDN, "media_max_video_bytes": 200_000}


def _keys(value: Any) -> list[str]:
    """Every string in a row's media columns."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value.keys(), *(s for v in value.values() for s in _keys(v))]
    if isinstance(value, list):
        return [s for v in value for s in _keys(v)]
    return []


async def test_rows_keep_keys_and_a_new_base_needs_no_data_change(
    client: httpx.AsyncClient,
    ctx: AppContext,
    backend_db: BackendDb,
    tmp_path: Path,
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    cover = await upload_image(client, token, (600, 600), (200, 0, 0))
    poster = await upload_image(client, token, (640, 360), (0, 0, 200))
    video = (await upload(client, token, mp4(), "/media/videos")).json()
    assert cover["url"] == f"{CDN}/{cover['key']}"
    category = await make_category(ctx)
    created = await client.post(
        f"{API}/products",
        json=product_payload(
            category,
            images=[cover["url"], "https://img.example.org/x.jpg"],
            detail_images=[cover["url"]],
            video_url=video["url"],
            video_poster=poster["url"],
            skus=[{"specs": [], "price": 100, "image": cover["url"], "stock": 1}],
        ),
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    assert created.json()["images"] == [cover["url"], "https://img.example.org/x.jpg"]

    # What the rows keep: keys under /media, no CDN host anywhere.
    async with ctx.sessionmaker() as session:
        row = (await session.execute(select(Product).where(Product.id == product_id))).scalar_one()
        stored = [
            *_keys(row.images),
            *_keys(row.detail_images),
            *_keys([row.video_url, row.video_poster]),
            *_keys(row.cover),
            *_keys(row.image_sets),
        ]
        media = (await session.execute(select(Media.url, Media.image_set))).all()
        sku_images = (await session.execute(select(Sku.image))).scalars().all()
    assert row.images == [f"/media/{cover['key']}", "https://img.example.org/x.jpg"]
    assert row.video_url == f"/media/{video['key']}"
    assert sku_images == [f"/media/{cover['key']}"]
    assert not [s for s in stored + _keys([tuple(m) for m in media]) if "cdn.shoplet" in s]

    # The same rows through an app on another base: every URL follows it.
    settings = make_settings(
        backend_db,
        tmp_path / "other",
        media_public_base_url=NEW_CDN,
        redis_prefix=f"{backend_db.redis_prefix}newcdn:",
    )
    other = create_app(settings, context=make_context(backend_db, settings))
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
            detail = (await c.get(f"/api/v1/products/{product_id}")).json()
            admin = (await c.get(f"{API}/products/{product_id}", headers=bearer(token))).json()
    moved = f"{NEW_CDN}/{cover['key']}"
    assert detail["images"] == [moved, "https://img.example.org/x.jpg"]
    assert detail["gallery"][0]["fallback"] == moved
    assert detail["detail_images"][0]["list"].startswith(f"{NEW_CDN}/catalog/")
    assert detail["video"]["url"] == f"{NEW_CDN}/{video['key']}"
    assert detail["video"]["poster"]["fallback"] == f"{NEW_CDN}/{poster['key']}"
    assert detail["skus"][0]["image"] == moved
    assert admin["image_sets"].keys() == {moved, f"{NEW_CDN}/{poster['key']}"}
    assert admin["video_poster"] == f"{NEW_CDN}/{poster['key']}"


async def test_migration_0050_converts_rows_written_with_a_host(
    backend: str, tmp_path: Path
) -> None:
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
        if backend == "sqlite"
        else await fresh_scratch_database("media_keys")
    )
    await asyncio.to_thread(upgrade, url, "0040_insights_forecast")
    key = "catalog/ab/ab0123456789abcdef0123456789abcd"
    twin = "catalog/cd/cd0123456789abcdef0123456789abcd"  # also uploaded without the base

    def image_set(base: str, k: str) -> dict[str, Any]:
        return {
            "list": f"{base}/{k}.webp",
            "detail": f"{base}/{k}.webp",
            "zoom": f"{base}/{k}.webp",
            "fallback": f"{base}/{k}.jpg",
            "width": 10,
            "height": 10,
            "color": "#aabbcc",
        }

    now = utcnow()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for u, s in (
                (f"{CDN}/{key}.jpg", image_set(CDN, key)),
                (f"{CDN}/{twin}.jpg", image_set(CDN, twin)),
                (f"/media/{twin}.jpg", image_set("/media", twin)),
                (f"{CDN}/{key}.mp4", {}),
            ):
                await conn.execute(
                    Media.__table__.insert().values(
                        url=u, kind="video" if u.endswith("mp4") else "image",
                        content_type="image/jpeg", size=1, width=10, height=10,
                        image_set=s, created_at=now,
                    )
                )  # fmt: skip
            icon = f"{CDN}/{key}.jpg"
            await conn.execute(Category.__table__.insert().values(id=1, name="c", icon=icon))
            external = "https://img.example.org/catalog/ab/ab0123456789abcdef0123456789abcd.jpg"
            await conn.execute(
                Product.__table__.insert().values(
                    id=1, category_id=1, title="t", subtitle="", description="",
                    images=[f"{CDN}/{key}.jpg", external, "/media/products/old.jpg"],
                    turntable_images=[], detail_images=[f"{CDN}/{twin}.jpg"],
                    video_url=f"{CDN}/{key}.mp4", video_poster=f"{CDN}/{key}.jpg",
                    cover=image_set(CDN, key),
                    image_sets={f"{CDN}/{key}.jpg": image_set(CDN, key),
                                f"{CDN}/{twin}.jpg": image_set(CDN, twin)},
                    status="draft", sales_count=0, min_price=1, max_price=1,
                    list_original_price=1, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            await conn.execute(
                Sku.__table__.insert().values(
                    id=1, product_id=1, specs=[], spec_key="", price=1, original_price=1,
                    weight_grams=0, is_active=True, image=f"{CDN}/{twin}.jpg",
                )
            )  # fmt: skip
        await asyncio.to_thread(upgrade, url, "head")
        await asyncio.to_thread(upgrade, url, "head")  # repeatable
        async with engine.connect() as conn:
            media = dict((await conn.execute(select(Media.url, Media.image_set))).all())
            product = (await conn.execute(select(Product.__table__))).one()
            sku_image = await conn.scalar(select(Sku.image))
            icon = await conn.scalar(select(Category.icon))
    finally:
        await engine.dispose()
    assert media == {
        f"/media/{key}.jpg": image_set("/media", key),
        f"/media/{twin}.jpg": image_set("/media", twin),
        f"/media/{key}.mp4": {},
    }
    # The external image shaped like an upload is not one of ours: left as it is.
    assert product.images == [f"/media/{key}.jpg", external, "/media/products/old.jpg"]
    assert product.detail_images == [f"/media/{twin}.jpg"]
    assert (product.video_url, product.video_poster) == (f"/media/{key}.mp4", f"/media/{key}.jpg")
    assert product.cover == image_set("/media", key)
    assert product.image_sets == {
        f"/media/{key}.jpg": image_set("/media", key),
        f"/media/{twin}.jpg": image_set("/media", twin),
    }
    assert (sku_image, icon) == (f"/media/{twin}.jpg", f"/media/{key}.jpg")
