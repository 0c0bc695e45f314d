"""``shoplet pii-rotate``: re-encrypt personal data written with an older PII key.

Every ``*_encrypted`` column of every table is personal data sealed by ``PiiCipher``. Rows are
read in primary-key order, a batch at a time, each batch in its own short transaction. A value is
written back only if it is still the one that was read (``UPDATE … WHERE col = :old``), so a
concurrent change made by the running shop is never overwritten; the next run picks it up.
Blind indexes are not touched: their key never rotates.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Table, and_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.all_models import load_all_models
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
from shoplet.core.security import PiiCipher
from shoplet.core.settings import Settings

ENCRYPTED_SUFFIX = "_encrypted"


class PiiRotationError(Exception):
    """A value cannot be decrypted with any configured key (its key was dropped too early)."""


def encrypted_columns() -> list[tuple[Table, list[Column[str]]]]:
    """Each table holding personal data, with its encrypted columns (stable order)."""
    found = []
    for table in load_all_models().metadata.sorted_tables:
        columns = [c for c in table.columns if c.name.endswith(ENCRYPTED_SUFFIX)]
        if columns:
            found.append((table, columns))
    return found


async def rotate_table(
    session: AsyncSession,
    pii: PiiCipher,
    table: Table,
    columns: list[Column[str]],
    *,
    after: tuple[object, ...] | None,
    batch_size: int,
) -> tuple[int, int, tuple[object, ...] | None]:
    """One batch after primary key ``after``: (rows read, values re-encrypted, last key)."""
    key = list(table.primary_key.columns)
    query = select(*key, *columns).order_by(*key).limit(batch_size)
    if after is not None:
        query = query.where(tuple_(*key) > tuple_(*after))
    rows = (await session.execute(query)).all()
    rotated = 0
    for row in rows:
        ident = tuple(row[: len(key)])
        for column, value in zip(columns, row[len(key) :], strict=True):
            try:
                if value is None or not pii.needs_rotation(value):
                    continue
                rotated_value = pii.reencrypt(value)
            except ValueError as exc:
                raise PiiRotationError(f"{table.name}.{column.name} {ident}: {exc}") from exc
            result = await session.execute(
                update(table)
                .where(and_(*(k == v for k, v in zip(key, ident, strict=True))), column == value)
                .values({column.name: rotated_value})
            )
            rotated += int(result.rowcount)  # type: ignore[attr-defined]
    last = tuple(rows[-1][: len(key)]) if rows else None
    return len(rows), rotated, last


async def rotate_pii(
    settings: Settings, *, batch_size: int = 500, progress: Callable[[str], None] = print
) -> int:
    """Re-encrypt every value not under the current key; returns how many were rewritten."""
    pii = PiiCipher(settings.resolved_pii_keys, index_key=settings.resolved_pii_index_key)
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = create_sessionmaker(engine)
    total = 0
    try:
        for table, columns in encrypted_columns():
            read = rotated = 0
            after: tuple[object, ...] | None = None
            while True:
                async with unit_of_work(sessionmaker) as session:
                    batch, changed, after = await rotate_table(
                        session, pii, table, columns, after=after, batch_size=batch_size
                    )
                read += batch
                rotated += changed
                if batch:
                    progress(f"{table.name}: {read} row(s) read, {rotated} value(s) re-encrypted")
                if batch < batch_size:
                    break
            if not read:
                progress(f"{table.name}: empty")
            total += rotated
    finally:
        await engine.dispose()
    return total
