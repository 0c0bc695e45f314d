"""Goods the member price skips: staff list products and categories (already discounted goods)
and neither the tier discount nor a paid plan's discount applies to them at checkout or in the
storefront's member-price hints. The list is cached per process (``CACHE_EXCLUSIONS``, dropped
in every process when staff save it) with each category expanded to its subtree, so checkout
reads nothing for it on a warm cache."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit, read_through
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.errors import InvalidExclusions
from shoplet.modules.membership.rules import NO_EXCLUSIONS, PriceExclusions
from shoplet.modules.membership.schemas import (
    ExcludedCategory,
    ExcludedProduct,
    ExclusionsBody,
    ExclusionsOut,
    PriceExclusionsOut,
)

CACHE_EXCLUSIONS: Final = "membership_exclusions"
EXCLUSIONS_KEY: Final = "all"
EXCLUSIONS_TTL: Final = 60.0


def _flatten(tree: list[catalog.Category]) -> dict[int, catalog.Category]:
    out: dict[int, catalog.Category] = {}
    stack = list(tree)
    while stack:
        node = stack.pop()
        out[node.id] = node
        stack.extend(node.children)
    return out


def _subtree(node: catalog.Category) -> list[int]:
    ids, stack = [], [node]
    while stack:
        current = stack.pop()
        ids.append(current.id)
        stack.extend(current.children)
    return ids


async def _exclusions_body(session: AsyncSession) -> bytes:
    rows = await repo.list_exclusions(session)
    products = sorted(r.ref_id for r in rows if r.kind == "product")
    listed = [r.ref_id for r in rows if r.kind == "category"]
    categories: set[int] = set()
    if listed:
        nodes = _flatten(await catalog.list_categories(session))
        for category_id in listed:
            node = nodes.get(category_id)
            categories.update(_subtree(node) if node is not None else [category_id])
    return orjson.dumps([products, sorted(categories)])


@lru_cache(maxsize=4)
def _parse(body: bytes) -> PriceExclusions:
    products, categories = orjson.loads(body)
    if not products and not categories:
        return NO_EXCLUSIONS
    return PriceExclusions(product_ids=frozenset(products), category_ids=frozenset(categories))


async def price_exclusions(session: AsyncSession) -> PriceExclusions:
    """The goods the member price skips, through the process's cache."""
    body = await read_through(
        session, CACHE_EXCLUSIONS, EXCLUSIONS_KEY, _exclusions_body, ttl=EXCLUSIONS_TTL
    )
    return _parse(body)


async def public_exclusions(session: AsyncSession) -> PriceExclusionsOut:
    found = await price_exclusions(session)
    return PriceExclusionsOut(
        product_ids=sorted(found.product_ids), category_ids=sorted(found.category_ids)
    )


async def get_exclusions(session: AsyncSession) -> ExclusionsOut:
    rows = await repo.list_exclusions(session)
    nodes = _flatten(await catalog.list_categories(session))
    products = []
    for r in rows:
        if r.kind == "product":
            product = await catalog.get_product_admin(session, r.ref_id)
            products.append(ExcludedProduct(id=r.ref_id, title=product.title))
    return ExclusionsOut(
        products=products,
        categories=[
            ExcludedCategory(id=r.ref_id, name=nodes[r.ref_id].name if r.ref_id in nodes else "")
            for r in rows
            if r.kind == "category"
        ],
        updated_at=max((r.created_at for r in rows), default=None),
    )


async def save_exclusions(
    session: AsyncSession, body: ExclusionsBody, *, actor: str
) -> ExclusionsOut:
    """Replace the list (400 ``membership.invalid_exclusions`` naming the first unknown product
    or category; nothing is written then)."""
    product_ids = list(dict.fromkeys(body.product_ids))
    category_ids = list(dict.fromkeys(body.category_ids))
    for product_id in product_ids:
        try:
            await catalog.get_product_admin(session, product_id)
        except catalog.ProductNotFound:
            raise InvalidExclusions(
                f"product {product_id} does not exist", field="product_ids", id=product_id
            ) from None
    nodes = _flatten(await catalog.list_categories(session))
    for category_id in category_ids:
        if category_id not in nodes:
            raise InvalidExclusions(
                f"category {category_id} does not exist", field="category_ids", id=category_id
            )
    now = utcnow()
    await repo.replace_exclusions(
        session,
        [
            {"kind": kind, "ref_id": ref_id, "created_by": actor, "created_at": now}
            for kind, ids in (("product", product_ids), ("category", category_ids))
            for ref_id in ids
        ],
    )
    invalidate_after_commit(session, CACHE_EXCLUSIONS, EXCLUSIONS_KEY)
    return await get_exclusions(session)
