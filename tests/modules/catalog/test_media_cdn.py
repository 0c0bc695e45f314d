"""Media served from a CDN base (SHOPLET_MEDIA_PUBLIC_BASE_URL): detail images, the video and its
poster uploaded under the base are taken by product writes and come back unchanged in every
response; any other host's URL (even shaped like an upload) is refused with nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, product_payload, sku
from tests.modules.catalog.test_product_media import mp4, upload, upload_image
from tests.modules.staff.conftest import bearer, token_for

API = "/api/v1/console"
CDN = "https://cdn.shoplet.test/media"
SHAPED = "catalog/ab/ab0123456789abcdef0123456789abcd"  # a pipeline key never uploaded


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"media_public_base_url": CDN, "media_max_video_bytes": 200_000}


async def test_detail_images_video_and_poster_on_the_cdn_round_trip(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    cover = await upload_image(client, token, (600, 600), (200, 0, 0))
    tall = await upload_image(client, token, (750, 2000), (240, 240, 240))
    poster = await upload_image(client, token, (1280, 720), (0, 0, 200))
    video = await upload(client, token, mp4(), "/media/videos")
    assert video.status_code == 201, video.text
    video_url = video.json()["url"]
    assert all(u.startswith(f"{CDN}/catalog/") for u in (tall["url"], poster["url"], video_url))
    category = await make_category(ctx)

    created = await client.post(
        f"{API}/products",
        json=product_payload(
            category,
            images=[cover["url"]],
            detail_images=[tall["url"]],
            video_url=video_url,
            video_poster=poster["url"],
        ),
        headers=bearer(token),
    )

    assert created.status_code == 201, created.text
    admin = created.json()
    assert admin["detail_images"] == [tall["url"]]
    assert (admin["video_url"], admin["video_poster"]) == (video_url, poster["url"])
    assert admin["image_sets"] == {m["url"]: m["image_set"] for m in (cover, tall, poster)}
    again = (await client.get(f"{API}/products/{admin['id']}", headers=bearer(token))).json()
    assert (again["detail_images"], again["video_url"]) == ([tall["url"]], video_url)
    detail = (await client.get(f"/api/v1/products/{admin['id']}")).json()
    assert detail["images"] == [cover["url"]]
    assert detail["detail_images"] == [tall["image_set"]]
    assert detail["video"] == {"url": video_url, "poster": poster["image_set"]}
    assert all(
        url.startswith(f"{CDN}/catalog/")
        for url in (*tall["image_set"].values(), *poster["image_set"].values())
        if isinstance(url, str) and url.startswith("http")
    )
    # A write that sends the URLs back as it got them keeps them.
    resent = await client.patch(
        f"{API}/products/{admin['id']}",
        json={
            "detail_images": again["detail_images"],
            "video_url": again["video_url"],
            "video_poster": again["video_poster"],
        },
        headers=bearer(token),
    )
    assert resent.status_code == 200, resent.text
    assert resent.json()["image_sets"] == admin["image_sets"]


async def test_other_hosts_and_unknown_cdn_urls_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    image = await upload_image(client, token, (400, 300), (10, 20, 30))
    video_url = (await upload(client, token, mp4(), "/media/videos")).json()["url"]
    category = await make_category(ctx)
    created = await client.post(
        f"{API}/products",
        json=product_payload(category, images=[image["url"]]),
        headers=bearer(token),
    )
    product_id = created.json()["id"]
    evil = "https://evil.example"
    bad: list[dict[str, Any]] = [
        {"detail_images": [f"{evil}/media/{SHAPED}.webp"]},  # an upload's shape, another host
        {"detail_images": [f"{evil}/{image['key']}"]},  # a real key, another host
        {"video_url": f"{evil}/media/{SHAPED}.mp4"},
        {"video_poster": f"{CDN}/{SHAPED}.jpg"},  # the CDN's host, never uploaded
        {"detail_images": [f"{evil}/phish.jpg"]},
        {"video_url": image["url"]},  # an image on the CDN where the video belongs
        {"video_poster": video_url},  # the video on the CDN where an image belongs
    ]
    for body in bad:
        before = await snapshot(ctx)
        response = await client.patch(
            f"{API}/products/{product_id}", json=body, headers=bearer(token)
        )
        assert response.status_code == 400, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "catalog.media_unknown", body
        assert await snapshot(ctx) == before

        payload = product_payload(category, skus=[sku(100, ("颜色", "红"))], **body)
        response = await client.post(f"{API}/products", json=payload, headers=bearer(token))
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "catalog.media_unknown", body
        assert await snapshot(ctx) == before
    # Not a URL at all: the schema refuses it (422), nothing written either.
    before = await snapshot(ctx)
    for value in ("javascript:alert(1)", "//evil.example/x.jpg", f"{evil}/a b.jpg"):
        response = await client.patch(
            f"{API}/products/{product_id}", json={"video_poster": value}, headers=bearer(token)
        )
        assert response.status_code == 422, (value, response.text)
    assert await snapshot(ctx) == before
