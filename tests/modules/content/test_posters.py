"""分享海报 of a post, drawn by social's share pipeline: the post's first image on top, its
code opening the post (the mini program's post page with scene ``id=<post>``, or the H5 post
page), drawn once; a post that is not public gets no poster and nothing is written."""

from __future__ import annotations

import io

import httpx
from fastapi import FastAPI
from PIL import Image

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.storage import get_storage
from shoplet.integrations.wechat.wxacode_simulator import code_content
from shoplet.modules.content.service.posters import POST_PAGE
from tests.conftest import snapshot
from tests.integrations.qr import decode_qr
from tests.modules.content.factories import API, MODERATION, image, item_id, post, topic
from tests.modules.orders.factories import shopper
from tests.modules.social.test_sharing import wx_simulator

RED = (220, 30, 40)


async def _png(ctx: AppContext, url: str) -> bytes:
    assert url.startswith("/media/social/posters/")
    return await get_storage(ctx, "media").read(url.removeprefix("/media/"))


async def test_a_posts_poster_shows_its_first_image_and_scans_to_the_post(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    summer = await topic(client, staff, "夏日穿搭")
    alice = await shopper(client, "poster-alice")
    bob = await shopper(client, "poster-bob")
    first, second = await image(client, alice, RED), await image(client, alice, (10, 10, 200))
    created = await post(
        client,
        alice,
        content="这条裙子太好看了\n面料透气",
        image_ids=[first, second],
        topic_id=summer,
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]

    # Under review: no poster, nothing written.
    before = await snapshot(ctx)
    hidden = await client.post(
        f"{API}/posts/{post_id}/poster", json={"client": "h5"}, headers=bob.headers
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "content.post_not_found")
    anonymous = await client.post(f"{API}/posts/{post_id}/poster", json={"client": "h5"})
    assert anonymous.status_code == 401
    bad = await client.post(
        f"{API}/posts/{post_id}/poster", json={"client": "app"}, headers=bob.headers
    )
    assert bad.status_code == 422
    assert await snapshot(ctx) == before
    assert wx_simulator(app).codes == []

    queue_item = await item_id(ctx, "post", post_id)
    approved = await client.post(f"{MODERATION}/items/{queue_item}/approve", json={}, headers=staff)
    assert approved.status_code == 200, approved.text
    await drain_outbox(ctx)

    h5 = await client.post(
        f"{API}/posts/{post_id}/poster", json={"client": "h5"}, headers=bob.headers
    )
    assert h5.status_code == 201, h5.text
    body = h5.json()
    assert (body["width"], body["height"], body["client"]) == (750, 1200, "h5")
    png = await _png(ctx, body["url"])
    assert decode_qr(png) == [f"http://shoplet.test/{POST_PAGE}?id={post_id}"]
    with Image.open(io.BytesIO(png)) as drawn:
        r, g, b, *_ = drawn.convert("RGBA").getpixel((375, 320))
    # The first image (red), not the second (blue), fills the picture.
    assert (r > 150, g < 90, b < 90) == (True, True, True), (r, g, b)
    again = await client.post(
        f"{API}/posts/{post_id}/poster", json={"client": "h5"}, headers=bob.headers
    )
    assert again.json() == body  # drawn once

    mp = await client.post(
        f"{API}/posts/{post_id}/poster", json={"client": "mp"}, headers=bob.headers
    )
    assert mp.status_code == 201, mp.text
    mp_body = mp.json()
    assert mp_body["code"] == f"id={post_id}"
    assert decode_qr(await _png(ctx, mp_body["url"])) == [
        code_content(ctx.settings.wechat_appid, POST_PAGE, f"id={post_id}")
    ]
    assert [(scene, page) for scene, page, _ in wx_simulator(app).codes] == [
        (f"id={post_id}", POST_PAGE)
    ]
