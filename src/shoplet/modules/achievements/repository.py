"""Every query of achievements. An unlock is one ``INSERT … ON CONFLICT DO NOTHING`` on the
unique (member, definition): whoever inserts the row owns the unlock (points, event), every
concurrent evaluation of the same member finds nothing to do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.achievements.models import BackfillJob, Definition, Mascot, Unlock


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- definitions -----------------------------------------------------------------------------


async def count_definitions(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Definition)) or 0)


async def insert_builtins(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """The built-in definitions, each only when its code is not taken (concurrent first reads
    insert them once)."""
    if rows:
        await session.execute(
            _insert(session, Definition)
            .values([dict(r) for r in rows])
            .on_conflict_do_nothing(index_elements=["code"])
        )


async def list_definitions(
    session: AsyncSession, *, enabled_only: bool = False
) -> list[Definition]:
    stmt = select(Definition)
    if enabled_only:
        stmt = stmt.where(Definition.is_enabled.is_(True))
    stmt = stmt.order_by(Definition.sort.desc(), Definition.id)
    return list((await session.scalars(_fresh(stmt))).all())


async def enabled_of_kind(session: AsyncSession, rule_kind: str) -> list[Definition]:
    stmt = (
        select(Definition)
        .where(Definition.rule_kind == rule_kind, Definition.is_enabled.is_(True))
        .order_by(Definition.threshold, Definition.id)
    )
    return list((await session.scalars(_fresh(stmt))).all())


async def get_definition(session: AsyncSession, definition_id: int) -> Definition | None:
    stmt = select(Definition).where(Definition.id == definition_id)
    return (await session.scalars(_fresh(stmt))).first()


async def get_definition_by_code(session: AsyncSession, code: str) -> Definition | None:
    stmt = select(Definition).where(Definition.code == code)
    return (await session.scalars(_fresh(stmt))).first()


async def insert_definition(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new definition's id, None when its code is taken."""
    result = await session.execute(
        _insert(session, Definition)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Definition.id)
    )
    new_id = result.scalar_one_or_none()
    return None if new_id is None else int(new_id)


async def update_definition(
    session: AsyncSession, definition_id: int, values: Mapping[str, Any]
) -> None:
    await session.execute(update(Definition).where(Definition.id == definition_id).values(**values))


async def unlock_counts(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(Unlock.definition_id, func.count()).group_by(Unlock.definition_id)
    )
    return {int(d): int(n) for d, n in rows.all()}


# -- unlocks ---------------------------------------------------------------------------------


async def insert_unlock(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The unlock's id when this call made it, None when the member already had it."""
    result = await session.execute(
        _insert(session, Unlock)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id", "definition_id"])
        .returning(Unlock.id)
    )
    new_id = result.scalar_one_or_none()
    return None if new_id is None else int(new_id)


async def set_unlock_points(session: AsyncSession, unlock_id: int, points: int) -> None:
    await session.execute(update(Unlock).where(Unlock.id == unlock_id).values(points=points))


async def member_unlocks(session: AsyncSession, member_id: int) -> list[Unlock]:
    stmt = select(Unlock).where(Unlock.member_id == member_id).order_by(Unlock.unlocked_at)
    return list((await session.scalars(_fresh(stmt))).all())


async def unlocked_ids(
    session: AsyncSession, member_ids: Sequence[int], definition_id: int
) -> set[int]:
    if not member_ids:
        return set()
    rows = await session.scalars(
        select(Unlock.member_id).where(
            Unlock.definition_id == definition_id, Unlock.member_id.in_(list(member_ids))
        )
    )
    return {int(m) for m in rows.all()}


async def mark_seen(
    session: AsyncSession, member_id: int, definition_id: int, now: datetime
) -> bool:
    """Whether the member has this unlock (seen now, or before)."""
    result = await session.execute(
        update(Unlock)
        .where(Unlock.member_id == member_id, Unlock.definition_id == definition_id)
        .values(seen_at=func.coalesce(Unlock.seen_at, now))
        .returning(Unlock.id)
    )
    return result.scalar_one_or_none() is not None


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' merge hook: the absorbed account's unlocks the survivor does not have become the
    survivor's (with their dates and points); an achievement both unlocked stays the survivor's
    own. Returns the unlocks moved."""
    survivor_has = select(Unlock.definition_id).where(Unlock.member_id == into_id)
    result = await session.execute(
        update(Unlock)
        .where(Unlock.member_id == from_id, Unlock.definition_id.not_in(survivor_has))
        .values(member_id=into_id)
        .returning(Unlock.id)
    )
    return len(result.all())


async def get_unlock(session: AsyncSession, member_id: int, definition_id: int) -> Unlock | None:
    stmt = select(Unlock).where(
        Unlock.member_id == member_id, Unlock.definition_id == definition_id
    )
    return (await session.scalars(_fresh(stmt))).first()


# -- backfill jobs ---------------------------------------------------------------------------


async def insert_job(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, BackfillJob).values(**values).returning(BackfillJob.id)
    )
    return int(result.scalar_one())


async def get_job(session: AsyncSession, job_id: int) -> BackfillJob | None:
    stmt = select(BackfillJob).where(BackfillJob.id == job_id)
    return (await session.scalars(_fresh(stmt))).first()


async def open_job_of(session: AsyncSession, definition_id: int) -> BackfillJob | None:
    stmt = select(BackfillJob).where(
        BackfillJob.definition_id == definition_id,
        BackfillJob.status.in_(("queued", "running")),
    )
    return (await session.scalars(_fresh(stmt))).first()


async def next_open_job(session: AsyncSession) -> BackfillJob | None:
    stmt = (
        select(BackfillJob)
        .where(BackfillJob.status.in_(("queued", "running")))
        .order_by(BackfillJob.id)
        .limit(1)
    )
    return (await session.scalars(_fresh(stmt))).first()


async def lock_job(session: AsyncSession, job_id: int) -> BackfillJob | None:
    """The job's row, locked until commit (one batch at a time per job)."""
    stmt = select(BackfillJob).where(BackfillJob.id == job_id).with_for_update()
    return (await session.scalars(_fresh(stmt))).first()


async def update_job(session: AsyncSession, job_id: int, values: Mapping[str, Any]) -> None:
    await session.execute(update(BackfillJob).where(BackfillJob.id == job_id).values(**values))


# -- mascot ----------------------------------------------------------------------------------


async def get_mascot(session: AsyncSession) -> Mascot | None:
    return (await session.scalars(_fresh(select(Mascot).where(Mascot.id == 1)))).first()


async def upsert_mascot(session: AsyncSession, values: Mapping[str, Any]) -> None:
    stmt = _insert(session, Mascot).values(id=1, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=dict(values)))
