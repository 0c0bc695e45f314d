"""A product image uploaded in the console with media in an S3 bucket (moto's server over HTTP and
SigV4): every variant lands in the bucket under the prefix, none on the local disk, and the URLs
the console gets are on the configured public base (the CDN)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.storage import get_storage, parse_storage_url
from tests.core.s3_server import s3_server, s3_settings, sync_client
from tests.modules.catalog.factories import make_category, product_payload
from tests.modules.catalog.test_console_media import API, png_bytes
from tests.modules.staff.conftest import bearer, token_for

CDN = "https://cdn.shoplet.test/media"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def settings_overrides(endpoint: str) -> dict[str, Any]:
    return s3_settings(endpoint, media_public_base_url=CDN)


async def test_an_uploaded_image_lands_in_the_bucket_with_urls_on_the_cdn(
    client: httpx.AsyncClient, ctx: AppContext, endpoint: str
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    image = png_bytes()

    response = await client.post(
        f"{API}/media", files={"file": ("a.png", image, "image/png")}, headers=bearer(token)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    key = body["key"]
    assert body["url"] == f"{CDN}/{key}"
    variants = body["image_set"]
    urls = [variants[name] for name in ("list", "detail", "zoom", "fallback")]
    assert all(url.startswith(f"{CDN}/catalog/") for url in urls)

    bucket, prefix = parse_storage_url(ctx.settings.media_storage_url or "", "media")
    listed = sync_client(endpoint).list_objects_v2(Bucket=bucket)
    names = sorted(item["Key"] for item in listed["Contents"])
    assert names == sorted(prefix + url.removeprefix(f"{CDN}/") for url in set(urls))
    fallback = sync_client(endpoint).get_object(Bucket=bucket, Key=prefix + key)
    assert fallback["ContentType"] == body["content_type"]
    assert fallback["Body"].read() == await get_storage(ctx, "media").read(key)
    assert not (ctx.settings.media_dir / key).exists()


async def test_the_same_image_again_is_not_written_again(
    client: httpx.AsyncClient, ctx: AppContext, endpoint: str
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    image = png_bytes(color=(10, 200, 10))
    first = await client.post(
        f"{API}/media", files={"file": ("a.png", image, "image/png")}, headers=bearer(token)
    )
    bucket, prefix = parse_storage_url(ctx.settings.media_storage_url or "", "media")
    key = prefix + first.json()["key"]
    written = sync_client(endpoint).head_object(Bucket=bucket, Key=key)["LastModified"]

    again = await client.post(
        f"{API}/media", files={"file": ("b.png", image, "image/png")}, headers=bearer(token)
    )

    assert again.status_code == 201
    assert again.json()["url"] == first.json()["url"]
    assert sync_client(endpoint).head_object(Bucket=bucket, Key=key)["LastModified"] == written


async def test_a_gallery_image_on_the_cdn_keeps_its_image_set(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    uploaded = await client.post(
        f"{API}/media", files={"file": ("a.png", png_bytes(), "image/png")}, headers=bearer(token)
    )
    image = uploaded.json()
    category = await make_category(ctx)
    # Shaped like an upload, on another host: an external image, without an ImageSet. (Under
    # the shop's own base it would be /media/catalog/…, a file never uploaded: refused.)
    elsewhere = f"https://img.example.org/catalog/ab/{'0' * 32}.jpg"

    created = await client.post(
        f"{API}/products",
        json=product_payload(category, images=[image["url"], elsewhere]),
        headers=bearer(token),
    )

    assert created.status_code == 201, created.text
    assert created.json()["image_sets"] == {image["url"]: image["image_set"]}
    [item] = (await client.get("/api/v1/products")).json()["items"]
    assert (item["image"], item["image_set"]) == (image["url"], image["image_set"])
