"""Every query of metric alerts. The claims that make evaluation and sending safe with several
workers are single statements: a check row ``INSERT … ON CONFLICT DO NOTHING`` per (monitor,
bucket), an incident insert guarded by the partial unique index on unresolved incidents,
notification rows ``INSERT … ON CONFLICT DO NOTHING`` per (incident, channel), and the claim
of a notification, a conditional ``UPDATE … RETURNING`` that only one worker can win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import greatest

from .models import (
    UNRESOLVED_WHERE,
    Attempt,
    Channel,
    Check,
    InboxRead,
    Incident,
    Monitor,
    Notification,
    TimelineEntry,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- channels ----------------------------------------------------------------------------------


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def get_channel(session: AsyncSession, channel_id: int) -> Channel | None:
    return await session.get(Channel, channel_id, populate_existing=True)


async def list_channels(session: AsyncSession) -> Sequence[Channel]:
    return (await session.scalars(select(Channel).order_by(Channel.id))).all()


async def active_channel_ids(session: AsyncSession, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    stmt = select(Channel.id).where(Channel.id.in_(ids), Channel.is_active.is_(True))
    return {int(i) for i in (await session.scalars(stmt)).all()}


async def channels_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Channel]:
    if not ids:
        return {}
    rows = (await session.scalars(select(Channel).where(Channel.id.in_(ids)))).all()
    return {c.id: c for c in rows}


# -- monitors ----------------------------------------------------------------------------------


async def get_monitor(session: AsyncSession, monitor_id: int) -> Monitor | None:
    return await session.get(Monitor, monitor_id, populate_existing=True)


async def lock_monitor(session: AsyncSession, monitor_id: int) -> Monitor | None:
    """The monitor, its row locked until the transaction ends: one evaluation at a time."""
    stmt = (
        select(Monitor)
        .where(Monitor.id == monitor_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def list_monitors(session: AsyncSession) -> Sequence[Monitor]:
    return (await session.scalars(select(Monitor).order_by(Monitor.id))).all()


async def active_monitors(session: AsyncSession) -> list[tuple[int, str, datetime | None]]:
    """(id, grain, last bucket evaluated) of every active monitor."""
    stmt = (
        select(Monitor.id, Monitor.grain, Monitor.last_bucket_at)
        .where(Monitor.is_active.is_(True))
        .order_by(Monitor.id)
    )
    return [(int(i), str(g), b) for i, g, b in (await session.execute(stmt)).all()]


# -- checks ------------------------------------------------------------------------------------


async def claim_check(
    session: AsyncSession, monitor_id: int, bucket_at: datetime, now: datetime
) -> int | None:
    """The new check's id, or None when the bucket was evaluated already."""
    stmt = (
        _insert(session, Check)
        .values(monitor_id=monitor_id, bucket_at=bucket_at, checked_at=now, reason="")
        .on_conflict_do_nothing(index_elements=[Check.monitor_id, Check.bucket_at])
        .returning(Check.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return None if found is None else int(found)


async def update_check(session: AsyncSession, check_id: int, **values: Any) -> None:
    await session.execute(update(Check).where(Check.id == check_id).values(**values))


async def stored_values(
    session: AsyncSession, monitor_id: int, since: datetime, until: datetime
) -> dict[datetime, float]:
    stmt = select(Check.bucket_at, Check.value).where(
        Check.monitor_id == monitor_id,
        Check.bucket_at >= since,
        Check.bucket_at < until,
        Check.value.is_not(None),
    )
    return {b: float(v) for b, v in (await session.execute(stmt)).all() if v is not None}


async def recent_checks(session: AsyncSession, monitor_id: int, limit: int) -> Sequence[Check]:
    stmt = (
        select(Check)
        .where(Check.monitor_id == monitor_id)
        .order_by(Check.bucket_at.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


# -- incidents ---------------------------------------------------------------------------------


async def unresolved_incident(session: AsyncSession, monitor_id: int) -> Incident | None:
    stmt = (
        select(Incident)
        .where(Incident.monitor_id == monitor_id, Incident.status != "resolved")
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def unresolved_by_monitor(session: AsyncSession) -> dict[int, int]:
    stmt = select(Incident.monitor_id, Incident.id).where(Incident.status != "resolved")
    return {int(m): int(i) for m, i in (await session.execute(stmt)).all()}


async def insert_incident(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The new incident's id, or None when the monitor has an unresolved one."""
    stmt = (
        _insert(session, Incident)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Incident.monitor_id], index_where=UNRESOLVED_WHERE)
        .returning(Incident.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return None if found is None else int(found)


async def get_incident(session: AsyncSession, incident_id: int) -> Incident | None:
    return await session.get(Incident, incident_id, populate_existing=True)


async def lock_incident(session: AsyncSession, incident_id: int) -> Incident | None:
    stmt = (
        select(Incident)
        .where(Incident.id == incident_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def list_incidents(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[tuple[Incident, Monitor]]:
    stmt = (
        select(Incident, Monitor)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .order_by(Incident.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(Incident.status == status)
    if before_id is not None:
        stmt = stmt.where(Incident.id < before_id)
    return [(i, m) for i, m in (await session.execute(stmt)).all()]


async def unresolved_incidents(
    session: AsyncSession, limit: int
) -> tuple[int, list[tuple[int, str, str, str, datetime]]]:
    """How many incidents are open or acknowledged, and the ``limit`` newest: (id, monitor
    name, metric, status, opened_at)."""
    unresolved = Incident.status != "resolved"
    found = await session.scalar(select(func.count()).select_from(Incident).where(unresolved))
    count = int(found or 0)
    if not count:
        return 0, []
    stmt = (
        select(Incident.id, Monitor.name, Monitor.metric, Incident.status, Incident.opened_at)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .where(unresolved)
        .order_by(Incident.id.desc())
        .limit(limit)
    )
    return count, [(int(i), n, m, s, at) for i, n, m, s, at in await session.execute(stmt)]


async def add_timeline(session: AsyncSession, entry: TimelineEntry) -> None:
    session.add(entry)
    await session.flush()


async def timeline(session: AsyncSession, incident_id: int) -> Sequence[TimelineEntry]:
    stmt = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.id)
    )
    return (await session.scalars(stmt)).all()


# -- notifications -----------------------------------------------------------------------------


async def insert_notifications(
    session: AsyncSession, incident_id: int, channel_ids: Sequence[int], now: datetime
) -> None:
    if not channel_ids:
        return
    stmt = (
        _insert(session, Notification)
        .values(
            [
                {
                    "incident_id": incident_id,
                    "channel_id": c,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for c in channel_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=[Notification.incident_id, Notification.channel_id])
    )
    await session.execute(stmt)


def _due(now: datetime) -> Any:
    return or_(
        and_(Notification.status.in_(("pending", "retry")), Notification.next_attempt_at <= now),
        and_(Notification.status == "sending", Notification.claimed_until < now),
    )


async def due_notification_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    stmt = select(Notification.id).where(_due(now)).order_by(Notification.id).limit(limit)
    return [int(i) for i in (await session.scalars(stmt)).all()]


async def claim_notification(
    session: AsyncSession, notification_id: int, now: datetime, lease_until: datetime
) -> int | None:
    """Take a due notification for sending (one worker wins); its attempt number, or None."""
    stmt = (
        update(Notification)
        .where(Notification.id == notification_id, _due(now))
        .values(status="sending", attempts=Notification.attempts + 1, claimed_until=lease_until)
        .returning(Notification.attempts)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return None if found is None else int(found)


async def get_notification(session: AsyncSession, notification_id: int) -> Notification | None:
    return await session.get(Notification, notification_id, populate_existing=True)


async def notifications_of(
    session: AsyncSession, incident_id: int
) -> Sequence[tuple[Notification, Channel]]:
    stmt = (
        select(Notification, Channel)
        .join(Channel, Channel.id == Notification.channel_id)
        .where(Notification.incident_id == incident_id)
        .order_by(Notification.id)
    )
    return [(n, c) for n, c in (await session.execute(stmt)).all()]


async def attempts_of(
    session: AsyncSession, notification_ids: Sequence[int]
) -> dict[int, list[Attempt]]:
    out: dict[int, list[Attempt]] = {i: [] for i in notification_ids}
    if not notification_ids:
        return out
    stmt = select(Attempt).where(Attempt.notification_id.in_(notification_ids)).order_by(Attempt.id)
    for attempt in (await session.scalars(stmt)).all():
        out[attempt.notification_id].append(attempt)
    return out


# -- inbox -------------------------------------------------------------------------------------


async def last_read(session: AsyncSession, staff_id: int) -> int:
    stmt = select(InboxRead.last_incident_id).where(InboxRead.staff_id == staff_id)
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found or 0)


async def unread(session: AsyncSession, after_id: int) -> tuple[int, int | None]:
    stmt = select(func.count(), func.max(Incident.id)).where(Incident.id > after_id)
    count, latest = (await session.execute(stmt)).one()
    return int(count or 0), None if latest is None else int(latest)


async def latest_incident_id(session: AsyncSession) -> int:
    return int((await session.scalar(select(func.max(Incident.id)))) or 0)


async def mark_read(session: AsyncSession, staff_id: int, up_to_id: int, now: datetime) -> None:
    """Move the staff member's read mark forward (never back)."""
    stmt = _insert(session, InboxRead).values(
        staff_id=staff_id, last_incident_id=up_to_id, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[InboxRead.staff_id],
        set_={
            "last_incident_id": greatest(session, InboxRead.last_incident_id, up_to_id),
            "updated_at": now,
        },
    )
    await session.execute(stmt)
