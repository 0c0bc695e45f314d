"""Every query of feature flags. A new flag is one ``INSERT … ON CONFLICT DO NOTHING`` on its
key (a duplicate inserts nothing); a change locks the flag row first (``lock_flag``) and bumps
the one ruleset version row with a conditional ``UPDATE … SET version = version + 1``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow

from .models import Flag, FlagChange, FlagRelease, FlagRuleset

RULESET_ID = 1


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_flag(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new flag's id, or None when the key is taken."""
    stmt = (
        _insert(session, Flag)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Flag.key])
        .returning(Flag.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return None if found is None else int(found)


async def get_flag(session: AsyncSession, flag_id: int) -> Flag | None:
    stmt = select(Flag).where(Flag.id == flag_id).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_flag_by_key(session: AsyncSession, key: str) -> Flag | None:
    return (await session.scalars(select(Flag).where(Flag.key == key))).first()


async def lock_flag(session: AsyncSession, key: str) -> Flag | None:
    """The flag, its row locked until the transaction ends (changes are serialised per flag,
    so the history's before/after are exact)."""
    stmt = (
        select(Flag)
        .where(Flag.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def list_flags(session: AsyncSession, *, after_id: int | None, limit: int) -> Sequence[Flag]:
    stmt = select(Flag).order_by(Flag.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(Flag.id > after_id)
    return (await session.scalars(stmt)).all()


async def all_flags(session: AsyncSession) -> Sequence[Flag]:
    return (await session.scalars(select(Flag).order_by(Flag.id))).all()


async def ruleset_version(session: AsyncSession) -> int:
    stmt = select(FlagRuleset.version).where(FlagRuleset.id == RULESET_ID)
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found or 0)


async def bump_ruleset_version(session: AsyncSession) -> int:
    """The ruleset's next version (the row is created on first use)."""
    await session.execute(
        _insert(session, FlagRuleset)
        .values(id=RULESET_ID, version=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=[FlagRuleset.id])
    )
    stmt = (
        update(FlagRuleset)
        .where(FlagRuleset.id == RULESET_ID)
        .values(version=FlagRuleset.version + 1, updated_at=utcnow())
        .returning(FlagRuleset.version)
    )
    return int((await session.execute(stmt)).scalar_one())


async def add_change(session: AsyncSession, change: FlagChange) -> FlagChange:
    session.add(change)
    await session.flush()
    return change


async def list_changes(
    session: AsyncSession, flag_id: int, *, before_id: int | None, limit: int
) -> Sequence[FlagChange]:
    stmt = (
        select(FlagChange)
        .where(FlagChange.flag_id == flag_id)
        .order_by(FlagChange.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(FlagChange.id < before_id)
    return (await session.scalars(stmt)).all()


async def add_release(session: AsyncSession, release: FlagRelease) -> FlagRelease:
    session.add(release)
    await session.flush()
    return release


async def latest_release(session: AsyncSession, flag_id: int) -> FlagRelease | None:
    stmt = (
        select(FlagRelease)
        .where(FlagRelease.flag_id == flag_id)
        .order_by(FlagRelease.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def running_release_ids(session: AsyncSession) -> list[tuple[int, str]]:
    """(release id, flag key) of every running release."""
    stmt = (
        select(FlagRelease.id, Flag.key)
        .join(Flag, Flag.id == FlagRelease.flag_id)
        .where(FlagRelease.status == "running")
        .order_by(FlagRelease.id)
    )
    return [(int(r), str(k)) for r, k in (await session.execute(stmt)).all()]
