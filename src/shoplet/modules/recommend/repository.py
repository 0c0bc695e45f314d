"""Every recommend query. Training rewrites whole tables in one transaction; the order handler
only adds with ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1`` (atomic, no read)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.recommend.models import (
    Bought,
    Click,
    Daily,
    Impression,
    Item,
    Neighbor,
    Pair,
    Popular,
    Run,
    View,
)

CHUNK = 2000


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def _bulk(session: AsyncSession, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), list(rows[start : start + CHUNK]))


async def neighbors(
    session: AsyncSession, model: str, product_ids: Sequence[int]
) -> dict[int, list[tuple[int, float]]]:
    """{product: [(neighbour, score)] best first} of ``model`` for the given products."""
    out: dict[int, list[tuple[int, float]]] = {}
    if not product_ids:
        return out
    stmt = (
        select(Neighbor.product_id, Neighbor.neighbor_id, Neighbor.score)
        .where(Neighbor.model == model, Neighbor.product_id.in_(sorted(set(product_ids))))
        .order_by(Neighbor.product_id, Neighbor.score.desc(), Neighbor.neighbor_id)
    )
    for product, other, score in await session.execute(stmt):
        out.setdefault(int(product), []).append((int(other), float(score)))
    return out


async def pair_counts(
    session: AsyncSession, product_ids: Sequence[int]
) -> list[tuple[int, int, int]]:
    """(product, other, count) of the co-purchases of the given products."""
    if not product_ids:
        return []
    stmt = select(Pair.product_id, Pair.other_id, Pair.count).where(
        Pair.product_id.in_(sorted(set(product_ids)))
    )
    return [(int(a), int(b), int(c)) for a, b, c in await session.execute(stmt)]


async def buyers(session: AsyncSession, product_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    stmt = select(Item.product_id, Item.buyers).where(Item.product_id.in_(ids))
    return {int(p): int(n) for p, n in await session.execute(stmt)}


async def popular(session: AsyncSession, region: str, limit: int) -> list[int]:
    stmt = (
        select(Popular.product_id)
        .where(Popular.region == region)
        .order_by(Popular.score.desc(), Popular.product_id)
        .limit(limit)
    )
    return [int(p) for p in await session.scalars(stmt)]


async def popular_scores(session: AsyncSession, key: str, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best ``(product, score)`` of a popularity key (a region, ``all`` or a
    context key), best first."""
    stmt = (
        select(Popular.product_id, Popular.score)
        .where(Popular.region == key)
        .order_by(Popular.score.desc(), Popular.product_id)
        .limit(limit)
    )
    return [(int(p), float(s)) for p, s in (await session.execute(stmt)).all()]


async def replace_neighbors(
    session: AsyncSession, model: str, rows: Sequence[tuple[int, int, float]]
) -> None:
    await session.execute(delete(Neighbor).where(Neighbor.model == model))
    await _bulk(
        session,
        Neighbor,
        [{"model": model, "product_id": a, "neighbor_id": b, "score": s} for a, b, s in rows],
    )


async def replace_purchase_counts(
    session: AsyncSession,
    pairs: Sequence[tuple[int, int, int]],
    items: Sequence[tuple[int, int]],
) -> None:
    await session.execute(delete(Pair))
    await session.execute(delete(Item))
    await _bulk(session, Pair, [{"product_id": a, "other_id": b, "count": c} for a, b, c in pairs])
    await _bulk(session, Item, [{"product_id": p, "buyers": n} for p, n in items])


async def claim_bought(
    session: AsyncSession, member_id: int, product_ids: Sequence[int]
) -> list[int]:
    """Record that the member bought these products; the ones not recorded before (atomic:
    two handlers of one member never both claim a product)."""
    if not product_ids:
        return []
    stmt = (
        _insert(session, Bought)
        .values([{"member_id": member_id, "product_id": p} for p in sorted(set(product_ids))])
        .on_conflict_do_nothing(index_elements=[Bought.member_id, Bought.product_id])
        .returning(Bought.product_id)
    )
    return sorted(int(p) for p in await session.scalars(stmt))


async def bought_of(session: AsyncSession, member_id: int) -> set[int]:
    stmt = select(Bought.product_id).where(Bought.member_id == member_id)
    return {int(p) for p in await session.scalars(stmt)}


async def add_bought(session: AsyncSession, rows: Sequence[tuple[int, int]]) -> None:
    """(member, product) rows, those already there left alone."""
    for start in range(0, len(rows), CHUNK):
        chunk = sorted(set(rows[start : start + CHUNK]))
        stmt = _insert(session, Bought).values(
            [{"member_id": m, "product_id": p} for m, p in chunk]
        )
        await session.execute(
            stmt.on_conflict_do_nothing(index_elements=[Bought.member_id, Bought.product_id])
        )


async def replace_popular(session: AsyncSession, rows: Sequence[tuple[str, int, float]]) -> None:
    await session.execute(delete(Popular))
    await _bulk(session, Popular, [{"region": r, "product_id": p, "score": s} for r, p, s in rows])


async def add_purchases(
    session: AsyncSession, pairs: Sequence[tuple[int, int]], products: Sequence[int]
) -> None:
    """+1 on each (ordered) pair and on each product's buyers, inserting what is missing."""
    if pairs:
        stmt = _insert(session, Pair).values(
            [{"product_id": a, "other_id": b, "count": 1} for a, b in sorted(set(pairs))]
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Pair.product_id, Pair.other_id],
                set_={"count": Pair.count + 1},
            )
        )
    if products:
        stmt = _insert(session, Item).values(
            [{"product_id": p, "buyers": 1} for p in sorted(set(products))]
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Item.product_id], set_={"buyers": Item.buyers + 1}
            )
        )


