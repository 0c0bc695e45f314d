"""The product page's promotion tags (``GET /promotions/active``), with no database read on a
warm cache: the running rules are checkout's cached live rules (``applying.live_rules``,
dropped in every process when a promotion starts or stops), and what a product is to a rule
(its category and SKU ids) is cached per product (``CACHE_PRODUCT_SHAPES``, dropped when
catalog announces the product changed: ``tasks.py``)."""

from __future__ import annotations

from typing import Final

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit, read_through
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.promotions import stacking
from shoplet.modules.promotions.schemas import PromotionTag

from .applying import live_rules

CACHE_PRODUCT_SHAPES: Final = "promotions_product_shape"
SHAPE_TTL: Final = 300.0


async def _shape(session: AsyncSession, product_id: int) -> tuple[int, frozenset[int]]:
    """(category id, SKU ids) of ``product_id`` (404 ``catalog.product_not_found``)."""

    async def load(s: AsyncSession) -> bytes:
        product = await catalog.get_product_admin(s, product_id)
        return orjson.dumps([product.category_id, sorted(sku.id for sku in product.skus)])

    body = await read_through(session, CACHE_PRODUCT_SHAPES, product_id, load, ttl=SHAPE_TTL)
    category_id, sku_ids = orjson.loads(body)
    return int(category_id), frozenset(int(i) for i in sku_ids)


def product_changed(session: AsyncSession, product_ids: list[int]) -> None:
    """Catalog changed these products: their shapes are read again after this commit."""
    for product_id in product_ids:
        invalidate_after_commit(session, CACHE_PRODUCT_SHAPES, product_id)


def _covers(
    rule: stacking.Promotion, product_id: int, category_id: int, skus: frozenset[int]
) -> bool:
    if rule.kind == "sku_discount":
        return any(e.sku_id in skus for e in rule.sku_prices)
    if rule.kind == "bundle":
        return product_id in rule.product_ids
    probe = stacking.Line(
        sku_id=0, product_id=product_id, category_id=category_id, unit_price=0, quantity=1
    )
    return stacking.in_scope(rule, probe)


async def product_tags(session: AsyncSession, product_id: int) -> list[PromotionTag]:
    """The running promotions that cover ``product_id`` (or one of its SKUs), by id."""
    category_id, skus = await _shape(session, product_id)
    now = utcnow()
    return [
        PromotionTag(
            id=rule.id,
            name=rule.name,
            kind=rule.kind,  # type: ignore[arg-type]
            label=stacking.label(rule),
            ends_at=ends,
        )
        for starts, ends, rule in (await live_rules(session)).promotions
        if starts <= now < ends and _covers(rule, product_id, category_id, skus)
    ]
