"""Media in an S3 bucket without a CDN base: URLs stay ``/media/<key>`` (so product writes check
them as before) and the API streams them from the bucket (moto's server over HTTP and SigV4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.storage import parse_storage_url
from tests.core.s3_server import s3_server, s3_settings, sync_client
from tests.modules.catalog.factories import make_category, product_payload
from tests.modules.catalog.test_product_media import API, mp4, upload, upload_image
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def settings_overrides(endpoint: str) -> dict[str, Any]:
    return s3_settings(endpoint, media_public_base_url=None)


async def test_a_product_with_media_in_the_bucket_is_written_and_served(
    client: httpx.AsyncClient, ctx: AppContext, endpoint: str
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    red = await upload_image(client, token, (400, 300), (200, 0, 0))
    tall = await upload_image(client, token, (300, 900), (240, 240, 240))
    video = await upload(client, token, mp4(), "/media/videos")
    assert video.status_code == 201, video.text
    video_url = video.json()["url"]
    category = await make_category(ctx)

    created = await client.post(
        f"{API}/products",
        json=product_payload(
            category, images=[red["url"]], detail_images=[tall["url"]], video_url=video_url
        ),
        headers=bearer(token),
    )

    assert created.status_code == 201, created.text
    admin = created.json()
    assert admin["image_sets"] == {m["url"]: m["image_set"] for m in (red, tall)}
    assert admin["video_url"] == video_url
    assert red["url"].startswith("/media/catalog/")
    media_dir = ctx.settings.media_dir
    assert not media_dir.exists() or not [p for p in media_dir.rglob("*") if p.is_file()]

    bucket, prefix = parse_storage_url(ctx.settings.media_storage_url or "", "media")
    in_bucket = sync_client(endpoint).get_object(Bucket=bucket, Key=prefix + video.json()["key"])
    served = await client.get(video_url)
    assert served.status_code == 200
    assert served.content == in_bucket["Body"].read() == mp4()
    assert served.headers["content-type"] == "video/mp4"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    head = await client.head(red["image_set"]["list"])
    assert head.status_code == 200
    assert head.headers["content-type"] == "image/webp"
    assert int(head.headers["content-length"]) > 0


@pytest.mark.parametrize("path", ["/media/catalog/00/missing.webp", "/media/catalog/.hidden"])
async def test_a_missing_or_unsafe_key_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404
    assert (await client.head(path)).status_code == 404


async def test_media_cannot_be_written_through_the_media_route(client: httpx.AsyncClient) -> None:
    response = await client.put("/media/catalog/00/x.webp", content=b"x")

    assert response.status_code == 405
