"""A product's media through the API: uploads, gallery order, detail images, video; the ImageSets in
storefront responses at unchanged statement counts; refused media URLs change nothing."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from shoplet.core.context import AppContext
from tests.conftest import StatementCounter, snapshot
from tests.modules.catalog.factories import IMAGE, make_category, product_payload, sku
from tests.modules.staff.conftest import bearer, token_for

API = "/api/v1/console"
MAX_VIDEO = 200_000


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"media_max_video_bytes": MAX_VIDEO}


def picture(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def mp4(payload: bytes = b"") -> bytes:
    ftyp = b"ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    box = (len(ftyp) + 4).to_bytes(4, "big") + ftyp
    mdat = b"mdat" + (payload or bytes(range(256)) * 40)
    return box + (len(mdat) + 4).to_bytes(4, "big") + mdat


async def upload(
    client: httpx.AsyncClient, token: str, data: bytes, path: str = "/media"
) -> httpx.Response:
    return await client.post(
        f"{API}{path}",
        files={"file": ("f.bin", data, "application/octet-stream")},
        headers=bearer(token),
    )


async def upload_image(
    client: httpx.AsyncClient, token: str, size: tuple[int, int], color: tuple[int, int, int]
) -> dict[str, Any]:
    response = await upload(client, token, picture(size, color))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_product_with_gallery_detail_images_and_video_in_every_response(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    red = await upload_image(client, token, (1600, 1600), (200, 0, 0))
    green = await upload_image(client, token, (800, 800), (0, 200, 0))
    tall = await upload_image(client, token, (750, 4000), (240, 240, 240))
    poster = await upload_image(client, token, (1280, 720), (0, 0, 200))
    video = await upload(client, token, mp4(), "/media/videos")
    assert video.status_code == 201, video.text
    video_url = video.json()["url"]
    assert video_url.startswith("/media/catalog/")
    assert video_url.endswith(".mp4")
    category = await make_category(ctx)

    created = await client.post(
        f"{API}/products",
        json=product_payload(
            category,
            images=[red["url"], green["url"], IMAGE],  # a pre-pipeline image is still taken
            detail_images=[tall["url"]],
            video_url=video_url,
            video_poster=poster["url"],
            turntable_images=[red["url"], green["url"]],
        ),
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    admin = created.json()
    assert admin["detail_images"] == [tall["url"]]
    assert (admin["video_url"], admin["video_poster"]) == (video_url, poster["url"])
    assert admin["image_sets"] == {m["url"]: m["image_set"] for m in (red, green, tall, poster)}
    assert red["image_set"]["width"] == 1500  # zoom is 1500 wide at most
    assert green["image_set"]["width"] == 800  # and never upscaled
    assert (tall["image_set"]["width"], tall["image_set"]["height"]) == (750, 4000)
    product_id = admin["id"]

    sql_counter.reset()
    listed = await client.get("/api/v1/products")
    assert sql_counter.count == 1, sql_counter.statements  # as before: one SELECT
    [item] = listed.json()["items"]
    assert (item["image"], item["image_set"]) == (red["url"], red["image_set"])
    assert item["image_set"]["color"] == "#c80000"

    sql_counter.reset()
    detail = (await client.get(f"/api/v1/products/{product_id}")).json()
    with_media = sql_counter.count
    plain = await client.post(
        f"{API}/products",
        json=product_payload(category, skus=[sku(100, ("颜色", "红"))]),
        headers=bearer(token),
    )
    sql_counter.reset()
    assert (await client.get(f"/api/v1/products/{plain.json()['id']}")).status_code == 200
    assert with_media == sql_counter.count <= 4, sql_counter.statements  # as without media
    assert detail["images"] == [red["url"], green["url"], IMAGE]
    # The pre-pipeline image has no ImageSet: left out of the gallery.
    assert detail["gallery"] == [red["image_set"], green["image_set"]]
    assert detail["detail_images"] == [tall["image_set"]]
    assert detail["video"] == {"url": video_url, "poster": poster["image_set"]}
    assert detail["turntable_images"] == [red["url"], green["url"]]

    # Reorder the gallery, drop the video's poster, then the video.
    reordered = await client.patch(
        f"{API}/products/{product_id}",
        json={"images": [green["url"], red["url"]], "video_poster": None},
        headers=bearer(token),
    )
    assert reordered.status_code == 200, reordered.text
    assert reordered.json()["image_sets"] == {m["url"]: m["image_set"] for m in (green, red, tall)}
    items = (await client.get("/api/v1/products")).json()["items"]
    [item] = [i for i in items if i["id"] == product_id]
    assert item["image_set"] == green["image_set"]
    detail = (await client.get(f"/api/v1/products/{product_id}")).json()
    assert detail["gallery"] == [green["image_set"], red["image_set"]]
    assert detail["video"] == {"url": video_url, "poster": None}

    # A write that does not touch media keeps them.
    renamed = await client.patch(
        f"{API}/products/{product_id}", json={"title": "新名字"}, headers=bearer(token)
    )
    assert renamed.json()["image_sets"] == reordered.json()["image_sets"]
    cleared = await client.patch(
        f"{API}/products/{product_id}",
        json={"video_url": None, "detail_images": []},
        headers=bearer(token),
    )
    assert cleared.status_code == 200, cleared.text
    detail = (await client.get(f"/api/v1/products/{product_id}")).json()
    assert (detail["video"], detail["detail_images"]) == (None, [])
    assert detail["gallery"] == [green["image_set"], red["image_set"]]


async def test_media_urls_not_uploaded_here_are_refused_and_change_nothing(
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
    never_uploaded = "/media/catalog/ab/ab0123456789abcdef0123456789abcd.jpg"
    bad: list[dict[str, Any]] = [
        {"images": [image["url"], never_uploaded]},
        {"images": [image["image_set"]["list"]]},  # a variant, not the canonical URL
        {"images": ["/media/elsewhere/x.jpg"]},
        {"images": [video_url]},  # a video where an image belongs
        {"turntable_images": [never_uploaded]},
        {"detail_images": [IMAGE]},  # new fields take uploaded media only
        {"video_url": image["url"]},  # an image where the video belongs
        {"video_url": never_uploaded.replace(".jpg", ".mp4")},
        {"video_poster": video_url},
        {"skus": [{"price": 100, "image": never_uploaded}]},
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

        before = await snapshot(ctx)
        payload = product_payload(category, skus=[sku(100, ("颜色", "红"))])
        if "skus" in body:
            payload["skus"][0]["image"] = never_uploaded
        else:
            payload.update(body)
        response = await client.post(f"{API}/products", json=payload, headers=bearer(token))
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "catalog.media_unknown", body
        assert await snapshot(ctx) == before


def stored(ctx: AppContext) -> list[str]:
    root = ctx.settings.media_dir
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_videos_are_served_with_byte_ranges_and_immutable_caching(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    data = mp4()
    response = await upload(client, token, data, "/media/videos")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["content_type"], body["size"]) == ("video/mp4", len(data))
    again = await upload(client, token, data, "/media/videos")
    assert again.json() == body

    whole = await client.get(body["url"])
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["cache-control"] == "public, max-age=31536000, immutable"

    part = await client.get(body["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert part.headers["cache-control"] == "public, max-age=31536000, immutable"
    tail = await client.get(body["url"], headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, data[-10:])


async def test_videos_that_are_not_mp4_or_too_large_are_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    files = stored(ctx)
    cases = [
        (picture((10, 10), (1, 1, 1)), 400, "catalog.video_invalid"),
        (b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 64, 400, "catalog.video_invalid"),
        (b"", 400, "catalog.video_invalid"),
        (mp4(b"\x00" * (MAX_VIDEO + 20_000)), 413, "catalog.video_too_large"),  # declared
        (mp4(b"\x00" * (MAX_VIDEO + 100)), 413, "catalog.video_too_large"),  # as it is read
    ]
    for data, status, code in cases:
        before = await snapshot(ctx)
        response = await upload(client, token, data, "/media/videos")
        assert response.status_code == status, response.text
        assert response.json()["code"] == code
        assert await snapshot(ctx) == before
        assert stored(ctx) == files

    support = await token_for(client, ctx, "sam", role="support")
    before = await snapshot(ctx)
    denied = await upload(client, support, mp4(), "/media/videos")
    assert denied.status_code == 403
    assert await snapshot(ctx) == before
