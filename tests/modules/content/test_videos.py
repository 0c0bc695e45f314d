"""Short videos in 种草 posts, on both backends, with real clips PyAV encodes here (H.264 by
libx264 from the wheel): the upload is probed (codec, duration, size) and gets a cover; a post
takes one video instead of images; its cover and three sampled frames go through WeChat's image
check, so a flagged frame keeps the post from ever being public; every refused upload or post
answers its own code and changes nothing (no row, no stored file)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.core.video import make_test_video
from shoplet.modules.content.models import PostVideo
from tests.conftest import snapshot
from tests.modules.content.factories import (
    API,
    CONTENT_TABLES,
    MODERATION,
    buyer,
    image,
    item_id,
    post,
    video,
)
from tests.modules.moderation.factories import simulator
from tests.modules.orders.factories import shopper
from tests.modules.review.factories import png_bytes


async def frames_of(ctx: AppContext, video_id: int) -> tuple[str, list[str]]:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(PostVideo).where(PostVideo.id == video_id))
    assert row is not None
    return row.cover_url, list(row.frame_urls)


async def test_a_video_post_is_probed_screened_frame_by_frame_and_plays_once_approved(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sim = simulator(app)
    alice, product_id = await buyer(client, ctx, "video-alice")
    uploaded = await video(client, alice, make_test_video(seconds=3, size=(96, 64)))
    assert uploaded.status_code == 201, uploaded.text
    clip = uploaded.json()
    assert (clip["duration_ms"], clip["width"], clip["height"]) == (3000, 96, 64)
    assert clip["url"].startswith("/media/videos/")
    assert clip["url"].endswith(".mp4")
    assert clip["cover_url"].startswith("/media/videos/covers/")
    served = await client.get(clip["url"])
    assert served.status_code == 200
    assert served.content[4:8] == b"ftyp"
    cover = await client.get(clip["cover_url"])
    assert cover.status_code == 200
    assert cover.content[:3] == b"\xff\xd8\xff"
    cover_url, frame_urls = await frames_of(ctx, clip["id"])
    assert len(frame_urls) == 3

    created = await post(
        client, alice, content="开箱视频", video_id=clip["id"], product_ids=[product_id]
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["moderation"]["status"]) == ("pending", "checking")
    assert body["images"] == []
    assert body["video"] == {
        k: clip[k] for k in ("url", "cover_url", "duration_ms", "width", "height")
    }
    assert (await client.get(f"{API}/posts/{body['id']}")).status_code == 404

    await run_job(ctx, "moderation.machine_checks")
    assert sorted(m.media_url.split("/media/")[1] for m in sim.pending) == sorted(
        u.split("/media/")[1] for u in [cover_url, *frame_urls]
    )
    answers = await sim.push()
    assert [r.status_code for r in answers] == [200] * 4
    await drain_outbox(ctx)
    shown = await client.get(f"{API}/posts/{body['id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["video"]["duration_ms"] == 3000
    feed = (await client.get(f"{API}/posts")).json()
    assert [(p["id"], p["video"]["cover_url"]) for p in feed["items"]] == [
        (body["id"], clip["cover_url"])
    ]

    # A MOV clip is read the same way.
    mov = await video(client, alice, make_test_video(seconds=1, container="mov"), "v.mov")
    assert mov.status_code == 201, mov.text
    assert mov.json()["duration_ms"] == 1000


async def test_a_video_with_a_flagged_frame_is_never_public(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sim = simulator(app)
    bob, _ = await buyer(client, ctx, "video-bob")
    clip = (await video(client, bob, make_test_video(seconds=4, color=(200, 40, 40)))).json()
    _, frame_urls = await frames_of(ctx, clip["id"])
    created = (await post(client, bob, content="看视频", video_id=clip["id"])).json()
    await run_job(ctx, "moderation.machine_checks")
    assert len(sim.pending) == 4
    # Only the middle sampled frame is flagged (the cover passes).
    sim.media_verdicts[frame_urls[1].split("/media/")[1]] = ("risky", 20002)
    await sim.push()
    await drain_outbox(ctx)
    mine = (await client.get(f"{API}/posts/{created['id']}", headers=bob.headers)).json()
    assert (mine["status"], mine["moderation"]["status"]) == ("rejected", "rejected")
    assert (await client.get(f"{API}/posts/{created['id']}")).status_code == 404
    assert (await client.get(f"{API}/posts")).json()["items"] == []
    # The queue shows the item with the video's cover and frames among its media.
    queue_item = await item_id(ctx, "post", created["id"])
    detail = (await client.get(f"{MODERATION}/items/{queue_item}", headers=staff)).json()
    assert len(detail["media"]) == 4
    assert detail["video_url"] == clip["url"]


async def test_bad_videos_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    carol, _ = await buyer(client, ctx, "video-carol")
    dave = await shopper(client, "video-dave")
    daves = (await video(client, dave, make_test_video(seconds=1))).json()["id"]
    mine = (await video(client, carol, make_test_video(seconds=1, color=(1, 2, 3)))).json()["id"]
    photo = await image(client, carol, (5, 5, 5))
    used = (await video(client, carol, make_test_video(seconds=1, color=(9, 9, 9)))).json()["id"]
    assert (await post(client, carol, content="用过了", video_id=used)).status_code == 201
    good = make_test_video(seconds=2)
    videos_dir = ctx.settings.media_dir / "videos"
    stored_before = sorted(p.name for p in videos_dir.rglob("*"))
    before = await snapshot(ctx, *CONTENT_TABLES)
    cases = [
        (
            await video(client, carol, png_bytes((1, 1, 1)), "p.mp4"),
            400,
            "content.video_unreadable",
        ),
        (await video(client, carol, good[: len(good) // 3]), 400, "content.video_unreadable"),
        (
            await video(client, carol, b"\0\0\0\x20ftypisom" + b"\0" * 64),
            400,
            "content.video_unreadable",
        ),
        (
            await video(client, carol, make_test_video(seconds=61, fps=2, size=(32, 32))),
            400,
            "content.video_too_long",
        ),
        (
            await video(client, carol, make_test_video(seconds=1, codec="mjpeg", container="mov")),
            400,
            "content.video_codec_unsupported",
        ),
        (
            await video(client, carol, b"\0" * (50 * 1024 * 1024 + 1)),
            413,
            "content.video_too_large",
        ),
        (
            await client.post(f"{API}/content/videos", content=good, headers=carol.headers),
            400,
            "content.video_unreadable",
        ),
        (
            await post(client, carol, content="两样", video_id=mine, image_ids=[photo]),
            400,
            "content.video_with_images",
        ),
        (await post(client, carol, content="别人的", video_id=daves), 400, "content.video_unknown"),
        # One video per post: a video already in a post is not taken by another.
        (await post(client, carol, content="再用", video_id=used), 400, "content.video_unknown"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx, *CONTENT_TABLES) == before
    assert sorted(p.name for p in videos_dir.rglob("*")) == stored_before
