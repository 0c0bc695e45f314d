"""Session replay and click heatmaps of the H5 store.

The recorder (``frontends/storefront/utils/replay.js``, ``@rrweb/record`` with every input
masked) sends one chunk per page and flush; a chunk is checked whole (times, sizes, the
device's rate), its events stored as one zlib-compressed JSON blob, its clicks as heatmap
rows. Retries are stored once (unique ``seq``); a recording stops growing at
``SHOPLET_ANALYTICS_REPLAY_MAX_SESSION_BYTES`` (a conditional UPDATE, so concurrent chunks
cannot pass it). Recordings older than ``SHOPLET_ANALYTICS_REPLAY_RETENTION_DAYS`` are deleted
daily, and a member's deletion request deletes theirs.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import mask_phones_in
from shoplet.modules.analytics.replay import repository as repo
from shoplet.modules.analytics.replay.errors import (
    ReplayConflict,
    ReplayFull,
    ReplayNotFound,
    ReplayOutOfRange,
)
from shoplet.modules.analytics.replay.models import ReplaySession
from shoplet.modules.analytics.replay.schemas import (
    MAX_REPLAY_BYTES,
    MAX_REPLAY_EVENTS,
    Click,
    ErrorSummary,
    Heatmap,
    HeatmapCell,
    HeatmapPage,
    PageError,
    PageStart,
    ReplayAccepted,
    ReplayChunkIn,
    ReplayConfig,
    ReplayDetail,
    ReplayErrorOut,
    ReplaySessionOut,
    RrwebEvent,
    ScrollBand,
    ScrollDepth,
    ScrollMap,
    TapChunkIn,
)

SHOP_TZ = ZoneInfo("Asia/Shanghai")
MAX_FUTURE = timedelta(minutes=10)
MAX_AGE = timedelta(days=1)
FLUSH_INTERVAL_MS = 5000
REFERENCE_WIDTH = 375
CELL_X = 20  # permille
CELL_Y = 20  # px at the reference width
EXPIRE_BATCH = 500
H5 = "h5"
MP_WEIXIN = "mp-weixin"
# The H5 store's navigation bar (uni-app's page head, 44 CSS px): part of the H5 document, so a
# mini-program tap or depth, measured from below the native bar, moves down by it.
H5_HEAD = 44
SCROLL_BAND = 100  # px at the reference width
MAX_SCROLL_BANDS = 100  # deeper than 10,000 px counts in the last band


def sampled(anonymous_id: str, rate: float) -> bool:
    """Whether a device records: a stable hash of its id below ``rate`` (the same device always
    gets the same answer, so a kept device's recordings are whole)."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"replay:{anonymous_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def config(ctx: AppContext, anonymous_id: str) -> ReplayConfig:
    rate = ctx.settings.analytics_replay_sample_rate
    return ReplayConfig(
        record=sampled(anonymous_id, rate),
        sample_rate=rate,
        max_events=MAX_REPLAY_EVENTS,
        max_bytes=MAX_REPLAY_BYTES,
        flush_interval_ms=FLUSH_INTERVAL_MS,
    )


def _at(ms: int, skew: timedelta) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC) + skew


@dataclass(frozen=True)
class _Incoming:
    """A chunk from either recorder: the H5 one (rrweb events, clicks, errors, depth) or the
    mini program's (taps and depth only)."""

    platform: str
    replay_id: str
    anonymous_id: str
    seq: int
    page: str
    sent_at: int
    events: list[RrwebEvent]
    clicks: list[Click]
    errors: list[PageError]
    scroll: ScrollDepth | None


def _incoming(chunk: ReplayChunkIn | TapChunkIn) -> _Incoming:
    if isinstance(chunk, TapChunkIn):
        return _Incoming(
            platform=MP_WEIXIN,
            replay_id=chunk.visit_id,
            anonymous_id=chunk.anonymous_id,
            seq=chunk.seq,
            page=chunk.page,
            sent_at=chunk.sent_at,
            events=[],
            clicks=chunk.taps,
            errors=[],
            scroll=chunk.scroll,
        )
    return _Incoming(
        platform=H5,
        replay_id=chunk.replay_id,
        anonymous_id=chunk.anonymous_id,
        seq=chunk.seq,
        page=chunk.page,
        sent_at=chunk.sent_at,
        events=chunk.events,
        clicks=chunk.clicks,
        errors=chunk.errors,
        scroll=chunk.scroll,
    )


