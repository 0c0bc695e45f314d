"""SQL of session replay and heatmaps (tables in ``models.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import greatest, least
from shoplet.modules.analytics.replay.models import (
    ReplayChunk,
    ReplayClick,
    ReplayError,
    ReplayScroll,
    ReplaySession,
)


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def open_session(session: AsyncSession, values: dict[str, Any]) -> ReplaySession:
    """The recording named ``values['replay_id']``, created by its first chunk (``INSERT … ON
    CONFLICT DO NOTHING``, so two first chunks at once make one row)."""
    await session.execute(
        _insert(session, ReplaySession)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["replay_id"])
    )
    return (
        await session.scalars(
            select(ReplaySession).where(ReplaySession.replay_id == values["replay_id"])
        )
    ).one()


async def add_chunk(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Store a chunk unless its (session, seq) is stored already (a retry): its id or None."""
    chunk_id: int | None = await session.scalar(
        _insert(session, ReplayChunk)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["session_id", "seq"])
        .returning(ReplayChunk.id)
    )
    return chunk_id


async def count_chunk(
    session: AsyncSession,
    session_id: int,
    *,
    member_id: int | None,
    first_ts: datetime,
    last_ts: datetime,
    events: int,
    clicks: int,
    errors: int,
    raw_bytes: int,
    stored_bytes: int,
    max_stored_bytes: int,
) -> bool:
    """Add a chunk to its session's figures in one conditional UPDATE: False (nothing changed)
    when the session would pass ``max_stored_bytes``."""
    s = ReplaySession
    result: Any = await session.execute(
        update(s)
        .where(s.id == session_id, s.stored_bytes + stored_bytes <= max_stored_bytes)
        .values(
            chunks=s.chunks + 1,
            events=s.events + events,
            clicks=s.clicks + clicks,
            errors=s.errors + errors,
            raw_bytes=s.raw_bytes + raw_bytes,
            stored_bytes=s.stored_bytes + stored_bytes,
            member_id=func.coalesce(s.member_id, member_id),
            started_at=least(session, s.started_at, first_ts),
            last_at=greatest(session, s.last_at, last_ts),
        )
    )
    return int(result.rowcount) == 1


async def add_clicks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_insert(session, ReplayClick), list(rows))


async def add_errors(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_insert(session, ReplayError), list(rows))


