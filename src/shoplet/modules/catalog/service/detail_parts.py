"""The product detail as two cache entries joined at serve time (api.py ``get_product``).

- the **body** (``catalog_product``, BODY_TTL): the whole detail encoded once, with a
  placeholder where each SKU's ``available`` goes (two statements: the product, its SKUs).
  Product writes drop it after commit (``_invalidate_product``), so it lives as long as a list
  page; its ``sales_count`` refreshes within that time, as the lists' does;
- the **stock** (``catalog_product_stock``, DETAIL_TTL): ``{sku_id: units}``, the figures every
  order changes, in one statement (no ORM load of the product and its SKUs, no Pydantic
  model, no encoding of the whole detail).

The served bytes are the body's segments with the figures written between them, exactly what
encoding the whole ``ProductDetail`` gives, and their ETag is the hash of those bytes like any
cached read's. Both are made once per (body, stock) pair and process (``DetailJoiner``), so a
hit does a dictionary look-up more than before and a stock refresh no re-encoding.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import CachedBody, to_json_bytes
from shoplet.modules.inventory import public as inventory

from .storefront import get_product_detail

# No count reaches it (2**53 - 1, the largest integer JSON readers keep exactly).
PLACEHOLDER = 9_007_199_254_740_991
_MARK = b'"available":' + str(PLACEHOLDER).encode()
JOINED_KEEP = 256  # answers of ~2-10 KB each: at most a few MB per process


class DetailTemplate(NamedTuple):
    """A body entry split at its placeholders: ``segments`` has one more item than
    ``sku_ids``, the SKUs (in the body's order) whose ``available`` goes between them."""

    segments: tuple[bytes, ...]
    sku_ids: tuple[int, ...]


async def load_body(session: AsyncSession, product_id: int) -> bytes:
    """The detail encoded with placeholders (raises ``ProductNotFound``)."""
    return to_json_bytes(await get_product_detail(session, product_id, stock=PLACEHOLDER))


def split_body(body: bytes) -> DetailTemplate:
    segments = tuple(body.split(_MARK))
    sku_ids = tuple(int(sku["id"]) for sku in orjson.loads(body)["skus"])
    if len(segments) != len(sku_ids) + 1:
        raise ValueError("every SKU of a detail body has one stock placeholder")
    return DetailTemplate(segments, sku_ids)


async def load_stock(session: AsyncSession, sku_ids: tuple[int, ...]) -> bytes:
    """Units available of each SKU (one without a stock row has none to sell)."""
    levels = await inventory.get_levels(session, list(sku_ids))
    return orjson.dumps({str(i): levels[i].available if i in levels else 0 for i in sku_ids})


def join(template: DetailTemplate, stock: bytes) -> bytes:
    available: dict[str, int] = orjson.loads(stock)
    out = [template.segments[0]]
    for sku_id, segment in zip(template.sku_ids, template.segments[1:], strict=True):
        out.append(b'"available":%d' % available.get(str(sku_id), 0))
        out.append(segment)
    return b"".join(out)


class DetailJoiner:
    """Per process: templates by body ETag, answers by (body, stock) ETags (oldest out first)."""

    def __init__(self, keep: int = JOINED_KEEP) -> None:
        self.keep = keep
        self._templates: OrderedDict[str, DetailTemplate] = OrderedDict()
        self._joined: OrderedDict[tuple[str, str], CachedBody] = OrderedDict()

    def template(self, body: CachedBody) -> DetailTemplate:
        if body.body is None or body.etag is None:
            raise ValueError("a 'not found' entry has no template")
        found = self._templates.get(body.etag)
        if found is None:
            found = self._templates[body.etag] = split_body(body.body)
            if len(self._templates) > self.keep:
                self._templates.popitem(last=False)
        return found

    def answer(self, body: CachedBody, stock: CachedBody) -> CachedBody:
        if body.etag is None or stock.body is None or stock.etag is None:
            raise ValueError("both parts need a body")
        key = (body.etag, stock.etag)
        found = self._joined.get(key)
        if found is None:
            # Hashed once per (body, stock) pair: the ETag of the bytes sent, as every read's.
            found = CachedBody.of(join(self.template(body), stock.body))
            self._joined[key] = found
            if len(self._joined) > self.keep:
                self._joined.popitem(last=False)
        return found
