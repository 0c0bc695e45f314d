"""All live-session queries. Status moves and counters are conditional or relative updates
(``… WHERE status = …``, ``SET x = x + n``) that report whether they changed a row; inserts that
must happen once (a subscription, a viewer, a sale) are ``INSERT … ON CONFLICT DO NOTHING``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    LiveComment,
    LiveCoupon,
    LiveRecording,
    LiveRecordingSegment,
    LiveRestriction,
    LiveSale,
    LiveSession,
    LiveShelfItem,
    LiveSubscription,
    LiveViewer,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- sessions --------------------------------------------------------------------------------


async def insert_session(session: AsyncSession, values: Mapping[str, Any]) -> LiveSession:
    row = LiveSession(**values)
    session.add(row)
    await session.flush()
    return row


async def get_session(session: AsyncSession, session_id: int) -> LiveSession | None:
    stmt = select(LiveSession).where(LiveSession.id == session_id)
    return (await session.scalars(_fresh(stmt))).first()


async def lock_session_shared(session: AsyncSession, session_id: int) -> LiveSession | None:
    """The session read under a share lock until the caller's transaction ends: an order at
    its live prices commits before 下播 (an ``UPDATE`` of the row) can, or sees it ended."""
    stmt = select(LiveSession).where(LiveSession.id == session_id).with_for_update(read=True)
    return (await session.scalars(_fresh(stmt))).first()


async def lock_session(session: AsyncSession, session_id: int) -> LiveSession | None:
    """The session locked for update: a new shelf takes the row before the shelf's rows, the
    order in which an order at live prices takes them (share locks), so neither deadlocks."""
    stmt = select(LiveSession).where(LiveSession.id == session_id).with_for_update()
    return (await session.scalars(_fresh(stmt))).first()


async def update_session(
    session: AsyncSession, session_id: int, values: Mapping[str, Any], *, status: str | None = None
) -> bool:
    stmt = update(LiveSession).where(LiveSession.id == session_id)
    if status is not None:
        stmt = stmt.where(LiveSession.status == status)
    stmt = stmt.values(**values).returning(LiveSession.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_sessions(
    session: AsyncSession, *, statuses: Sequence[str], before_id: int | None, limit: int
) -> list[LiveSession]:
    stmt = select(LiveSession).where(LiveSession.status.in_(statuses))
    if before_id is not None:
        stmt = stmt.where(LiveSession.id < before_id)
    stmt = stmt.order_by(LiveSession.id.desc()).limit(limit)
    return list(await session.scalars(stmt))


async def add_counts(session: AsyncSession, session_id: int, **deltas: int) -> None:
    values = {name: getattr(LiveSession, name) + n for name, n in deltas.items()}
    stmt = (
        update(LiveSession)
        .where(LiveSession.id == session_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)


async def due_reminders(session: AsyncSession, before: datetime, limit: int) -> list[LiveSession]:
    stmt = (
        select(LiveSession)
        .where(
            LiveSession.status.in_(("scheduled", "live")),
            LiveSession.reminded_at.is_(None),
            LiveSession.scheduled_at <= before,
        )
        .order_by(LiveSession.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def mark_reminded(session: AsyncSession, session_id: int, now: datetime) -> bool:
    """Claim the session's reminders (one worker wins)."""
    stmt = (
        update(LiveSession)
        .where(LiveSession.id == session_id, LiveSession.reminded_at.is_(None))
        .values(reminded_at=now)
        .returning(LiveSession.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# -- shelf -----------------------------------------------------------------------------------


async def shelf(session: AsyncSession, session_id: int) -> list[LiveShelfItem]:
    stmt = (
        select(LiveShelfItem)
        .where(LiveShelfItem.session_id == session_id)
        .order_by(LiveShelfItem.position, LiveShelfItem.id)
    )
    return list(await session.scalars(stmt))


async def replace_shelf(
    session: AsyncSession, session_id: int, rows: Sequence[Mapping[str, Any]]
) -> None:
    await session.execute(delete(LiveShelfItem).where(LiveShelfItem.session_id == session_id))
    if rows:
        await session.execute(_insert(session, LiveShelfItem).values(list(rows)))


async def lock_live_prices(
    session: AsyncSession, session_id: int, product_ids: Sequence[int]
) -> dict[int, int]:
    """{product_id: live_price} of the shelf items with a live price, share-locked until the
    caller's transaction ends (replacing the shelf deletes them, so it waits for the order)."""
    if not product_ids:
        return {}
    stmt = (
        select(LiveShelfItem.product_id, LiveShelfItem.live_price)
        .where(
            LiveShelfItem.session_id == session_id,
            LiveShelfItem.product_id.in_(sorted(set(product_ids))),
            LiveShelfItem.live_price.is_not(None),
        )
        .order_by(LiveShelfItem.id)
        .with_for_update(read=True)
    )
    return {pid: price for pid, price in (await session.execute(stmt)).all() if price}


async def live_prices(
    session: AsyncSession, session_id: int, product_ids: Sequence[int]
) -> dict[int, int]:
    """{product_id: live_price} of the shelf items with a live price, read without a lock (the
    cart's display; an order takes them again with :func:`lock_live_prices`)."""
    if not product_ids:
        return {}
    stmt = select(LiveShelfItem.product_id, LiveShelfItem.live_price).where(
        LiveShelfItem.session_id == session_id,
        LiveShelfItem.product_id.in_(sorted(set(product_ids))),
        LiveShelfItem.live_price.is_not(None),
    )
    return {pid: price for pid, price in (await session.execute(stmt)).all() if price}


async def shelf_sessions_of(
    session: AsyncSession, product_ids: Sequence[int], session_ids: Sequence[int]
) -> set[int]:
    """Of ``session_ids``, those with one of ``product_ids`` on the shelf."""
    if not product_ids or not session_ids:
        return set()
    stmt = select(LiveShelfItem.session_id).where(
        LiveShelfItem.product_id.in_(product_ids), LiveShelfItem.session_id.in_(session_ids)
    )
    return set(await session.scalars(stmt))


# -- subscriptions, viewers ------------------------------------------------------------------


async def subscribe(session: AsyncSession, session_id: int, member_id: int, now: datetime) -> bool:
    stmt = (
        _insert(session, LiveSubscription)
        .values(session_id=session_id, member_id=member_id, created_at=now)
        .on_conflict_do_nothing()
        .returning(LiveSubscription.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def is_subscribed(session: AsyncSession, session_id: int, member_id: int) -> bool:
    stmt = select(LiveSubscription.id).where(
        LiveSubscription.session_id == session_id, LiveSubscription.member_id == member_id
    )
    return (await session.scalar(stmt)) is not None


async def subscribers(session: AsyncSession, session_id: int) -> list[int]:
    stmt = (
        select(LiveSubscription.member_id)
        .where(LiveSubscription.session_id == session_id)
        .order_by(LiveSubscription.member_id)
    )
    return list(await session.scalars(stmt))


async def add_viewer(session: AsyncSession, session_id: int, member_id: int, now: datetime) -> bool:
    stmt = (
        _insert(session, LiveViewer)
        .values(session_id=session_id, member_id=member_id, joined_at=now)
        .on_conflict_do_nothing()
        .returning(LiveViewer.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def watched_sessions(session: AsyncSession, member_id: int, since: datetime) -> list[int]:
    """Sessions the shopper joined that were live at or after ``since`` (newest first)."""
    stmt = (
        select(LiveSession.id)
        .join(LiveViewer, LiveViewer.session_id == LiveSession.id)
        .where(
            LiveViewer.member_id == member_id,
            LiveSession.started_at.is_not(None),
            (LiveSession.ended_at.is_(None)) | (LiveSession.ended_at >= since),
        )
        .order_by(LiveSession.id.desc())
    )
    return list(await session.scalars(stmt))


# -- restrictions ----------------------------------------------------------------------------


async def restrict(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, LiveRestriction)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(LiveRestriction.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def lift(session: AsyncSession, session_id: int, member_id: int, kind: str) -> bool:
    stmt = (
        delete(LiveRestriction)
        .where(
            LiveRestriction.session_id == session_id,
            LiveRestriction.member_id == member_id,
            LiveRestriction.kind == kind,
        )
        .returning(LiveRestriction.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def restrictions_of(session: AsyncSession, session_id: int, member_id: int) -> set[str]:
    stmt = select(LiveRestriction.kind).where(
        LiveRestriction.session_id == session_id, LiveRestriction.member_id == member_id
    )
    return set(await session.scalars(stmt))


async def restrictions(session: AsyncSession, session_id: int) -> list[LiveRestriction]:
    stmt = (
        select(LiveRestriction)
        .where(LiveRestriction.session_id == session_id)
        .order_by(LiveRestriction.id)
    )
    return list(await session.scalars(stmt))


# -- comments --------------------------------------------------------------------------------


async def insert_comment(session: AsyncSession, values: Mapping[str, Any]) -> LiveComment:
    row = LiveComment(**values)
    session.add(row)
    await session.flush()
    return row


async def latest_comments(session: AsyncSession, session_id: int, limit: int) -> list[LiveComment]:
    stmt = (
        select(LiveComment)
        .where(LiveComment.session_id == session_id)
        .order_by(LiveComment.id.desc())
        .limit(limit)
    )
    return list(reversed(list(await session.scalars(stmt))))


# -- coupons ---------------------------------------------------------------------------------


async def push_coupon(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, LiveCoupon)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(LiveCoupon.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def pushed_coupons(session: AsyncSession, session_id: int) -> list[int]:
    stmt = (
        select(LiveCoupon.template_id)
        .where(LiveCoupon.session_id == session_id)
        .order_by(LiveCoupon.id)
    )
    return list(await session.scalars(stmt))


# -- sales -----------------------------------------------------------------------------------


async def insert_sale(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, LiveSale)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["order_no"])
        .returning(LiveSale.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def comment_count(session: AsyncSession, session_id: int) -> int:
    stmt = select(func.count()).where(LiveComment.session_id == session_id)
    return int(await session.scalar(stmt) or 0)


def session_order_facts() -> Any:
    """A subquery, one row per order a session brought (``live_sale``, unique by order):
    ``order_no``, ``session_id``, ``session_title``."""
    return (
        select(LiveSale.order_no, LiveSale.session_id, LiveSession.title.label("session_title"))
        .join(LiveSession, LiveSession.id == LiveSale.session_id)
        .subquery("session_order_facts")
    )


# -- recordings (回放) --------------------------------------------------------------------------


async def sessions_to_record(session: AsyncSession, provider: str, limit: int) -> list[LiveSession]:
    """Sessions of ``provider`` the recorder has to look at: live ones, and ended ones whose
    recording is still ``recording`` (their last poll and finalising)."""
    open_recording = select(LiveRecording.session_id).where(LiveRecording.status == "recording")
    stmt = (
        select(LiveSession)
        .where(
            LiveSession.provider == provider,
            (LiveSession.status == "live")
            | ((LiveSession.status == "ended") & LiveSession.id.in_(open_recording)),
        )
        .order_by(LiveSession.id)
        .limit(limit)
    )
    return list((await session.scalars(_fresh(stmt))).all())


async def wechat_sessions_waiting(
    session: AsyncSession, *, since: datetime, limit: int
) -> list[LiveSession]:
    """Ended 小程序直播 sessions (ended after ``since``, or still recording) whose replay
    WeChat has not given yet, nor refused for good."""
    finished = select(LiveRecording.session_id).where(LiveRecording.status != "recording")
    open_recording = select(LiveRecording.session_id).where(LiveRecording.status == "recording")
    stmt = (
        select(LiveSession)
        .where(
            LiveSession.provider == "wechat",
            LiveSession.status == "ended",
            LiveSession.id.not_in(finished),
            (LiveSession.ended_at >= since) | LiveSession.id.in_(open_recording),
        )
        .order_by(LiveSession.id)
        .limit(limit)
    )
    return list((await session.scalars(_fresh(stmt))).all())


async def ensure_recording(
    session: AsyncSession, session_id: int, source: str, now: datetime
) -> None:
    """The session's recording row, created once (``ON CONFLICT DO NOTHING``)."""
    stmt = (
        _insert(session, LiveRecording)
        .values(
            session_id=session_id,
            source=source,
            status="recording",
            is_published=False,
            segment_total=0,
            gap_total=0,
            duration_ms=0,
            size_bytes=0,
            checks=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["session_id"])
    )
    await session.execute(stmt)


async def get_recording(session: AsyncSession, session_id: int) -> LiveRecording | None:
    stmt = select(LiveRecording).where(LiveRecording.session_id == session_id)
    return (await session.scalars(_fresh(stmt))).first()


async def recordings_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, LiveRecording]:
    if not ids:
        return {}
    stmt = select(LiveRecording).where(LiveRecording.session_id.in_(ids))
    return {r.session_id: r for r in (await session.scalars(stmt)).all()}


async def claim_segment(
    session: AsyncSession,
    *,
    session_id: int,
    media_sequence: int,
    duration_ms: int,
    is_discontinuity: bool,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Claim a segment for fetching: a new row (``INSERT … ON CONFLICT DO NOTHING``), or a
    claim left by a recorder that stopped before storing it (older than ``stale_before``).
    Exactly one recorder wins either way."""
    stmt = (
        _insert(session, LiveRecordingSegment)
        .values(
            session_id=session_id,
            media_sequence=media_sequence,
            status="claimed",
            duration_ms=duration_ms,
            size_bytes=0,
            is_discontinuity=is_discontinuity,
            attempts=0,
            claimed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "media_sequence"])
        .returning(LiveRecordingSegment.id)
    )
    if (await session.execute(stmt)).scalar_one_or_none() is not None:
        return True
    retake = (
        update(LiveRecordingSegment)
        .where(
            LiveRecordingSegment.session_id == session_id,
            LiveRecordingSegment.media_sequence == media_sequence,
            LiveRecordingSegment.status == "claimed",
            LiveRecordingSegment.claimed_at < stale_before,
        )
        .values(claimed_at=now)
        .returning(LiveRecordingSegment.id)
    )
    return (await session.execute(retake)).scalar_one_or_none() is not None


async def settle_segment(
    session: AsyncSession,
    *,
    session_id: int,
    media_sequence: int,
    key: str | None,
    size_bytes: int,
    attempts: int,
) -> bool:
    """The claimed segment stored (``key``) or a gap (``key`` None), and the recording's
    totals moved by it; False when it was not (or no longer) claimed."""
    stmt = (
        update(LiveRecordingSegment)
        .where(
            LiveRecordingSegment.session_id == session_id,
            LiveRecordingSegment.media_sequence == media_sequence,
            LiveRecordingSegment.status == "claimed",
        )
        .values(
            status="stored" if key else "gap",
            key=key,
            size_bytes=size_bytes,
            attempts=attempts,
        )
        .returning(LiveRecordingSegment.duration_ms)
    )
    duration = (await session.execute(stmt)).scalar_one_or_none()
    if duration is None:
        return False
    totals = update(LiveRecording).where(LiveRecording.session_id == session_id)
    if key:
        totals = totals.values(
            segment_total=LiveRecording.segment_total + 1,
            duration_ms=LiveRecording.duration_ms + duration,
            size_bytes=LiveRecording.size_bytes + size_bytes,
        )
    else:
        totals = totals.values(gap_total=LiveRecording.gap_total + 1)
    await session.execute(totals)
    return True


async def recorded_segments(session: AsyncSession, session_id: int) -> list[LiveRecordingSegment]:
    stmt = (
        select(LiveRecordingSegment)
        .where(LiveRecordingSegment.session_id == session_id)
        .order_by(LiveRecordingSegment.media_sequence)
    )
    return list((await session.scalars(stmt)).all())


async def finish_recording(
    session: AsyncSession, session_id: int, values: Mapping[str, Any]
) -> bool:
    """``recording`` → ``ready`` or ``none``: one conditional UPDATE, so of recorders (or jobs)
    finalising at once exactly one does."""
    stmt = (
        update(LiveRecording)
        .where(LiveRecording.session_id == session_id, LiveRecording.status == "recording")
        .values(**values)
        .returning(LiveRecording.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def update_recording(
    session: AsyncSession, session_id: int, values: Mapping[str, Any], *, status: str | None = None
) -> bool:
    stmt = update(LiveRecording).where(LiveRecording.session_id == session_id)
    if status is not None:
        stmt = stmt.where(LiveRecording.status == status)
    stmt = stmt.values(**values).returning(LiveRecording.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None
