"""A review's short video (晒单视频), on both backends, with real clips PyAV encodes here: up to
9 photos and one video of at most 15 s; the video's cover and sampled frames are screened with
the photos, so the review (and its video) is public only once all pass; 有视频 lists reviews
with one; each refused upload or review answers its own code and changes nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.core.video import make_test_video
from tests.conftest import snapshot
from tests.modules.moderation.factories import simulator
from tests.modules.orders.factories import shopper
from tests.modules.review.factories import REVIEW_TABLES, bought, review_rows, upload, write

VIDEOS = "/api/v1/reviews/videos"


async def send(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, name: str = "v.mp4"
) -> httpx.Response:
    return await client.post(VIDEOS, files={"file": (name, data, "video/mp4")}, headers=headers)


async def listed(client: httpx.AsyncClient, product_id: int, kind: str) -> list[int]:
    response = await client.get(f"/api/v1/products/{product_id}/reviews", params={"kind": kind})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


async def test_a_review_with_photos_and_a_video_is_public_once_screened_and_filtered(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = simulator(app)
    alice = await shopper(client, "rv-alice")
    order_no, [a, b], product_id = await bought(client, ctx, alice)
    photo = await upload(client, alice)
    clip = await send(client, alice.headers, make_test_video(seconds=5))
    assert clip.status_code == 201, clip.text
    assert clip.json()["duration_ms"] == 5000
    with_video = await write(
        client,
        alice,
        order_no,
        a,
        content="视频晒单",
        photo_ids=[photo],
        video_id=clip.json()["id"],
    )
    assert with_video.status_code == 201, with_video.text
    body = with_video.json()
    assert body["status"] == "pending"
    assert body["video"]["cover_url"] == clip.json()["cover_url"]
    plain = (await write(client, alice, order_no, b, content="不错")).json()
    assert plain["video"] is None

    await run_job(ctx, "moderation.machine_checks")
    assert len(sim.pending) == 5  # the photo, the cover, three frames
    await sim.push()
    await drain_outbox(ctx)
    assert await listed(client, product_id, "videos") == [body["id"]]
    assert await listed(client, product_id, "photos") == [body["id"]]
    assert sorted(await listed(client, product_id, "all")) == sorted([body["id"], plain["id"]])
    shown = (await client.get(f"/api/v1/products/{product_id}/reviews")).json()["items"]
    assert [r["video"]["duration_ms"] for r in shown if r["video"]] == [5000]


async def test_a_review_video_with_a_flagged_frame_keeps_the_review_hidden(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = simulator(app)
    bob = await shopper(client, "rv-bob")
    order_no, [a, _], product_id = await bought(client, ctx, bob)
    clip = (await send(client, bob.headers, make_test_video(seconds=3, color=(9, 90, 200)))).json()
    review = (await write(client, bob, order_no, a, content="看", video_id=clip["id"])).json()
    await run_job(ctx, "moderation.machine_checks")
    assert len(sim.pending) == 4
    flagged = sim.pending[-1].media_url.split("/media/")[1]  # the last sampled frame
    sim.media_verdicts[flagged] = ("risky", 20002)
    await sim.push()
    await drain_outbox(ctx)
    assert await listed(client, product_id, "all") == []
    assert await listed(client, product_id, "videos") == []
    assert review["status"] == "pending"
    assert [(r.id, r.status) for r in await review_rows(ctx)] == [(review["id"], "hidden")]


async def test_bad_review_videos_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    carol = await shopper(client, "rv-carol")
    dave = await shopper(client, "rv-dave")
    order_no, [a, b], _ = await bought(client, ctx, carol)
    daves = (await send(client, dave.headers, make_test_video(seconds=1))).json()["id"]
    used = (await send(client, carol.headers, make_test_video(seconds=1, color=(4, 4, 4)))).json()
    assert (await write(client, carol, order_no, a, video_id=used["id"])).status_code == 201
    videos_dir = ctx.settings.media_dir / "videos"
    stored_before = sorted(p.name for p in videos_dir.rglob("*"))
    before = await snapshot(ctx, *REVIEW_TABLES)
    cases = [
        (await send(client, carol.headers, b"not a video at all"), 400, "review.video_unreadable"),
        (
            await send(client, carol.headers, make_test_video(seconds=16, fps=4, size=(32, 32))),
            400,
            "review.video_too_long",
        ),
        (
            await send(
                client, carol.headers, make_test_video(seconds=1, codec="mjpeg", container="mov")
            ),
            400,
            "review.video_codec_unsupported",
        ),
        (
            await send(client, carol.headers, b"\0" * (50 * 1024 * 1024 + 1)),
            413,
            "review.video_too_large",
        ),
        (await write(client, carol, order_no, b, video_id=daves), 400, "review.video_unknown"),
        # One video per review: a video already in a review is not taken by another.
        (await write(client, carol, order_no, b, video_id=used["id"]), 400, "review.video_unknown"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx, *REVIEW_TABLES) == before
    assert sorted(p.name for p in videos_dir.rglob("*")) == stored_before
