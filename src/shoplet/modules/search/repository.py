"""All of search's queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.search.models import (
    Change,
    Click,
    Correction,
    DailyQuery,
    ImageVector,
    Impression,
    QueryStat,
    Synonym,
    Vector,
)


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


# -- image features (search by photo) ----------------------------------------------------------


async def image_sources(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, str]:
    """The image URL and recipe each stored image vector was computed from
    (``"<version> <url>"``)."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(ImageVector.product_id, ImageVector.version, ImageVector.image_url).where(
            ImageVector.product_id.in_(product_ids)
        )
    )
    return {r.product_id: f"{r.version} {r.image_url}" for r in rows}


async def upsert_images(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace products' image vectors: one ``INSERT … ON CONFLICT DO UPDATE``."""
    if not rows:
        return
    stmt = _insert(session, ImageVector).values(list(rows))
    excluded = stmt.excluded  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[ImageVector.product_id],
        set_={
            "image_url": excluded.image_url,
            "version": excluded.version,
            "dim": excluded.dim,
            "vector": excluded.vector,
            "updated_at": excluded.updated_at,
        },
    )
    await session.execute(stmt)


async def delete_images(session: AsyncSession, product_ids: Sequence[int]) -> None:
    if product_ids:
        await session.execute(delete(ImageVector).where(ImageVector.product_id.in_(product_ids)))


async def image_fingerprint(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many image vectors there are and when the last was written: a process reloads its
    matrix when this changes."""
    row = (await session.execute(select(func.count(), func.max(ImageVector.updated_at)))).one()
    return int(row[0] or 0), row[1]


async def image_vectors(
    session: AsyncSession, version: str, *, after_id: int = 0, limit: int = 5_000
) -> list[tuple[int, bytes]]:
    """A keyset page (by product id) of the vectors of recipe ``version``."""
    rows = await session.execute(
        select(ImageVector.product_id, ImageVector.vector)
        .where(ImageVector.version == version, ImageVector.product_id > after_id)
        .order_by(ImageVector.product_id)
        .limit(limit)
    )
    return [(r.product_id, r.vector) for r in rows]


# -- click-through (clicks.py) -----------------------------------------------------------------


async def add_impressions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """A process's buffered impressions: one multi-row ``INSERT`` (ids are random; a repeat
    after a failed commit is skipped)."""
    if rows:
        stmt = _insert(session, Impression).values(list(rows))
        await session.execute(stmt.on_conflict_do_nothing(index_elements=[Impression.id]))  # type: ignore[attr-defined]


async def add_click(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Store a click once per impression and product; False when it was already stored."""
    stmt = _insert(session, Click).values(row)
    stmt = stmt.on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=[Click.impression_id, Click.product_id]
    ).returning(Click.impression_id)
    return (await session.execute(stmt)).first() is not None


async def daily_figures(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[tuple[str, str], list[int]]:
    """Per (query, variant) of impressions made in ``[start, end)``: searches (first pages),
    zero-result searches, clicks (on any page)."""
    first = case((Impression.first_page, 1), else_=0)
    zero = case(((Impression.first_page) & (Impression.result_count == 0), 1), else_=0)
    rows = await session.execute(
        select(Impression.query, Impression.variant, func.sum(first), func.sum(zero))
        .where(Impression.created_at >= start, Impression.created_at < end)
        .group_by(Impression.query, Impression.variant)
    )
    out = {(r[0], r[1]): [int(r[2] or 0), int(r[3] or 0), 0] for r in rows}
    clicks = await session.execute(
        select(Impression.query, Impression.variant, func.count())
        .select_from(Click)
        .join(Impression, Impression.id == Click.impression_id)
        .where(Impression.created_at >= start, Impression.created_at < end)
        .group_by(Impression.query, Impression.variant)
    )
    for query, variant, count in clicks:
        out.setdefault((query, variant), [0, 0, 0])[2] = int(count)
    return out


async def replace_daily(
    session: AsyncSession, day: date, figures: dict[tuple[str, str], list[int]]
) -> None:
    await session.execute(delete(DailyQuery).where(DailyQuery.day == day))
    rows = [
        {"day": day, "query": q, "variant": v, "searches": s, "zero_results": z, "clicks": c}
        for (q, v), (s, z, c) in sorted(figures.items())
        if s or c
    ]
    for start in range(0, len(rows), 1_000):
        await session.execute(_insert(session, DailyQuery), rows[start : start + 1_000])


async def delete_clicks_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(Click).where(Click.created_at < before))
    await session.execute(delete(Impression).where(Impression.created_at < before))


async def daily_totals(
    session: AsyncSession, first: date, last: date
) -> list[tuple[date, int, int, int]]:
    """(day, searches, clicks, zero-result searches) of the rollup, days with rows only."""
    rows = await session.execute(
        select(
            DailyQuery.day,
            func.sum(DailyQuery.searches),
            func.sum(DailyQuery.clicks),
            func.sum(DailyQuery.zero_results),
        )
        .where(DailyQuery.day >= first, DailyQuery.day <= last)
        .group_by(DailyQuery.day)
        .order_by(DailyQuery.day)
    )
    return [(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows]


async def variant_totals(
    session: AsyncSession, first: date, last: date
) -> list[tuple[str, int, int, int]]:
    """(ranking variant, searches, clicks, zero-result searches) over the days."""
    rows = await session.execute(
        select(
            DailyQuery.variant,
            func.sum(DailyQuery.searches),
            func.sum(DailyQuery.clicks),
            func.sum(DailyQuery.zero_results),
        )
        .where(DailyQuery.day >= first, DailyQuery.day <= last)
        .group_by(DailyQuery.variant)
        .order_by(DailyQuery.variant)
    )
    return [(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows]


async def query_totals(
    session: AsyncSession, first: date, last: date, *, zero_only: bool, limit: int
) -> list[tuple[str, int, int, int]]:
    """(query, searches, clicks, zero-result searches) over the days: the most searched, or
    (``zero_only``) the most often fruitless."""
    searches = func.sum(DailyQuery.searches)
    zero = func.sum(DailyQuery.zero_results)
    stmt = (
        select(DailyQuery.query, searches, func.sum(DailyQuery.clicks), zero)
        .where(DailyQuery.day >= first, DailyQuery.day <= last, DailyQuery.query != "")
        .group_by(DailyQuery.query)
    )
    if zero_only:
        stmt = stmt.having(zero > 0).order_by(zero.desc(), DailyQuery.query)
    else:
        stmt = stmt.having(searches > 0).order_by(searches.desc(), DailyQuery.query)
    rows = await session.execute(stmt.limit(limit))
    return [(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows]
