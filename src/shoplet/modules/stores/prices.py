"""门店价: a store's own price per SKU, charged in 扫码购 at that store instead of the online price.

A price is one row per store and SKU (``stores_price``), at least 1 fen, for a SKU the catalogue
knows, optionally inside a window (``starts_at`` inclusive, ``ends_at`` exclusive; outside it
the online price applies). Writes upsert on the unique (store, SKU) pair. An import checks every
row of its file first and writes all of them or, with any bad row, none (400 with each bad row's
line and code). Checkout asks :func:`current_prices` once per cart; what it charged is the order
line's ``unit_price`` (with ``price_source`` ``store:<id>``), so later changes never reprice an
order. Only 扫码购 is store-priced: a pickup is an online order the shopper priced online before
choosing where to collect it (docs/omnichannel.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.modules.catalog import public as catalog
from shoplet.modules.stores import repository as repo
from shoplet.modules.stores.errors import (
    InvalidPriceWindow,
    InvalidStorePrice,
    PriceImportInvalid,
    StoreNotFound,
    StorePriceNotFound,
    StoreSkuNotFound,
)
from shoplet.modules.stores.models import StorePrice as PriceRow
from shoplet.modules.stores.price_import import error, parse_price_file
from shoplet.modules.stores.schemas import (
    MAX_PRICE,
    PriceImportResult,
    StorePrice,
    StorePriceWrite,
)

MAX_LISTED_ERRORS = 200
STORE_PRICE_LABEL = "门店价"  # the line's tag in checkout (frontends/shared STORES_LABELS)


def price_ref(store_id: int) -> str:
    """What an order line priced by the store names as its ``price_source``."""
    return f"store:{store_id}"


def _is_current(starts_at: datetime | None, ends_at: datetime | None, now: datetime) -> bool:
    return (starts_at is None or starts_at <= now) and (ends_at is None or now < ends_at)


def _view(row: PriceRow, snap: catalog.SkuSnapshot | None, now: datetime) -> StorePrice:
    return StorePrice(
        store_id=row.store_id,
        sku_id=row.sku_id,
        product_id=snap.product_id if snap else None,
        title=snap.product_title if snap else "",
        spec_text=snap.spec_text if snap else "",
        online_price=snap.price if snap else None,
        price=row.price,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        is_current=_is_current(row.starts_at, row.ends_at, now),
        updated_at=row.updated_at,
    )


async def _known_store(session: AsyncSession, store_id: int) -> None:
    if await repo.get_store(session, store_id) is None:
        raise StoreNotFound(store_id=store_id)


def _check(body: StorePriceWrite) -> None:
    if not 1 <= body.price <= MAX_PRICE:
        raise InvalidStorePrice(f"{body.price} is not a price in fen", price=body.price)
    if body.starts_at is not None and body.ends_at is not None and body.starts_at >= body.ends_at:
        raise InvalidPriceWindow("ends_at must be after starts_at")


async def current_prices(
    session: AsyncSession, *, store_id: int, sku_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    """{sku_id: fen} the store charges now for those of ``sku_ids`` it prices (one query)."""
    return await repo.current_prices(session, store_id, sku_ids, now=now)


async def list_prices(
    session: AsyncSession, store_id: int, *, cursor: str | None, limit: int, now: datetime
) -> Page[StorePrice]:
    await _known_store(session, store_id)
    rows = await repo.store_prices(
        session, store_id, after_sku_id=decode_id_cursor(cursor), limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    snaps = await catalog.get_sku_snapshots(session, [r.sku_id for r in rows])
    return Page[StorePrice](
        items=[_view(r, snaps.get(r.sku_id), now) for r in rows],
        next_cursor=encode_id_cursor(rows[-1].sku_id) if more and rows else None,
    )


async def set_price(
    session: AsyncSession, *, store_id: int, sku_id: int, body: StorePriceWrite, now: datetime
) -> StorePrice:
    """Set (or replace) the store's price of a SKU. Refused with nothing written: 400
    ``stores.invalid_price`` / ``stores.invalid_price_window``, 404 ``stores.not_found`` /
    ``stores.sku_not_found``."""
    _check(body)
    await _known_store(session, store_id)
    snap = (await catalog.get_sku_snapshots(session, [sku_id])).get(sku_id)
    if snap is None:
        raise StoreSkuNotFound(f"no SKU {sku_id}", sku_id=sku_id)
    await repo.upsert_prices(session, [_values(store_id, sku_id, body, now)])
    row = await repo.get_price(session, store_id, sku_id)
    if row is None:  # pragma: no cover - just written in this transaction
        raise StorePriceNotFound(store_id=store_id, sku_id=sku_id)
    return _view(row, snap, now)


def _values(store_id: int, sku_id: int, body: StorePriceWrite, now: datetime) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "sku_id": sku_id,
        "price": body.price,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
        "created_at": now,
        "updated_at": now,
    }


async def delete_price(session: AsyncSession, *, store_id: int, sku_id: int) -> None:
    """The SKU is back at its online price in this store; 404 ``stores.price_not_found``."""
    await _known_store(session, store_id)
    if not await repo.delete_price(session, store_id, sku_id):
        raise StorePriceNotFound(store_id=store_id, sku_id=sku_id)


async def import_prices(
    session: AsyncSession, *, store_id: int, filename: str, data: bytes, now: datetime
) -> PriceImportResult:
    """Every row of a CSV/XLSX file becomes the store's price of its SKU, all at once. A file
    it cannot read is 400 ``stores.price_file_invalid``; any bad row is 400
    ``stores.price_import_invalid`` listing each (``row``, ``code``, ``detail``), and nothing
    is written."""
    await _known_store(session, store_id)
    parsed = parse_price_file(filename, data)
    errors = list(parsed.errors)
    by_barcode = await catalog.skus_by_barcode(
        session, [r.barcode for r in parsed.rows if r.barcode is not None]
    )
    snaps = await catalog.get_sku_snapshots(
        session, [r.sku_id for r in parsed.rows if r.sku_id is not None]
    )
    targets: dict[int, tuple[int, StorePriceWrite]] = {}  # sku id -> (row, price)
    reported = {e["row"] for e in errors}
    for row in parsed.rows:
        if row.row in reported:
            continue  # one problem per row is enough to fix it
        sku_id = row.sku_id
        if row.barcode is not None:
            sku_id = by_barcode.get(row.barcode)
            if sku_id is None:
                errors.append(error(row.row, "stores.barcode_not_found", "no SKU has it"))
                continue
        elif sku_id is not None and sku_id not in snaps:
            errors.append(error(row.row, StoreSkuNotFound.code, f"no SKU {sku_id}"))
            continue
        if sku_id is None or row.price is None:  # pragma: no cover - reported when parsed
            continue
        if sku_id in targets:
            errors.append(
                error(
                    row.row, "stores.duplicate_sku", f"the SKU is also on row {targets[sku_id][0]}"
                )
            )
            continue
        targets[sku_id] = (
            row.row,
            StorePriceWrite(price=row.price, starts_at=row.starts_at, ends_at=row.ends_at),
        )
    if errors:
        errors.sort(key=lambda e: (e["row"], e["code"]))
        raise PriceImportInvalid(
            f"{len(errors)} problem(s) in the file; nothing was changed",
            errors=errors[:MAX_LISTED_ERRORS],
            error_count=len(errors),
        )
    existing = await repo.priced_skus(session, store_id, list(targets))
    await repo.upsert_prices(
        session,
        [_values(store_id, sku_id, body, now) for sku_id, (_, body) in sorted(targets.items())],
    )
    return PriceImportResult(
        rows=len(targets), created=len(targets) - len(existing), updated=len(existing)
    )
