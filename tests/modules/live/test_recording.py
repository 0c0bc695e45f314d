"""Replays recorded by Shoplet: the recorder against the local HLS test stream (``hls.py``) read
over HTTP from the app's media directory: new segments between polls, a recorder restarted
mid-way, a claim left by a recorder that stopped, a segment that cannot be fetched (a gap and a
discontinuity), the duration limit; finalising into a VOD playlist shoppers play once the
operator publishes it; the refusals (409 ``live.no_replay``, 404 ``live.replay_not_found``)
with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import m3u8
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.live import repository as repo
from shoplet.modules.live import service
from shoplet.modules.live.models import LiveRecording, LiveRecordingSegment, LiveSession
from shoplet.modules.live.service import recording
from tests.conftest import snapshot
from tests.modules.live.factories import console_url, live, scheduled, store_url
from tests.modules.live.hls import LiveStream, segment_bytes

RECORDING_TABLES = ("live_session", "live_recording", "live_recording_segment")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"live_record_retry_seconds": 0, "live_replay_max_seconds": 60}


def recorder(ctx: AppContext) -> httpx.AsyncClient:
    http = ctx.extras[recording.HTTP_KEY]
    assert isinstance(http, httpx.AsyncClient)
    return http


async def session_row(ctx: AppContext, sid: int) -> LiveSession:
    async with ctx.sessionmaker() as s:
        row = await s.get(LiveSession, sid)
        assert row is not None
        return row


async def segments_of(ctx: AppContext, sid: int) -> list[tuple[int, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(LiveRecordingSegment)
            .where(LiveRecordingSegment.session_id == sid)
            .order_by(LiveRecordingSegment.media_sequence)
        )
        return [(r.media_sequence, r.status) for r in rows]


async def recording_row(ctx: AppContext, sid: int) -> LiveRecording:
    async with ctx.sessionmaker() as s:
        found = await s.scalars(select(LiveRecording).where(LiveRecording.session_id == sid))
        return found.one()


async def stream_for(ctx: AppContext, sid: int) -> LiveStream:
    row = await session_row(ctx, sid)
    return LiveStream(ctx.settings.media_dir, row.stream_name)


async def test_new_segments_are_recorded_between_polls_and_become_a_published_replay(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    stream = await stream_for(ctx, sid)
    stream.add(2)
    assert await service.record(ctx, recorder(ctx)) == 1
    assert await segments_of(ctx, sid) == [(0, "stored"), (1, "stored")]
    shown = (await client.get(console_url(sid, "recording"), headers=operator)).json()
    assert shown["status"] == "recording"
    assert (shown["segment_total"], shown["duration_ms"]) == (2, 4000)

    # Two more appear; the window slides past segment 0 (never fetched twice).
    stream.add(2)
    await service.record(ctx, recorder(ctx))
    assert await segments_of(ctx, sid) == [(i, "stored") for i in range(4)]

    ended = await client.post(console_url(sid, "end"), headers=operator)
    assert ended.status_code == 200
    stream.add(1)
    stream.end()
    await service.record(ctx, recorder(ctx))  # the last poll, then the replay
    done = await recording_row(ctx, sid)
    assert (done.status, done.segment_total, done.duration_ms) == ("ready", 5, 10_000)
    assert done.size_bytes == sum(len(segment_bytes(stream.stream, i)) for i in range(5))
    assert done.is_published is False
    hidden = await client.get(store_url(sid, "replay.m3u8"))
    assert (hidden.status_code, hidden.json()["code"]) == (404, "live.replay_not_found")
    assert (await client.get(store_url(sid))).json()["replay_play_url"] is None

    published = await client.put(
        console_url(sid, "replay"), json={"is_published": True}, headers=operator
    )
    assert published.status_code == 200, published.text
    assert published.json()["is_published"] is True
    detail = (await client.get(store_url(sid))).json()
    assert detail["replay_play_url"] == store_url(sid, "replay.m3u8")
    response = await client.get(detail["replay_play_url"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in response.text
    assert response.text.rstrip().endswith("#EXT-X-ENDLIST")
    vod = m3u8.loads(response.text)
    assert [s.duration for s in vod.segments] == [2.0] * 5
    assert not any(s.discontinuity for s in vod.segments)
    for i, segment in enumerate(vod.segments):
        assert segment.uri.startswith("/media/live/replays/")
        served = await client.get(segment.uri)
        assert served.content == segment_bytes(stream.stream, i)

    # A manual URL overrides the recording.
    row = await session_row(ctx, sid)
    body = {
        "title": row.title,
        "anchor_name": row.anchor_name,
        "scheduled_at": row.scheduled_at.isoformat(),
        "replay_url": "https://cdn.example.com/replay/1.mp4",
    }
    assert (await client.put(console_url(sid), json=body, headers=operator)).status_code == 200
    detail = (await client.get(store_url(sid))).json()
    assert detail["replay_play_url"] == "https://cdn.example.com/replay/1.mp4"

    hid = await client.put(
        console_url(sid, "replay"), json={"is_published": False}, headers=operator
    )
    assert hid.json()["is_published"] is False
    assert (await client.get(store_url(sid, "replay.m3u8"))).status_code == 404


async def test_a_restarted_recorder_stores_nothing_twice_and_takes_over_a_stale_claim(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    stream = await stream_for(ctx, sid)
    stream.add(2)
    row = await session_row(ctx, sid)
    fetched: list[str] = []

    async def seen(request: httpx.Request) -> None:
        if request.url.path.endswith(".ts"):
            fetched.append(request.url.path)

    await recording.poll(ctx, recorder(ctx), row)
    # The recorder restarts (a new process, a new client) while segment 2 was claimed by one
    # that stopped two minutes ago and segment 3 by one still fetching it.
    stream.add(2)
    async with ctx.sessionmaker() as s:
        for seq, age in ((2, timedelta(minutes=3)), (3, timedelta(seconds=5))):
            assert await repo.claim_segment(
                s,
                session_id=sid,
                media_sequence=seq,
                duration_ms=2000,
                is_discontinuity=False,
                now=utcnow() - age,
                stale_before=utcnow() - recording.CLAIM_STALE,
            )
        await s.commit()
    restarted = recording.recorder_http(False, app)
    restarted.event_hooks["request"].append(seen)
    async with restarted:
        result = await recording.poll(ctx, restarted, row)
    assert result.stored == 1
    assert fetched == [f"/media/live/{stream.name(2)}"]  # 1 again: never; 3: someone has it
    assert await segments_of(ctx, sid) == [
        (0, "stored"),
        (1, "stored"),
        (2, "stored"),
        (3, "claimed"),
    ]
    assert (await recording_row(ctx, sid)).segment_total == 3


async def test_a_segment_that_cannot_be_fetched_is_a_gap_and_the_replay_breaks_there(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    stream = await stream_for(ctx, sid)
    stream.add(3)
    stream.drop(1)  # every fetch (3 attempts) fails
    stream.add(1, discontinuity=True)  # the encoder restarted before segment 3
    await service.record(ctx, recorder(ctx))
    assert await segments_of(ctx, sid) == [(1, "gap"), (2, "stored"), (3, "stored")]
    # Segment 0 had slid out of the window before the first poll: never seen.
    assert (await client.post(console_url(sid, "end"), headers=operator)).status_code == 200
    await service.record(ctx, recorder(ctx))
    done = await recording_row(ctx, sid)
    assert (done.status, done.segment_total, done.gap_total) == ("ready", 2, 1)
    storage_text = (ctx.settings.media_dir / (done.playlist_key or "")).read_text()
    vod = m3u8.loads(storage_text)
    assert [s.uri.rsplit("/", 1)[1] for s in vod.segments] == ["2.ts", "3.ts"]
    assert [s.discontinuity for s in vod.segments] == [False, True]


async def test_the_recorder_stops_adding_past_the_duration_limit(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    stream = await stream_for(ctx, sid)
    stream.add(3, seconds=25)  # the limit is 60 s
    result = await recording.poll(ctx, recorder(ctx), await session_row(ctx, sid))
    assert (result.stored, result.skipped) == (2, 1)
    assert (await recording_row(ctx, sid)).duration_ms == 50_000


async def test_publishing_a_replay_that_does_not_exist_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    never = (await scheduled(client, operator))["id"]
    recording_now = (await live(client, operator))["id"]
    (await stream_for(ctx, recording_now)).add(1)
    await service.record(ctx, recorder(ctx))
    before = await snapshot(ctx, *RECORDING_TABLES)
    for sid in (never, recording_now):
        refused = await client.put(
            console_url(sid, "replay"), json={"is_published": True}, headers=operator
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "live.no_replay")
        playlist = await client.get(store_url(sid, "replay.m3u8"))
        assert (playlist.status_code, playlist.json()["code"]) == (404, "live.replay_not_found")
    missing = await client.put(
        console_url(999_999, "replay"), json={"is_published": True}, headers=operator
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "live.session_not_found")
    assert await snapshot(ctx, *RECORDING_TABLES) == before
    shown = (await client.get(console_url(never, "recording"), headers=operator)).json()
    assert (shown["status"], shown["outcome"]) == ("none", "not_recorded")


async def test_an_ended_session_with_nothing_recorded_has_no_replay(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    await service.record(ctx, recorder(ctx))  # the stream never came: no playlist
    assert (await client.post(console_url(sid, "end"), headers=operator)).status_code == 200
    await service.record(ctx, recorder(ctx))
    done = await recording_row(ctx, sid)
    assert (done.status, done.outcome, done.playlist_key) == ("none", "no_segments", None)
    control = (await client.get(console_url(sid, "control"), headers=operator)).json()
    assert control["recording"]["status"] == "none"
