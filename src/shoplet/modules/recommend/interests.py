"""A member's interests in products, for rankings elsewhere (the content hot feed): offered
through ``core.interests`` at start-up.

A product's interest is the member's strongest signal on it (order > favourite > cart > view,
``algorithms.WEIGHTS``) times its recency (``algorithms.recency_weights``, the same weighting
as the personal profile), divided by the member's strongest, so in [0, 1]. A product the member
never touched scores by its category: the best interest among the products of the same
category, halved (a category is a looser tie than the product itself)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.recommend import algorithms as algo
from shoplet.modules.recommend.service import collect_signals

CATEGORY_SHARE = 0.5


def product_interests(
    signals: Sequence[tuple[int, float, float]],
) -> dict[int, float]:
    """{product: interest in [0, 1]} from ``(product, source weight, at timestamp)`` rows."""
    strongest: dict[int, float] = {}
    latest: dict[int, float] = {}
    for product_id, weight, at in signals:
        strongest[product_id] = max(strongest.get(product_id, 0.0), weight)
        latest[product_id] = max(latest.get(product_id, at), at)
    products = sorted(latest)
    if not products:
        return {}
    recency = algo.recency_weights(
        [0] * len(products), products, [latest[p] for p in products], algo.RECENCY_HALF_LIFE
    )
    raw = {p: strongest[p] * float(r) for p, r in zip(products, recency, strict=True)}
    top = max(raw.values())
    return {p: v / top for p, v in raw.items()} if top > 0 else {}


def blend(
    interests: dict[int, float],
    categories: dict[int, str],
    product_ids: Sequence[int],
) -> dict[int, float]:
    """The asked products' affinity: their own interest, else their category's share."""
    by_category: dict[str, float] = {}
    for product_id, value in interests.items():
        name = categories.get(product_id)
        if name is not None:
            by_category[name] = max(by_category.get(name, 0.0), value)
    out: dict[int, float] = {}
    for product_id in product_ids:
        own = interests.get(product_id, 0.0)
        name = categories.get(product_id)
        shared = CATEGORY_SHARE * by_category.get(name, 0.0) if name is not None else 0.0
        if max(own, shared) > 0:
            out[product_id] = max(own, shared)
    return out


async def product_affinity(
    session: AsyncSession, member_id: int, product_ids: Sequence[int]
) -> dict[int, float]:
    """{product: affinity in [0, 1]} of ``product_ids`` to the member (see the module doc)."""
    signals = await collect_signals(session, member_id=member_id)
    interests = product_interests(
        [(s.product_id, algo.WEIGHTS.get(s.source, 1.0), s.at.timestamp()) for s in signals]
    )
    if not interests or not product_ids:
        return {}
    names = await catalog.product_category_names(session, [*interests, *product_ids])
    return blend(interests, {p: leaf for p, (leaf, _) in names.items()}, product_ids)
