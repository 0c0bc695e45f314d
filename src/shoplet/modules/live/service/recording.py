"""Replays (回放) recorded by Shoplet (push/pull provider) or made by WeChat (小程序直播).

Push/pull: while a session is live, the recorder reads the provider's HLS live playlist (the
``m3u8`` library parses it) and fetches each segment it has not seen. A segment is claimed first,
keyed by its media sequence (``INSERT … ON CONFLICT DO NOTHING`` in its own short transaction),
so a recorder restarted mid-way or two recorders at once never store one twice; a claim left by
a recorder that stopped is taken over after ``CLAIM_STALE``. The fetch happens with no
transaction open, is retried ``live_record_fetch_attempts`` times and then recorded as a gap.
Segments are stored in media storage (``live/replays/<stream>/<sequence>.ts``). Past
``live_replay_max_seconds`` or ``live_replay_max_bytes`` nothing more is claimed.

Once the session has ended, the recorder polls once more and finalises: one conditional
``UPDATE … WHERE status = 'recording'`` (of finalisers at once, one wins) and the winner writes
the VOD playlist (``#EXT-X-PLAYLIST-TYPE:VOD``, ``#EXT-X-DISCONTINUITY`` wherever the stream
broke, a gap was left or the source said so, ``#EXT-X-ENDLIST``) in the same transaction.

WeChat: after the session ends, ``getliveinfo`` ``get_replay`` is asked until WeChat has made
the replay, then its ``media_url`` is kept; WeChat's refusals end in stable outcomes
(:data:`WECHAT_OUTCOMES`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

import httpx
import m3u8
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.storage import ObjectNotFound, get_storage
from shoplet.integrations.wechat import live as wx
from shoplet.modules.live import repository as repo
from shoplet.modules.live import schemas
from shoplet.modules.live.errors import NoReplay, ReplayNotFound
from shoplet.modules.live.models import LiveRecording, LiveRecordingSegment, LiveSession
from shoplet.modules.live.providers import provider_for

from ._common import _session, log

# A claim older than this was left by a recorder that stopped: another may take it over.
CLAIM_STALE = timedelta(minutes=2)
# Sessions one recorder run looks at.
RECORD_BATCH = 50
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
# WeChat's codes that end the wait for good, and the outcome kept for each.
WECHAT_OUTCOMES: dict[int, str] = {
    wx.NO_ROOM: "wechat.room_invalid",
    wx.ROOM_NOT_FOUND: "wechat.room_invalid",
    wx.ROOM_FORBIDDEN: "wechat.room_forbidden",
}


HTTP_KEY = "live.recorder_http"
REPLAY_CLIENT_KEY = "live.wechat_replay"  # pragma: allowlist secret (a state key)


def recorder_http(base_is_url: bool, app: object | None) -> httpx.AsyncClient:
    """The recorder's HTTP client: the CDN's (an absolute play base), or this app in process
    (a path such as the embedded ``/media/live``: the test stream under the media dir)."""
    timeout = httpx.Timeout(10.0, connect=5.0)
    if base_is_url or app is None:
        return httpx.AsyncClient(timeout=timeout)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(
        transport=transport, base_url="http://shoplet.internal", timeout=timeout
    )


# -- playlists (pure) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveSegment:
    media_sequence: int
    url: str
    duration_ms: int
    is_discontinuity: bool


@dataclass(frozen=True, slots=True)
class RecordedSegment:
    media_sequence: int
    url: str
    duration_ms: int
    is_discontinuity: bool


def parse_live_playlist(text: str, playlist_url: str) -> tuple[list[LiveSegment], bool]:
    """The live playlist's segments (absolute URLs, their media sequence numbers) and whether
    it has ended (``#EXT-X-ENDLIST``)."""
    playlist = m3u8.loads(text)
    first = playlist.media_sequence or 0
    segments = [
        LiveSegment(
            media_sequence=first + index,
            url=urljoin(playlist_url, segment.uri),
            duration_ms=round((segment.duration or 0) * 1000),
            is_discontinuity=bool(segment.discontinuity),
        )
        for index, segment in enumerate(playlist.segments)
    ]
    return segments, bool(playlist.is_endlist)


def vod_segments(
    rows: Sequence[LiveRecordingSegment], url_of: dict[int, str]
) -> list[RecordedSegment]:
    """The stored segments in order, each marked as a discontinuity where the source said so or
    where the one before it is missing (a gap, a claim never stored, or a sequence never seen)."""
    out: list[RecordedSegment] = []
    previous: int | None = None
    for row in rows:
        if row.status != "stored":
            continue
        broke = previous is not None and row.media_sequence != previous + 1
        out.append(
            RecordedSegment(
                media_sequence=row.media_sequence,
                url=url_of[row.media_sequence],
                duration_ms=row.duration_ms,
                is_discontinuity=bool(out) and (broke or row.is_discontinuity),
            )
        )
        previous = row.media_sequence
    return out


def vod_playlist(segments: Sequence[RecordedSegment]) -> str:
    """A VOD playlist of ``segments`` (``#EXT-X-PLAYLIST-TYPE:VOD`` … ``#EXT-X-ENDLIST``)."""
    playlist = m3u8.M3U8()
    playlist.version = 3
    playlist.playlist_type = "vod"
    playlist.is_endlist = True
    playlist.media_sequence = 0
    playlist.target_duration = max((math.ceil(s.duration_ms / 1000) for s in segments), default=1)
    for s in segments:
        playlist.add_segment(
            m3u8.Segment(uri=s.url, duration=s.duration_ms / 1000, discontinuity=s.is_discontinuity)
        )
    text: str = playlist.dumps()
    return text


def segment_key(stream_name: str, media_sequence: int) -> str:
    return f"live/replays/{stream_name}/{media_sequence}.ts"


def playlist_key(stream_name: str) -> str:
    return f"live/replays/{stream_name}/index.m3u8"


# -- push/pull recorder -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollResult:
    stored: int
    gaps: int
    skipped: int


async def _fetch(http: httpx.AsyncClient, url: str, attempts: int, delay: float) -> bytes | None:
    for attempt in range(1, attempts + 1):
        try:
            response = await http.get(url)
            if response.status_code == 200:
                return response.content
        except httpx.HTTPError as exc:
            log.info("live.segment_fetch_failed", url=url, error=type(exc).__name__)
        if attempt < attempts and delay:
            await asyncio.sleep(delay * attempt)
    return None


async def poll(
    ctx: AppContext, http: httpx.AsyncClient, row: LiveSession, *, now: datetime | None = None
) -> PollResult:
    """One look at the session's live playlist: every segment not claimed yet is claimed,
    fetched and stored (or recorded as a gap)."""
    settings = ctx.settings
    now = now or utcnow()
    url = provider_for(settings, row.provider).play(row.stream_name, row.room_id).play_url
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.ensure_recording(session, row.id, "pushpull", now)
        recording = await repo.get_recording(session, row.id)
    if recording is None or recording.status != "recording" or url is None:
        return PollResult(0, 0, 0)
    playlist_url = str(http.base_url.join(url)) if not url.startswith("http") else url
    try:
        response = await http.get(playlist_url)
    except httpx.HTTPError as exc:
        log.info("live.playlist_fetch_failed", session_id=row.id, error=type(exc).__name__)
        return PollResult(0, 0, 0)
    if response.status_code != 200:
        return PollResult(0, 0, 0)
    try:
        segments, _ = parse_live_playlist(response.text, playlist_url)
    except (ValueError, AttributeError):
        log.warning("live.playlist_invalid", session_id=row.id)
        return PollResult(0, 0, 0)
    storage = get_storage(ctx, "media")
    duration, size = recording.duration_ms, recording.size_bytes
    stored = gaps = skipped = 0
    for segment in segments:
        if (
            duration + segment.duration_ms > settings.live_replay_max_seconds * 1000
            or size >= settings.live_replay_max_bytes
        ):
            skipped += 1
            continue
        async with unit_of_work(ctx.sessionmaker) as session:
            claimed = await repo.claim_segment(
                session,
                session_id=row.id,
                media_sequence=segment.media_sequence,
                duration_ms=segment.duration_ms,
                is_discontinuity=segment.is_discontinuity,
                now=utcnow(),
                stale_before=utcnow() - CLAIM_STALE,
            )
        if not claimed:
            continue
        attempts = settings.live_record_fetch_attempts
        data = await _fetch(http, segment.url, attempts, settings.live_record_retry_seconds)
        if data is not None and size + len(data) > settings.live_replay_max_bytes:
            data = None  # over the size limit: kept out as a gap
        key = segment_key(row.stream_name, segment.media_sequence) if data is not None else None
        if key is not None and data is not None:
            await storage.put(key, data)
        async with unit_of_work(ctx.sessionmaker) as session:
            settled = await repo.settle_segment(
                session,
                session_id=row.id,
                media_sequence=segment.media_sequence,
                key=key,
                size_bytes=len(data) if data is not None else 0,
                attempts=attempts if data is None else 1,
            )
        if not settled:
            continue
        if data is None:
            gaps += 1
        else:
            stored += 1
            duration += segment.duration_ms
            size += len(data)
    return PollResult(stored, gaps, skipped)


async def finalise(ctx: AppContext, row: LiveSession) -> bool:
    """The replay of an ended session, once: True for the one caller that finalised it."""
    storage = get_storage(ctx, "media")
    async with unit_of_work(ctx.sessionmaker) as session:
        rows = await repo.recorded_segments(session, row.id)
        urls = {
            r.media_sequence: storage.public_url(r.key) or r.key
            for r in rows
            if r.status == "stored" and r.key
        }
        segments = vod_segments(rows, urls)
        now = utcnow()
        key = playlist_key(row.stream_name)
        values: dict[str, object] = {"finalised_at": now, "updated_at": now}
        if segments:
            values |= {"status": "ready", "playlist_key": key}
        else:
            values |= {"status": "none", "outcome": "no_segments"}
        if not await repo.finish_recording(session, row.id, values):
            return False
        if segments:
            # Written inside the transaction: if the write fails the recording stays open.
            await storage.put(key, vod_playlist(segments).encode())
    log.info("live.replay_finalised", session_id=row.id, segments=len(segments))
    return True


async def record(ctx: AppContext, http: httpx.AsyncClient) -> int:
    """The recorder's run: polls every live push/pull session, and polls once more then
    finalises every ended one still recording. Returns the sessions looked at."""
    async with unit_of_work(ctx.sessionmaker) as session:
        rows = await repo.sessions_to_record(session, "pushpull", RECORD_BATCH)
    for row in rows:
        await poll(ctx, http, row)
        if row.status == "ended":
            await finalise(ctx, row)
    return len(rows)


# -- WeChat ---------------------------------------------------------------------------------


async def fetch_wechat_replays(
    ctx: AppContext, client: wx.LiveReplayClient, *, now: datetime | None = None
) -> int:
    """Asks WeChat for the replay of every ended 小程序直播 session still waiting for one."""
    now = now or utcnow()
    wait = timedelta(seconds=ctx.settings.live_wechat_replay_wait_seconds)
    async with unit_of_work(ctx.sessionmaker) as session:
        rows = await repo.wechat_sessions_waiting(session, since=now - wait, limit=RECORD_BATCH)
        for row in rows:
            await repo.ensure_recording(session, row.id, "wechat", now)
    for row in rows:
        await check_wechat_replay(ctx, client, row, now=now)
    return len(rows)


async def check_wechat_replay(
    ctx: AppContext, client: wx.LiveReplayClient, row: LiveSession, *, now: datetime
) -> str:
    """One ``get_replay`` for the session's room (no transaction open during the call):
    ``ready``, ``none`` (an outcome that ends the wait) or ``recording`` (ask again later)."""
    wait_over = (row.ended_at or now) + timedelta(
        seconds=ctx.settings.live_wechat_replay_wait_seconds
    ) <= now
    values: dict[str, object] = {"updated_at": now}
    try:
        page = await client.get_replay(row.room_id or 0, start=0, limit=10)
    except wx.LiveReplayError as exc:
        outcome = WECHAT_OUTCOMES.get(exc.errcode)
        if outcome is None and wait_over:
            outcome = "wechat.unavailable"
        log.info("live.wechat_replay_refused", session_id=row.id, errcode=exc.errcode)
        if outcome is not None:
            values |= {"status": "none", "outcome": outcome, "finalised_at": now}
    else:
        if page.pieces:
            piece = page.pieces[0]
            values |= {
                "status": "ready",
                "media_url": piece.media_url,
                "expires_at": piece.expire_time,
                "finalised_at": now,
            }
        elif wait_over:
            values |= {"status": "none", "outcome": "wechat.no_replay", "finalised_at": now}
    async with unit_of_work(ctx.sessionmaker) as session:
        if "status" in values:
            if await repo.finish_recording(session, row.id, values):
                return str(values["status"])
            return "recording"
        await repo.update_recording(
            session, row.id, {**values, "checks": LiveRecording.checks + 1}, status="recording"
        )
    return "recording"


# -- reading and operator control -------------------------------------------------------------


def replay_url_of(row: LiveSession, recording: LiveRecording | None) -> str | None:
    """What shoppers play: the operator's URL (an override), else the published recording
    (Shoplet's VOD playlist, or WeChat's video), else nothing."""
    if row.replay_url:
        return row.replay_url
    if recording is None or recording.status != "ready" or not recording.is_published:
        return None
    if recording.source == "wechat":
        return recording.media_url
    return f"/api/v1/live/sessions/{row.id}/replay.m3u8"


def recording_out(recording: LiveRecording | None) -> schemas.LiveRecording:
    if recording is None:
        return schemas.LiveRecording(
            status="none",
            source=None,
            is_published=False,
            segment_total=0,
            gap_total=0,
            duration_ms=0,
            size_bytes=0,
            outcome="not_recorded",
            media_url=None,
            finalised_at=None,
        )
    return schemas.LiveRecording(
        status=recording.status,  # type: ignore[arg-type]
        source=recording.source,  # type: ignore[arg-type]
        is_published=recording.is_published,
        segment_total=recording.segment_total,
        gap_total=recording.gap_total,
        duration_ms=recording.duration_ms,
        size_bytes=recording.size_bytes,
        outcome=recording.outcome,
        media_url=recording.media_url,
        finalised_at=recording.finalised_at,
    )


async def recording_of(session: AsyncSession, session_id: int) -> schemas.LiveRecording:
    await _session(session, session_id)
    return recording_out(await repo.get_recording(session, session_id))


async def publish_replay(
    session: AsyncSession, *, session_id: int, is_published: bool
) -> schemas.LiveRecording:
    """Publish (shoppers may watch) or hide the recorded replay; 409 ``live.no_replay`` unless
    there is one (已生成)."""
    await _session(session, session_id)
    if not await repo.update_recording(
        session, session_id, {"is_published": is_published, "updated_at": utcnow()}, status="ready"
    ):
        raise NoReplay()
    return recording_out(await repo.get_recording(session, session_id))


async def replay_playlist(ctx: AppContext, session: AsyncSession, *, session_id: int) -> bytes:
    """The published VOD playlist Shoplet recorded (404 ``live.replay_not_found`` otherwise)."""
    await _session(session, session_id)
    found = await repo.get_recording(session, session_id)
    if found is None or not found.is_published or found.playlist_key is None:
        raise ReplayNotFound(session_id=session_id)
    if found.status != "ready":
        raise ReplayNotFound(session_id=session_id)
    try:
        return await get_storage(ctx, "media").read(found.playlist_key)
    except ObjectNotFound:
        raise ReplayNotFound(session_id=session_id) from None
