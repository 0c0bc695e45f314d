"""All of search's queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.search.models import Change, Correction, QueryStat, Synonym, Vector


def _insert(session: AsyncSession, table: Any) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- the change feed ---------------------------------------------------------------------------


async def add_changes(
    session: AsyncSession, kind: str, product_ids: Sequence[int | None], now: datetime
) -> None:
    if product_ids:
        await session.execute(
            _insert(session, Change),
            [{"kind": kind, "product_id": p, "created_at": now} for p in product_ids],
        )


async def last_change_id(session: AsyncSession) -> int:
    return int((await session.execute(select(func.max(Change.id)))).scalar() or 0)


async def changes_after(session: AsyncSession, after_id: int, limit: int) -> list[Change]:
    rows = await session.execute(
        select(Change).where(Change.id > after_id).order_by(Change.id).limit(limit)
    )
    return list(rows.scalars())


async def delete_changes_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(Change).where(Change.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- the dictionary ----------------------------------------------------------------------------


async def list_synonyms(session: AsyncSession) -> list[Synonym]:
    return list((await session.execute(select(Synonym).order_by(Synonym.id))).scalars())


async def get_synonym(session: AsyncSession, synonym_id: int) -> Synonym | None:
    return await session.get(Synonym, synonym_id)


def add(session: AsyncSession, row: Synonym | Correction) -> None:
    session.add(row)


async def delete_row(session: AsyncSession, row: Synonym | Correction) -> None:
    await session.delete(row)
    await session.flush()


async def list_corrections(session: AsyncSession) -> list[Correction]:
    return list((await session.execute(select(Correction).order_by(Correction.id))).scalars())


async def get_correction(session: AsyncSession, correction_id: int) -> Correction | None:
    return await session.get(Correction, correction_id)


async def correction_by_wrong(session: AsyncSession, wrong: str) -> Correction | None:
    rows = await session.execute(select(Correction).where(Correction.wrong == wrong))
    return rows.scalars().first()


# -- query statistics --------------------------------------------------------------------------


async def record_queries(
    session: AsyncSession, counts: Sequence[tuple[str, int, int, int]], now: datetime
) -> None:
    """Add (query, searches, zero-result searches, last result count) to the statistics: one
    ``INSERT … ON CONFLICT DO UPDATE`` (atomic across processes)."""
    if not counts:
        return
    stmt = _insert(session, QueryStat).values(
        [
            {
                "query": q,
                "searches": n,
                "zero_results": zero,
                "last_result_count": found,
                "last_searched_at": now,
            }
            for q, n, zero, found in counts
        ]
    )
    excluded = stmt.excluded  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[QueryStat.query],
        set_={
            "searches": QueryStat.searches + excluded.searches,
            "zero_results": QueryStat.zero_results + excluded.zero_results,
            "last_result_count": excluded.last_result_count,
            "last_searched_at": excluded.last_searched_at,
        },
    )
    await session.execute(stmt)


async def popular_queries(session: AsyncSession, limit: int) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(QueryStat.query, QueryStat.searches)
        .where(QueryStat.last_result_count > 0)
        .order_by(QueryStat.searches.desc(), QueryStat.query)
        .limit(limit)
    )
    return [(r.query, r.searches) for r in rows]


async def zero_result_queries(
    session: AsyncSession, *, after: tuple[int, str] | None, limit: int
) -> list[QueryStat]:
    """Queries whose last search found nothing, most searched first (keyset on searches, query)."""
    stmt = select(QueryStat).where(QueryStat.last_result_count == 0)
    if after is not None:
        searches, query = after
        stmt = stmt.where(
            (QueryStat.searches < searches)
            | ((QueryStat.searches == searches) & (QueryStat.query > query))
        )
    rows = await session.execute(
        stmt.order_by(QueryStat.searches.desc(), QueryStat.query).limit(limit)
    )
    return list(rows.scalars())


async def get_query_stat(session: AsyncSession, query: str) -> QueryStat | None:
    return await session.get(QueryStat, query)


# -- product vectors (semantic search) ---------------------------------------------------------


async def vector_hashes(
    session: AsyncSession, model: str, product_ids: Sequence[int]
) -> dict[int, str]:
    if not product_ids:
        return {}
    rows = await session.execute(
        select(Vector.product_id, Vector.text_hash).where(
            Vector.model == model, Vector.product_id.in_(product_ids)
        )
    )
    return {r.product_id: r.text_hash for r in rows}


async def upsert_vectors(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace (product, model) vectors: one ``INSERT … ON CONFLICT DO UPDATE``."""
    if not rows:
        return
    stmt = _insert(session, Vector).values(list(rows))
    excluded = stmt.excluded  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[Vector.product_id, Vector.model],
        set_={
            "text_hash": excluded.text_hash,
            "dim": excluded.dim,
            "scale": excluded.scale,
            "vector": excluded.vector,
            "updated_at": excluded.updated_at,
        },
    )
    await session.execute(stmt)


async def vectors(
    session: AsyncSession,
    model: str,
    *,
    product_ids: Sequence[int] | None = None,
    after_id: int = 0,
    limit: int = 5_000,
) -> list[Vector]:
    """Vectors of ``model``: of ``product_ids``, or a keyset page by product id."""
    stmt = select(Vector).where(Vector.model == model)
    if product_ids is not None:
        stmt = stmt.where(Vector.product_id.in_(product_ids))
    else:
        stmt = stmt.where(Vector.product_id > after_id).order_by(Vector.product_id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def vector_count(session: AsyncSession, model: str) -> int:
    stmt = select(func.count()).select_from(Vector).where(Vector.model == model)
    return int((await session.execute(stmt)).scalar() or 0)


async def delete_vectors(session: AsyncSession, model: str, product_ids: Sequence[int]) -> None:
    if product_ids:
        await session.execute(
            delete(Vector).where(Vector.model == model, Vector.product_id.in_(product_ids))
        )
