"""The catalog's pure rules (no database): the SKU matrix, specs, prices, barcodes, publishing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from shoplet.modules.catalog.errors import (
    BarcodeTaken,
    InvalidOriginalPrice,
    InvalidSkuMatrix,
    NotPublishable,
)
from shoplet.modules.catalog.models import Product, Sku
from shoplet.modules.catalog.schemas import SpecOption

from ._common import SpecPairs

# ---------------------------------------------------------------------------------------------
# Pure rules (no database)


def spec_pairs(specs: Sequence[Any]) -> SpecPairs:
    """Specs as (name, value) pairs, from request models or stored dicts."""
    pairs = []
    for spec in specs:
        if isinstance(spec, Mapping):
            pairs.append((str(spec["name"]), str(spec["value"])))
        else:
            pairs.append((spec.name, spec.value))
    return tuple(pairs)


def spec_key(pairs: SpecPairs) -> str:
    """Canonical, collision-free key of a spec combination (values may contain any text)."""
    return orjson.dumps([list(p) for p in pairs]).decode()


def spec_text(pairs: SpecPairs) -> str:
    """``颜色:黑 / 尺码:M`` (empty for a product without specs)."""
    return " / ".join(f"{name}:{value}" for name, value in pairs)


def validate_sku_matrix(combinations: Sequence[SpecPairs]) -> None:
    """Every SKU has the same spec names in the same order, no name twice, and no combination
    twice (so a shopper's pick of one value per name identifies exactly one SKU)."""
    if not combinations:
        raise InvalidSkuMatrix("a product needs at least one SKU")
    names = tuple(name for name, _ in combinations[0])
    if len(set(names)) != len(names):
        raise InvalidSkuMatrix(f"spec names repeat within a SKU: {', '.join(names)}")
    seen: set[SpecPairs] = set()
    for index, pairs in enumerate(combinations):
        these = tuple(name for name, _ in pairs)
        if these != names:
            raise InvalidSkuMatrix(
                f"SKU #{index + 1} has specs ({', '.join(these) or 'none'}); every SKU needs "
                f"({', '.join(names) or 'none'}) in that order"
            )
        if pairs in seen:
            raise InvalidSkuMatrix(
                f"SKU #{index + 1} repeats the combination {spec_text(pairs) or '(no specs)'}"
            )
        seen.add(pairs)


def spec_options(combinations: Sequence[SpecPairs]) -> list[SpecOption]:
    """Spec dimensions with their values in first-seen order, for the SKU picker."""
    values: dict[str, list[str]] = {}
    for pairs in combinations:
        for name, value in pairs:
            bucket = values.setdefault(name, [])
            if value not in bucket:
                bucket.append(value)
    return [SpecOption(name=name, values=vals) for name, vals in values.items()]


def resolve_original_price(price: int, original_price: int | None, index: int) -> int:
    if original_price is None:
        return price
    if original_price < price:
        raise InvalidOriginalPrice(
            f"SKU #{index + 1}: original price {original_price} is below price {price}"
        )
    return original_price


def check_barcodes_unique(barcodes: Sequence[str | None]) -> None:
    seen: set[str] = set()
    for barcode in barcodes:
        if barcode is None:
            continue
        if barcode in seen:
            raise BarcodeTaken(f"barcode {barcode} is given to two SKUs", barcode=barcode)
        seen.add(barcode)


def check_publishable(images: Sequence[str], active_skus: int) -> None:
    if not images:
        raise NotPublishable("a product on sale needs at least one image")
    if active_skus == 0:
        raise NotPublishable("a product on sale needs at least one active SKU")


def _price_fields(skus: Sequence[Sku]) -> dict[str, int]:
    active = [s for s in skus if s.is_active] or list(skus)
    cheapest = min(active, key=lambda s: (s.price, s.id or 0))
    return {
        "min_price": cheapest.price,
        "max_price": max(s.price for s in active),
        "list_original_price": cheapest.original_price,
    }


def _apply_status(product: Product, status: str, now: datetime) -> None:
    if status == "on_sale" and product.status != "on_sale":
        product.published_at = now
    product.status = status