def add_run(session: AsyncSession, run: Run) -> None:
    session.add(run)


async def update_run(session: AsyncSession, run_id: int, **values: Any) -> None:
    await session.execute(update(Run).where(Run.id == run_id).values(**values))


async def last_run(session: AsyncSession, *, done_only: bool = False) -> Run | None:
    stmt = select(Run).order_by(Run.id.desc()).limit(1)
    if done_only:
        stmt = stmt.where(Run.status == "done")
    return (await session.scalars(stmt)).one_or_none()


async def fail_stale_runs(session: AsyncSession, *, started_before: datetime) -> None:
    """A run still "running" from before ``started_before`` died with its worker."""
    await session.execute(
        update(Run)
        .where(Run.status == "running", Run.started_at < started_before)
        .values(status="failed", error="worker stopped")
    )


# ---- click-through (clicks.py) ----------------------------------------------------------------


async def add_impressions(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """A process's buffered shelves: one multi-row ``INSERT`` (ids are random)."""
    if rows:
        stmt = _insert(session, Impression).values(list(rows))
        await session.execute(stmt.on_conflict_do_nothing(index_elements=[Impression.id]))


async def add_click(session: AsyncSession, row: Mapping[str, Any]) -> bool:
    """Store a click once per shelf and product; False when it was already stored."""
    stmt = (
        _insert(session, Click)
        .values(dict(row))
        .on_conflict_do_nothing(index_elements=[Click.impression_id, Click.product_id])
        .returning(Click.impression_id)
    )
    return (await session.execute(stmt)).first() is not None


async def shelves_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str, str, list[int], list[str], set[int]]]:
    """(placement, variant, products, their models, clicked products) of every shelf served in
    ``[start, end)``."""
    shelves = await session.execute(
        select(
            Impression.id,
            Impression.placement,
            Impression.variant,
            Impression.product_ids,
            Impression.models,
        ).where(Impression.created_at >= start, Impression.created_at < end)
    )
    found = {int(r[0]): (str(r[1]), str(r[2]), list(r[3]), list(r[4]), set[int]()) for r in shelves}
    clicks = await session.execute(
        select(Click.impression_id, Click.product_id)
        .join(Impression, Impression.id == Click.impression_id)
        .where(Impression.created_at >= start, Impression.created_at < end)
    )
    for impression_id, product_id in clicks:
        found[int(impression_id)][4].add(int(product_id))
    return list(found.values())


async def replace_daily(
    session: AsyncSession, day: date, rows: Sequence[Mapping[str, Any]]
) -> None:
    await session.execute(delete(Daily).where(Daily.day == day))
    await _bulk(session, Daily, rows)


async def delete_clicks_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(Click).where(Click.created_at < before))
    await session.execute(delete(Impression).where(Impression.created_at < before))


async def daily_totals(
    session: AsyncSession, first: date, last: date, group: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Sums of impressions and clicks between the days (both included), grouped by the named
    columns of ``recommend_daily`` (``day``, ``placement``, ``model``, ``variant``)."""
    columns = [getattr(Daily, name) for name in group]
    rows = await session.execute(
        select(*columns, func.sum(Daily.impressions), func.sum(Daily.clicks))
        .where(Daily.day >= first, Daily.day <= last)
        .group_by(*columns)
        .order_by(*columns)
    )
    return [tuple(r) for r in rows]


async def add_views(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """A process's buffered product views: one multi-row ``INSERT`` per chunk."""
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(View).values(list(rows[start : start + CHUNK])))


async def views_since(
    session: AsyncSession, since: datetime
) -> list[tuple[str, int, int | None, datetime]]:
    """``(visitor, product, member, viewed at)`` of the views since ``since``, in time order."""
    stmt = (
        select(View.visitor, View.product_id, View.member_id, View.viewed_at)
        .where(View.viewed_at >= since)
        .order_by(View.viewed_at, View.id)
    )
    return [(v, int(p), m, at) for v, p, m, at in (await session.execute(stmt)).all()]


async def member_views(
    session: AsyncSession, member_id: int | None, since: datetime | None, limit: int | None
) -> list[tuple[int, int, datetime]]:
    """``(member, product, viewed at)`` of members' views (one member's, or everyone's), newest
    first."""
    stmt = select(View.member_id, View.product_id, View.viewed_at).where(
        View.member_id.is_not(None)
    )
    if member_id is not None:
        stmt = stmt.where(View.member_id == member_id)
    if since is not None:
        stmt = stmt.where(View.viewed_at >= since)
    stmt = stmt.order_by(View.viewed_at.desc(), View.id.desc()).limit(limit)
    found = (await session.execute(stmt)).all()
    return [(int(m), int(p), at) for m, p, at in found if m is not None]


async def purge_views(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(View).where(View.viewed_at < before))


async def context_priors(session: AsyncSession) -> list[tuple[str, int, float]]:
    """Every ``(context key, product, lift)`` row the training learnt (``context.learn``):
    keys ``r<province>``, ``s<season>``, ``h<hour bucket>``; at most ``PER_KEY`` a key."""
    stmt = select(Popular.region, Popular.product_id, Popular.score).where(
        Popular.region.like("r%") | Popular.region.like("s%") | Popular.region.like("h%")
    )
    return [(str(k), int(p), float(s)) for k, p, s in (await session.execute(stmt)).all()]
