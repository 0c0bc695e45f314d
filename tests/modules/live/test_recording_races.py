"""Recorders and finalisers at once, on PostgreSQL: eight recorders polling the same live
playlist together store each segment once (one fetch, one row, the totals counted once), and
of twelve finalisers of an ended session exactly one writes the replay."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.live.models import LiveRecording, LiveRecordingSegment, LiveSession
from shoplet.modules.live.service import recording
from tests.modules.live.factories import console_url, live
from tests.modules.live.hls import LiveStream

RECORDERS = 8
FINALISERS = 12


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _row(ctx: AppContext, sid: int) -> LiveSession:
    async with ctx.sessionmaker() as s:
        row = await s.get(LiveSession, sid)
        assert row is not None
        return row


async def test_recorders_at_once_store_each_segment_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    row = await _row(ctx, sid)
    stream = LiveStream(ctx.settings.media_dir, row.stream_name, window=6)
    stream.add(6)
    fetched: Counter[str] = Counter()

    async def seen(request: httpx.Request) -> None:
        if request.url.path.endswith(".ts"):
            fetched[request.url.path] += 1

    clients = [recording.recorder_http(False, app) for _ in range(RECORDERS)]
    for http in clients:
        http.event_hooks["request"].append(seen)
    start = asyncio.Event()

    async def one(http: httpx.AsyncClient) -> recording.PollResult:
        await start.wait()
        return await recording.poll(ctx, http, row)

    tasks = [asyncio.create_task(one(http)) for http in clients]
    start.set()
    results = await asyncio.gather(*tasks)
    for http in clients:
        await http.aclose()

    assert sum(r.stored for r in results) == 6
    assert sorted(fetched.values()) == [1] * 6
    async with ctx.sessionmaker() as s:
        rows = list(
            await s.scalars(
                select(LiveRecordingSegment).where(LiveRecordingSegment.session_id == sid)
            )
        )
        totals = (
            await s.scalars(select(LiveRecording).where(LiveRecording.session_id == sid))
        ).one()
    assert sorted(r.media_sequence for r in rows) == list(range(6))
    assert {r.status for r in rows} == {"stored"}
    assert (totals.segment_total, totals.duration_ms) == (6, 12_000)


async def test_an_ended_session_is_finalised_exactly_once(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    sid = (await live(client, operator))["id"]
    row = await _row(ctx, sid)
    stream = LiveStream(ctx.settings.media_dir, row.stream_name)
    stream.add(3)
    http = ctx.extras[recording.HTTP_KEY]
    await recording.poll(ctx, http, row)
    assert (await client.post(console_url(sid, "end"), headers=operator)).status_code == 200
    row = await _row(ctx, sid)
    start = asyncio.Event()

    async def one() -> bool:
        await start.wait()
        return await recording.finalise(ctx, row)

    tasks = [asyncio.create_task(one()) for _ in range(FINALISERS)]
    start.set()
    outcomes = await asyncio.gather(*tasks)
    assert outcomes.count(True) == 1
    async with ctx.sessionmaker() as s:
        done = (await s.scalars(select(LiveRecording).where(LiveRecording.session_id == sid))).one()
    assert (done.status, done.segment_total) == ("ready", 3)
    assert done.playlist_key is not None
    text = (ctx.settings.media_dir / done.playlist_key).read_text()
    assert text.count("#EXTINF") == 3
    assert text.count("#EXT-X-ENDLIST") == 1