async def ingest(
    ctx: AppContext,
    session: AsyncSession,
    received: ReplayChunkIn | TapChunkIn,
    *,
    member_id: int | None,
    ip: str,
) -> ReplayAccepted:
    """Store one chunk (all or nothing). Times move by the chunk's clock skew (server time −
    ``sent_at``) as tracking events do. A mini-program chunk's taps and depth move down by the
    H5 store's navigation bar (``H5_HEAD``: part of the H5 document, native and outside the
    page in the mini program), so both platforms' maps are drawn over the H5 rendering."""
    chunk = _incoming(received)
    if not sampled(chunk.anonymous_id, ctx.settings.analytics_replay_sample_rate):
        return ReplayAccepted(recorded=False)
    spec = ctx.settings.analytics_replay_rate_limit
    await ctx.limiter.hit(spec, "analytics-replay", "device", chunk.anonymous_id)
    await ctx.limiter.hit(spec, "analytics-replay", "ip", ip)
    now = utcnow()
    sent = datetime.fromtimestamp(chunk.sent_at / 1000, UTC)
    skew = now - sent
    stamps = [e.timestamp for e in chunk.events] + [c.ts for c in chunk.clicks]
    stamps += [e.ts for e in chunk.errors]
    for ms in stamps:
        moment = datetime.fromtimestamp(ms / 1000, UTC)
        if moment - sent > MAX_FUTURE:
            raise ReplayOutOfRange("A recorded event is dated after the chunk was sent")
        if now - (moment + skew) > MAX_AGE:
            raise ReplayOutOfRange("A recorded event is older than one day")
    stamps = stamps or [chunk.sent_at]
    first_ts = _at(min(stamps), skew)
    last_ts = _at(max(stamps), skew)
    raw = json.dumps(
        [e.model_dump(exclude_none=True) for e in chunk.events],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    data = zlib.compress(raw, 6)
    recording = await repo.open_session(
        session,
        {
            "replay_id": chunk.replay_id,
            "platform": chunk.platform,
            "anonymous_id": chunk.anonymous_id,
            "member_id": member_id,
            "first_page": chunk.page,
            "started_at": first_ts,
            "last_at": last_ts,
        },
    )
    if recording.anonymous_id != chunk.anonymous_id or recording.platform != chunk.platform:
        raise ReplayConflict("This recording was started by another device or platform")
    chunk_id = await repo.add_chunk(
        session,
        {
            "session_id": recording.id,
            "seq": chunk.seq,
            "page": chunk.page,
            "first_ts": first_ts,
            "last_ts": last_ts,
            "events": len(chunk.events),
            "raw_bytes": len(raw),
            "data": data,
        },
    )
    if chunk_id is None:
        return ReplayAccepted(recorded=True, duplicate=True)
    counted = await repo.count_chunk(
        session,
        recording.id,
        member_id=member_id,
        first_ts=first_ts,
        last_ts=last_ts,
        events=len(chunk.events),
        clicks=len(chunk.clicks),
        errors=len(chunk.errors),
        raw_bytes=len(raw),
        stored_bytes=len(data),
        max_stored_bytes=ctx.settings.analytics_replay_max_session_bytes,
    )
    if not counted:  # the request's transaction rolls the chunk back
        raise ReplayFull(
            "The recording reached its size limit",
            max_bytes=ctx.settings.analytics_replay_max_session_bytes,
        )
    head = H5_HEAD if chunk.platform == MP_WEIXIN else 0
    await repo.add_clicks(
        session,
        [
            {
                "session_id": recording.id,
                "platform": chunk.platform,
                "page": chunk.page,
                "x": min(1000, click.x * 1000 // click.width),
                "y": click.y + head,
                "width": click.width,
                "at": _at(click.ts, skew),
            }
            for click in chunk.clicks
        ],
    )
    await repo.add_errors(
        session,
        [
            {
                "session_id": recording.id,
                "page": chunk.page,
                # The message may quote the page: masked again (the recorder masks first).
                "message": mask_phones_in(error.message),
                "source": error.source.split("?", 1)[0],
                "timestamp": error.ts,
                "at": _at(error.ts, skew),
            }
            for error in chunk.errors
        ],
    )
    if chunk.scroll is not None:
        await repo.note_scroll(
            session,
            {
                "session_id": recording.id,
                "platform": chunk.platform,
                "page": chunk.page,
                "depth": min(chunk.scroll.depth, chunk.scroll.height) + head,
                "height": chunk.scroll.height + head,
                "viewport": chunk.scroll.viewport,
                "width": chunk.scroll.width,
                "at": last_ts,
            },
        )
    return ReplayAccepted(recorded=True)


# -- the console ------------------------------------------------------------------------------


def _day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    since = datetime.combine(first, time(), SHOP_TZ).astimezone(UTC) if first else None
    until = (
        datetime.combine(last + timedelta(days=1), time(), SHOP_TZ).astimezone(UTC)
        if last
        else None
    )
    return since, until


def _out(row: ReplaySession, pages: list[str]) -> ReplaySessionOut:
    return ReplaySessionOut(
        id=row.id,
        replay_id=row.replay_id,
        anonymous_id=row.anonymous_id,
        member_id=row.member_id,
        first_page=row.first_page,
        pages=pages or [row.first_page],
        started_at=row.started_at,
        last_at=row.last_at,
        duration_ms=int((row.last_at - row.started_at).total_seconds() * 1000),
        chunks=row.chunks,
        events=row.events,
        clicks=row.clicks,
        errors=row.errors,
        stored_bytes=row.stored_bytes,
        raw_bytes=row.raw_bytes,
    )


async def list_sessions(
    session: AsyncSession,
    *,
    member_id: int | None,
    page: str | None,
    date_from: date | None,
    date_to: date | None,
    cursor: str | None,
    limit: int,
    error: str | None = None,
    with_errors: bool = False,
) -> tuple[list[ReplaySessionOut], str | None]:
    """Recordings newest first, by member, page (any chunk recorded on it), shop days and the
    JavaScript errors they met (any, or one whose message holds ``error``)."""
    before = decode_id_cursor(cursor)
    since, until = _day_bounds(date_from, date_to)
    rows = await repo.list_sessions(
        session,
        member_id=member_id,
        page=page,
        since=since,
        until=until,
        before_id=before,
        limit=limit + 1,
        error=error,
        with_errors=with_errors,
    )
    shown = rows[:limit]
    pages = await repo.pages_of(session, [r.id for r in shown])
    next_cursor = encode_id_cursor(shown[-1].id) if len(rows) > limit else None
    return [_out(r, pages.get(r.id, [])) for r in shown], next_cursor


async def detail(session: AsyncSession, session_id: int) -> ReplayDetail:
    """A recording with its rrweb events, decompressed and in order, for ``@rrweb/replay``."""
    row = await repo.get_session(session, session_id)
    if row is None:
        raise ReplayNotFound(f"No recording {session_id}")
    events: list[dict[str, Any]] = []
    starts: list[PageStart] = []
    for page, blob in await repo.chunk_data(session, session_id):
        chunk: list[dict[str, Any]] = json.loads(zlib.decompress(blob))
        if chunk and (not starts or starts[-1].page != page):
            starts.append(PageStart(page=page, timestamp=min(int(e["timestamp"]) for e in chunk)))
        events.extend(chunk)
    events.sort(key=lambda e: int(e["timestamp"]))
    pages = await repo.pages_of(session, [row.id])
    errors = [
        ReplayErrorOut(page=e.page, message=e.message, source=e.source, timestamp=e.timestamp)
        for e in await repo.errors_of(session, session_id)
    ]
    return ReplayDetail(
        session=_out(row, pages.get(row.id, [])), events=events, page_starts=starts, errors=errors
    )


def _span(first: date | None, last: date | None) -> tuple[datetime, datetime]:
    since, until = _day_bounds(first, last)
    return since or datetime(2000, 1, 1, tzinfo=UTC), until or datetime(2100, 1, 1, tzinfo=UTC)


async def error_summary(
    session: AsyncSession, date_from: date | None, date_to: date | None
) -> list[ErrorSummary]:
    """页面错误: the 50 messages met by the most recordings in those shop days."""
    since, until = _span(date_from, date_to)
    rows = await repo.error_summary(session, since=since, until=until, limit=50)
    return [
        ErrorSummary(message=m, recordings=r, occurrences=n, last_at=last) for m, r, n, last in rows
    ]


async def scroll_map(
    session: AsyncSession,
    page: str,
    date_from: date | None,
    date_to: date | None,
    platform: str | None = None,
) -> ScrollMap:
    """滚动深度: for each 100 px band of the page (at 375 px wide), the share of visits whose
    viewport reached it. A visit reached every band above its deepest point."""
    since, until = _span(date_from, date_to)
    counted, fold = await repo.scroll_depths(
        session,
        page,
        since=since,
        until=until,
        band=SCROLL_BAND,
        reference_width=REFERENCE_WIDTH,
        platform=platform,
    )
    deepest: dict[int, int] = {}
    for y, n in counted:
        band = min(y // SCROLL_BAND, MAX_SCROLL_BANDS - 1)
        deepest[band] = deepest.get(band, 0) + n
    visits = sum(deepest.values())
    bands: list[ScrollBand] = []
    reached = visits
    for band in range(max(deepest, default=-1) + 1):
        bands.append(
            ScrollBand(
                y=band * SCROLL_BAND, reached=reached, share=reached / visits if visits else 0
            )
        )
        reached -= deepest.get(band, 0)
    return ScrollMap(
        page=page,
        visits=visits,
        reference_width=REFERENCE_WIDTH,
        band=SCROLL_BAND,
        fold=fold,
        bands=bands,
    )


async def heatmap(
    session: AsyncSession,
    page: str,
    date_from: date | None,
    date_to: date | None,
    platform: str | None = None,
) -> Heatmap:
    """Clicks on a page per cell: x in permille of the width (cells of 20 ‰), y in px scaled to
    a 375 px wide viewport (cells of 20 px)."""
    since, until = _span(date_from, date_to)
    cells = await repo.heatmap(
        session,
        page,
        since=since,
        until=until,
        cell_x=CELL_X,
        cell_y=CELL_Y,
        reference_width=REFERENCE_WIDTH,
        platform=platform,
    )
    return Heatmap(
        page=page,
        clicks=sum(n for _, _, n in cells),
        reference_width=REFERENCE_WIDTH,
        cell_x=CELL_X,
        cell_y=CELL_Y,
        cells=[HeatmapCell(x=x, y=y, count=n) for x, y, n in cells],
        max_count=max((n for _, _, n in cells), default=0),
    )


async def heatmap_pages(
    session: AsyncSession, date_from: date | None, date_to: date | None, platform: str | None = None
) -> list[HeatmapPage]:
    since, until = _span(date_from, date_to)
    rows = await repo.heatmap_pages(
        session,
        since=since,
        until=until,
        limit=100,
        platform=platform,
    )
    return [HeatmapPage(page=p, clicks=n) for p, n in rows]


async def expire(ctx: AppContext, *, now: datetime | None = None) -> int:
    """Delete recordings (chunks, clicks, errors, scroll depths) past the retention, 500 per
    transaction."""
    days = ctx.settings.analytics_replay_retention_days
    before = (now or utcnow()) - timedelta(days=days)
    total = 0
    while True:
        async with unit_of_work(ctx.sessionmaker) as session:
            removed = await repo.expire(session, before, EXPIRE_BATCH)
        total += removed
        if removed < EXPIRE_BATCH:
            return total


async def delete_member(session: AsyncSession, member_id: int) -> int:
    return await repo.delete_member(session, member_id)
