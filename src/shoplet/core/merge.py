"""Plumbing for members' account merge hooks: move a member-keyed table's rows from the absorbed
account to the survivor in one statement, resolving a unique key both accounts hold explicitly.

The helpers know no module: a hook passes its own mapped columns. They flush nothing and never
commit; they run inside the merge's transaction, after members locked both member rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from shoplet.core.db import utcnow

# The merge's clock (members sets it before the hooks run), so that hooks which compare with
# "now" (remaining subscription days) use the same instant as the merge record.
NOW_KEY = "shoplet.merge.now"


def merge_now(session: AsyncSession) -> datetime:
    found = session.info.get(NOW_KEY)
    return found if isinstance(found, datetime) else utcnow()


def _both_hold(
    column: InstrumentedAttribute[Any],
    into_id: int,
    key: Sequence[InstrumentedAttribute[Any]],
) -> Any:
    """``EXISTS`` a survivor's row with the same ``key`` as the outer (absorbed) row."""
    model = column.class_
    other = aliased(model)
    return exists().where(
        getattr(other, column.key) == into_id,
        *(getattr(other, k.key) == k for k in key),
    )


async def duplicates(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    from_id: int,
    into_id: int,
    key: Sequence[InstrumentedAttribute[Any]],
    *,
    returning: InstrumentedAttribute[Any],
) -> list[Any]:
    """``returning`` of the absorbed account's rows whose unique ``key`` the survivor holds too."""
    model = column.class_
    rows = await session.scalars(
        select(returning)
        .select_from(model)
        .where(column == from_id, _both_hold(column, into_id, key))
        .order_by(returning)
    )
    return list(rows)


async def reassign(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    from_id: int,
    into_id: int,
    *,
    key: Sequence[InstrumentedAttribute[Any]] | None = None,
) -> int:
    """Move every row whose ``column`` is ``from_id`` to ``into_id``; returns the rows moved.

    ``key``: the other columns of a unique key with ``column`` (``()``: ``column`` is unique
    on its own, one row per member). A row of the absorbed account
    whose key the survivor already holds (both liked one post) is deleted first: the survivor's
    copy stays, once. Callers that keep counters on such rows adjust them (see
    :func:`duplicates`)."""
    model = column.class_
    if key is not None:
        await session.execute(
            delete(model)
            .where(column == from_id, _both_hold(column, into_id, key))
            .execution_options(synchronize_session=False)
        )
    result = await session.execute(
        update(model)
        .where(column == from_id)
        .values({column.key: into_id})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def combine(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    from_id: int,
    into_id: int,
    *,
    key: Sequence[InstrumentedAttribute[Any]],
    add: Sequence[InstrumentedAttribute[Any]],
) -> int:
    """:func:`reassign` for counters (a quota used, credits left): where both accounts hold a
    row with the same ``key``, the survivor's row gets the absorbed row's ``add`` columns added
    (one correlated ``UPDATE``) before the absorbed row is dropped; the other rows move."""
    model = column.class_
    other = aliased(model)
    same = (
        getattr(other, column.key) == from_id,
        *(getattr(other, k.key) == k for k in key),
    )
    await session.execute(
        update(model)
        .where(column == into_id, exists().where(*same))
        .values(
            {a.key: a + select(getattr(other, a.key)).where(*same).scalar_subquery() for a in add}
        )
        .execution_options(synchronize_session=False)
    )
    return await reassign(session, column, from_id, into_id, key=key)


async def reassign_all(
    session: AsyncSession,
    columns: Sequence[InstrumentedAttribute[Any]],
    from_id: int,
    into_id: int,
) -> int:
    """:func:`reassign` of several columns without unique keys (history rows); the total."""
    moved = 0
    for column in columns:
        moved += await reassign(session, column, from_id, into_id)
    return moved


def table_columns(columns: Sequence[InstrumentedAttribute[Any]]) -> tuple[str, ...]:
    """``table.column`` names of mapped columns, for ``register_merge_hook(tables=...)``."""
    return tuple(f"{c.class_.__tablename__}.{c.property.columns[0].name}" for c in columns)