async def note_scroll(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record how far a recording scrolled on a page: one row per (session, page), whose depth
    and height only grow (``INSERT … ON CONFLICT DO UPDATE`` with the larger of the two)."""
    stmt = _insert(session, ReplayScroll).values(**values)
    t = ReplayScroll.__table__.c
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["session_id", "page"],
            set_={
                "depth": greatest(session, t.depth, stmt.excluded.depth),
                "height": greatest(session, t.height, stmt.excluded.height),
                "viewport": stmt.excluded.viewport,
                "width": stmt.excluded.width,
                "at": greatest(session, t.at, stmt.excluded.at),
            },
        )
    )


def _filters(
    member_id: int | None,
    page: str | None,
    since: datetime | None,
    until: datetime | None,
    *,
    error: str | None = None,
    with_errors: bool = False,
) -> list[ColumnElement[bool]]:
    s = ReplaySession
    out: list[ColumnElement[bool]] = []
    if member_id is not None:
        out.append(s.member_id == member_id)
    if page is not None:
        out.append(exists().where(ReplayChunk.session_id == s.id, ReplayChunk.page == page))
    if with_errors:
        out.append(s.errors > 0)
    if error is not None:
        # A substring of the message, any case; % and _ in it are literal.
        out.append(
            exists().where(
                ReplayError.session_id == s.id,
                func.lower(ReplayError.message).contains(error.lower(), autoescape=True),
            )
        )
    if since is not None:
        out.append(s.last_at >= since)
    if until is not None:
        out.append(s.started_at < until)
    return out


async def list_sessions(
    session: AsyncSession,
    *,
    member_id: int | None,
    page: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
    error: str | None = None,
    with_errors: bool = False,
) -> list[ReplaySession]:
    """Recordings, newest first (keyset by id)."""
    conditions = _filters(member_id, page, since, until, error=error, with_errors=with_errors)
    conditions.append(ReplaySession.platform == "h5")  # the mini program's visits do not replay
    if before_id is not None:
        conditions.append(ReplaySession.id < before_id)
    stmt = (
        select(ReplaySession)
        .where(and_(True, *conditions))
        .order_by(ReplaySession.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def pages_of(session: AsyncSession, session_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each recording's pages in the order first recorded."""
    if not session_ids:
        return {}
    rows = await session.execute(
        select(ReplayChunk.session_id, ReplayChunk.page, func.min(ReplayChunk.seq).label("first"))
        .where(ReplayChunk.session_id.in_(session_ids))
        .group_by(ReplayChunk.session_id, ReplayChunk.page)
        .order_by(ReplayChunk.session_id, "first")
    )
    out: dict[int, list[str]] = {}
    for sid, page, _ in rows:
        out.setdefault(int(sid), []).append(str(page))
    return out


async def get_session(session: AsyncSession, session_id: int) -> ReplaySession | None:
    return await session.get(ReplaySession, session_id)


async def chunk_data(session: AsyncSession, session_id: int) -> list[tuple[str, bytes]]:
    """A recording's chunks in order: (page, compressed events)."""
    rows = await session.execute(
        select(ReplayChunk.page, ReplayChunk.data)
        .where(ReplayChunk.session_id == session_id)
        .order_by(ReplayChunk.seq)
    )
    return [(str(page), bytes(data)) for page, data in rows]


async def errors_of(session: AsyncSession, session_id: int) -> list[ReplayError]:
    """A recording's JavaScript errors in time order."""
    return list(
        await session.scalars(
            select(ReplayError)
            .where(ReplayError.session_id == session_id)
            .order_by(ReplayError.timestamp, ReplayError.id)
        )
    )


async def error_summary(
    session: AsyncSession, *, since: datetime, until: datetime, limit: int
) -> list[tuple[str, int, int, datetime]]:
    """The most frequent error messages: (message, recordings, occurrences, last seen)."""
    e = ReplayError
    stmt = (
        select(
            e.message,
            func.count(e.session_id.distinct()).label("recordings"),
            func.count().label("occurrences"),
            func.max(e.at).label("last_at"),
        )
        .where(e.at >= since, e.at < until)
        .group_by(e.message)
        .order_by(func.count(e.session_id.distinct()).desc(), func.count().desc(), e.message)
        .limit(limit)
    )
    return [(str(m), int(r), int(n), last) for m, r, n, last in await session.execute(stmt)]


async def scroll_depths(
    session: AsyncSession,
    page: str,
    *,
    since: datetime,
    until: datetime,
    band: int,
    reference_width: int,
    platform: str | None,
) -> tuple[list[tuple[int, int]], int]:
    """Visits to ``page`` counted by the band their deepest point fell in (depth scaled to
    ``reference_width``), and the first screen's average bottom at that width."""
    r = ReplayScroll
    where = [r.page == page, r.at >= since, r.at < until]
    if platform is not None:
        where.append(r.platform == platform)
    gy = ((r.depth * reference_width // r.width) // band) * band
    rows = await session.execute(
        select(gy.label("gy"), func.count().label("n")).where(*where).group_by("gy").order_by("gy")
    )
    fold = await session.scalar(
        select(func.avg(r.viewport * reference_width / r.width)).where(*where)
    )
    return [(int(y), int(n)) for y, n in rows], int(fold or 0)


async def heatmap(
    session: AsyncSession,
    page: str,
    *,
    since: datetime,
    until: datetime,
    cell_x: int,
    cell_y: int,
    reference_width: int,
    platform: str | None,
) -> list[tuple[int, int, int]]:
    """Clicks on ``page`` counted per cell: x in permille, y scaled to ``reference_width``
    (the storefront's rpx layout grows with the width). Integer division truncates the same
    way on PostgreSQL and SQLite."""
    c = ReplayClick
    gx = (c.x // cell_x) * cell_x
    gy = ((c.y * reference_width // c.width) // cell_y) * cell_y
    where = [c.page == page, c.at >= since, c.at < until]
    if platform is not None:
        where.append(c.platform == platform)
    stmt = (
        select(gx.label("gx"), gy.label("gy"), func.count().label("n"))
        .where(*where)
        .group_by("gx", "gy")
        .order_by("gy", "gx")
    )
    return [(int(x), int(y), int(n)) for x, y, n in await session.execute(stmt)]


async def heatmap_pages(
    session: AsyncSession, *, since: datetime, until: datetime, limit: int, platform: str | None
) -> list[tuple[str, int]]:
    c = ReplayClick
    where = [c.at >= since, c.at < until]
    if platform is not None:
        where.append(c.platform == platform)
    stmt = (
        select(c.page, func.count().label("n"))
        .where(*where)
        .group_by(c.page)
        .order_by(func.count().desc(), c.page)
        .limit(limit)
    )
    return [(str(p), int(n)) for p, n in await session.execute(stmt)]


async def _delete_sessions(session: AsyncSession, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    await session.execute(delete(ReplayChunk).where(ReplayChunk.session_id.in_(ids)))
    await session.execute(delete(ReplayClick).where(ReplayClick.session_id.in_(ids)))
    await session.execute(delete(ReplayError).where(ReplayError.session_id.in_(ids)))
    await session.execute(delete(ReplayScroll).where(ReplayScroll.session_id.in_(ids)))
    await session.execute(delete(ReplaySession).where(ReplaySession.id.in_(ids)))
    return len(ids)


async def expire(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` recordings whose last event is before ``before``."""
    ids = list(
        await session.scalars(
            select(ReplaySession.id)
            .where(ReplaySession.last_at < before)
            .order_by(ReplaySession.id)
            .limit(limit)
        )
    )
    return await _delete_sessions(session, [int(i) for i in ids])


async def delete_member(session: AsyncSession, member_id: int) -> int:
    """A member's recordings, and those of the devices they recorded on signed in."""
    devices = select(ReplaySession.anonymous_id).where(ReplaySession.member_id == member_id)
    ids = list(
        await session.scalars(
            select(ReplaySession.id).where(
                or_(ReplaySession.member_id == member_id, ReplaySession.anonymous_id.in_(devices))
            )
        )
    )
    return await _delete_sessions(session, [int(i) for i in ids])
