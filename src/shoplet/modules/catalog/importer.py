"""Product imports: check a parsed file (``product_import.py``) against the shop, then write it.

Two steps, so that a bad file changes nothing:

1. :func:`plan_import` reads the shop (categories, products of the same titles, SKUs of the same
   codes, barcodes, stock) and returns either every row error or a **plan**: one JSON-ready dict
   per product saying what to create or change. Nothing is written.
2. :func:`apply_products` writes a slice of the plan in the caller's transaction, through the
   same service functions as the console (``create_product``, ``update_product``, inventory's
   ``set_initial_stock`` / ``adjust_stock``: same rules, ledgered stock, cache invalidation).
   The command line applies ~500 rows per transaction; the console's import job one slice per
   job step (``bulk.py``).

**The import key** (what makes a re-import idempotent): a row with a ``sku_code`` is the SKU
with that code; otherwise it is the SKU with the row's specs in the product with the row's
title. A product is found by the code of any of its rows, else by its exact title (two products
of one title and no code: the row is refused as ambiguous). Without ``update`` rows whose SKU
exists are skipped; with it their price, original price, barcode and stock (an adjustment to
the file's figure, never below what orders reserved) and their product's columns are updated.
New SKUs of an existing product are added in both modes.

New products go on sale if they have an image; without one they are created as drafts (a
product on sale needs an image) and counted in the summary.

Existing products of a batch are updated together (``service.update_products_rows``: one
locked read, one flush of set-based UPDATEs, one INSERT of price history for the SKUs whose
price changed, the caches dropped once); each still publishes ``catalog.product_changed``.

A batch that fails while applying (another writer took a barcode or reserved stock after the
check) rolls back alone and is reported as the row error of its line (``ImportRowFailed``);
batches already committed stay, and running the import again finishes it (the key).
Every batch also publishes ``catalog.products_imported`` through the outbox, so a server in
another process drops its cached lists (embedded mode has no shared cache channel).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work
from shoplet.core.errors import ShopletError
from shoplet.core.events import publish
from shoplet.core.storage import Storage, get_storage
from shoplet.modules.inventory import public as inventory

from . import media, service
from . import repository as repo
from .errors import ImportRowFailed
from .events import PRODUCTS_IMPORTED
from .models import Category as CategoryRow
from .product_import import (
    ParsedProducts,
    ProductRows,
    SkuRow,
    image_kind,
    parse_products,
    row_error,
    url_allowed,
)
from .schemas import CategoryCreate, ProductCreate, ProductUpdate, SkuCreate, SkuUpdate

STOCK_REASON = "商品导入"
ROWS_PER_BATCH = 500
_PLACEHOLDER_IMAGE = "/media/products/import-check.jpg"

Plan = dict[str, Any]


@dataclass(slots=True)
class ImportOptions:
    update: bool = False
    # The folder local image paths are relative to; None: local paths are refused (console).
    base_dir: Path | None = None
    image_hosts: tuple[str, ...] = ()


@dataclass(slots=True)
class Counts:
    products_created: int = 0
    products_updated: int = 0
    drafts: int = 0
    skus_created: int = 0
    skus_updated: int = 0
    skus_skipped: int = 0
    categories_created: int = 0

    def add(self, other: Mapping[str, Any]) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + int(other.get(item.name, 0)))

    def as_dict(self) -> dict[str, int]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(slots=True)
class ApplyState:
    """What one import run remembers across its batches: stored local images, categories."""

    storage: Storage | None
    actor: str
    images: dict[str, str] = field(default_factory=dict)  # local path -> canonical URL
    categories: dict[tuple[str, ...], int] = field(default_factory=dict)


def parse_hosts(text: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in text.split(",") if h.strip())


# -- step 1: check against the shop, plan ---------------------------------------------------


def _category_index(rows: Sequence[CategoryRow]) -> dict[tuple[str, ...], list[int]]:
    """Every category by (top, sub) path and by its own name alone."""
    by_id = {r.id: r for r in rows}
    index: dict[tuple[str, ...], list[int]] = {}
    for r in sorted(rows, key=lambda r: r.id):
        index.setdefault((r.name,), []).append(r.id)
        if r.parent_id is None:
            index.setdefault(("", r.name), []).append(r.id)
        elif (parent := by_id.get(r.parent_id)) is not None:
            index.setdefault((parent.name, r.name), []).append(r.id)
    return index


def _resolve_category(
    path: tuple[str, ...], index: Mapping[tuple[str, ...], list[int]]
) -> tuple[int | None, list[str], str | None]:
    """(existing id, path to create, error code)."""
    if len(path) == 2:
        found = index.get(path, [])
        if len(found) > 1:
            return None, [], "import.ambiguous_category"
        if found:
            return found[0], [], None
        if len(index.get(("", path[0]), [])) > 1:
            return None, [], "import.ambiguous_category"
        return None, list(path), None
    found = index.get(path, [])
    if len(found) > 1:
        return None, [], "import.ambiguous_category"
    return (found[0], [], None) if found else (None, list(path), None)


def _check_image(text: str, options: ImportOptions) -> tuple[str | None, str | None]:
    """(what the plan stores, error code): a URL as given, or ``file:<absolute path>``."""
    kind = image_kind(text)
    if kind == "url":
        if not url_allowed(text, options.image_hosts):
            return None, "import.image_url_not_allowed"
        return text, None
    if kind == "media":
        return text, None
    if options.base_dir is None:
        return None, "import.image_path_not_allowed"
    path = (options.base_dir / text.replace("\\", "/")).resolve()
    try:
        if not path.is_file() or path.stat().st_size > media.MAX_UPLOAD_BYTES:
            return None, "import.bad_image"
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return None, "import.bad_image"
    if media.sniff_format(head) is None:
        return None, "import.bad_image"
    return f"file:{path}", None


def _check_models(product: ProductRows, errors: list[dict[str, Any]]) -> None:
    """The console's own request rules (clean text, description HTML, limits) on the row."""
    try:
        ProductCreate(
            category_id=1,
            title=product.title,
            subtitle=product.subtitle,
            description=product.description,
            images=[_PLACEHOLDER_IMAGE],
            skus=[
                SkuCreate(
                    specs=[{"name": n, "value": v} for n, v in s.specs],  # type: ignore[misc]
                    price=s.price,
                    original_price=s.original_price,
                    barcode=s.barcode,
                    stock=s.stock,
                )
                for s in product.skus
            ],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        errors.append(
            row_error(product.line, where, "import.invalid_value", f"{where}: {first['msg']}")
        )


def _find_products(
    products: Sequence[ProductRows],
    codes: Mapping[str, tuple[int, int]],
    titles: Mapping[str, list[int]],
    errors: list[dict[str, Any]],
) -> dict[int, int | None]:
    """Index in ``products`` -> the existing product it is (None: a new one); products whose
    key is ambiguous are left out (and reported)."""
    targets: dict[int, int | None] = {}
    for number, product in enumerate(products):
        if product.skus:
            _check_models(product, errors)
        owners = {codes[s.sku_code][1] for s in product.skus if s.sku_code and s.sku_code in codes}
        if len(owners) > 1:
            errors.extend(
                row_error(
                    sku.line,
                    "sku_code",
                    "import.sku_code_elsewhere",
                    f"the codes of {product.title!r} belong to several products",
                )
                for sku in product.skus
                if sku.sku_code in codes
            )
            continue
        if owners:
            targets[number] = owners.pop()
            continue
        same_title = titles.get(product.title, [])
        if len(same_title) > 1:
            errors.append(
                row_error(
                    product.line,
                    "title",
                    "import.ambiguous_title",
                    f"{len(same_title)} products are titled {product.title!r}",
                )
            )
            continue
        targets[number] = same_title[0] if same_title else None
    return targets


async def plan_import(
    session: AsyncSession, parsed: ParsedProducts, options: ImportOptions
) -> tuple[list[Plan], list[dict[str, Any]]]:
    """The plan of every product, or every row error (then the plan is empty)."""
    errors = list(parsed.errors)
    products = parsed.products
    index = _category_index(await repo.list_categories(session))
    codes = await repo.skus_by_code(
        session, [s.sku_code for p in products for s in p.skus if s.sku_code]
    )
    titles = await repo.product_ids_by_title(session, [p.title for p in products])
    holders = await repo.barcode_holders_many(
        session, [s.barcode for p in products for s in p.skus if s.barcode]
    )

    targets = _find_products(products, codes, titles, errors)
    existing = {
        p.id: p
        for p in await repo.products_with_skus_many(
            session, [pid for pid in targets.values() if pid is not None]
        )
    }
    levels = await inventory.get_levels(session, [s.id for p in existing.values() for s in p.skus])
    image_checks: dict[str, tuple[str | None, str | None]] = {}
    plans: list[Plan] = []
    for number, product in enumerate(products):
        if number not in targets:
            continue
        target_id = targets[number]
        target = existing.get(target_id) if target_id is not None else None
        category_id, create_path, code = _resolve_category(product.category, index)
        if code is not None:
            errors.append(row_error(product.line, "category", code, "/".join(product.category)))
        images: list[str] = []
        for text in product.images:
            if text not in image_checks:
                image_checks[text] = _check_image(text, options)
            stored, image_error = image_checks[text]
            if image_error is not None:
                errors.append(row_error(product.line, "image", image_error, text[:100]))
            elif stored is not None:
                images.append(stored)
        sku_plans = _plan_skus(product, target, codes, holders, levels, options, errors)
        plans.append(
            {
                "line": product.line,
                "product_id": target.id if target is not None else None,
                "title": product.title,
                "category_id": category_id,
                "category_path": create_path,
                "subtitle": product.subtitle,
                "description": product.description,
                "brand": product.brand,
                "tags": product.tags,
                "images": images,
                "given": sorted(_given_fields(product)),
                "skus": sku_plans,
            }
        )
    if errors:
        return [], sorted(errors, key=lambda e: (e["row"] or 0, e["column"] or ""))
    return plans, []


def _given_fields(product: ProductRows) -> set[str]:
    given = {"category"}
    for name in ("subtitle", "description", "brand", "tags", "images"):
        if getattr(product, name):
            given.add(name)
    return given


def _plan_skus(  # noqa: PLR0917  (the lookups plan_import made once for every product)
    product: ProductRows,
    target: Any,
    codes: Mapping[str, tuple[int, int]],
    holders: Mapping[str, int],
    levels: Mapping[int, inventory.StockLevel],
    options: ImportOptions,
    errors: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    existing_skus = list(target.skus) if target is not None else []
    by_key: dict[str, Any] = {}
    for sku in sorted(existing_skus, key=lambda s: (not s.is_active, s.id)):
        by_key.setdefault(sku.spec_key, sku)
    active = [s for s in existing_skus if s.is_active]
    names = [n for n, _ in service.spec_pairs(active[0].specs)] if active else None
    plans = []
    for row in product.skus:
        match = None
        if row.sku_code and row.sku_code in codes:
            match = next(s for s in existing_skus if s.id == codes[row.sku_code][0])
        elif existing_skus:
            match = by_key.get(service.spec_key(tuple(row.specs)))
            if match is not None and match.sku_code and row.sku_code:
                errors.append(
                    row_error(
                        row.line,
                        "spec",
                        "import.duplicate_spec",
                        f"SKU {match.id} has these specs under the code {match.sku_code}",
                    )
                )
                continue
        if match is None and names is not None and [n for n, _ in row.specs] != names:
            errors.append(
                row_error(
                    row.line,
                    "spec",
                    "import.spec_names_differ",
                    f"the product's SKUs have specs ({', '.join(names) or 'none'})",
                )
            )
        writes = match is None or options.update
        if writes and row.barcode and row.barcode in holders:
            holder = holders[row.barcode]
            if match is None or holder != match.id:
                errors.append(
                    row_error(row.line, "barcode", "import.barcode_taken", f"SKU {holder}")
                )
        if match is not None and options.update:
            level = levels.get(match.id)
            if level is not None and row.stock < level.reserved:
                errors.append(
                    row_error(
                        row.line,
                        "stock",
                        "import.below_reserved",
                        f"{level.reserved} units are reserved for orders",
                    )
                )
        plans.append(_sku_plan(row, match.id if match is not None else None))
    return plans


def _sku_plan(row: SkuRow, sku_id: int | None) -> dict[str, Any]:
    return {
        "line": row.line,
        "sku_id": sku_id,
        "specs": [list(p) for p in row.specs],
        "price": row.price,
        "original_price": row.original_price,
        "stock": row.stock,
        "sku_code": row.sku_code,
        "barcode": row.barcode,
    }


def batches(plans: Sequence[Plan], rows_per_batch: int = ROWS_PER_BATCH) -> list[list[Plan]]:
    """Consecutive slices of whole products of about ``rows_per_batch`` rows each."""
    out: list[list[Plan]] = []
    current: list[Plan] = []
    rows = 0
    for plan in plans:
        current.append(plan)
        rows += len(plan["skus"])
        if rows >= rows_per_batch:
            out.append(current)
            current, rows = [], 0
    if current:
        out.append(current)
    return out


# -- step 2: write ----------------------------------------------------------------------------


async def _category_id(session: AsyncSession, plan: Plan, state: ApplyState, counts: Counts) -> int:
    if plan["category_id"] is not None:
        return int(plan["category_id"])
    path = tuple(plan["category_path"])
    if path in state.categories:
        return state.categories[path]
    # Found again here (an earlier batch or job step may have created it), else created.
    index = _category_index(await repo.list_categories(session))
    top_ids = index.get(("", path[0]) if len(path) == 2 else (path[0],), [])
    if top_ids:
        found = top_ids[0]
    else:
        found = (
            await service.create_category(session, CategoryCreate(parent_id=None, name=path[0]))
        ).id
        counts.categories_created += 1
    if len(path) == 2:
        sub_ids = index.get(path, [])
        if sub_ids:
            found = sub_ids[0]
        else:
            found = (
                await service.create_category(
                    session, CategoryCreate(parent_id=found, name=path[1])
                )
            ).id
            counts.categories_created += 1
    state.categories[path] = found
    return found


async def _image_urls(session: AsyncSession, plan: Plan, state: ApplyState) -> list[str]:
    urls = []
    for image in plan["images"]:
        if not image.startswith("file:"):
            urls.append(image)
            continue
        path = image.removeprefix("file:")
        if path not in state.images:
            if state.storage is None:  # pragma: no cover - local paths are planned with storage
                raise RuntimeError("local images need the media storage")
            data = await asyncio.to_thread(Path(path).read_bytes)
            stored = await service.save_image(session, state.storage, data)
            state.images[path] = stored.url
        urls.append(state.images[path])
    return urls


async def apply_products(
    session: AsyncSession,
    plans: Sequence[Plan],
    state: ApplyState,
    *,
    update: bool,
    batched: bool = True,
) -> Counts:
    """Write ``plans`` in the caller's transaction (flush only) and announce them. New products
    are created together (``service.create_products_rows``) and existing ones updated together
    (``service.update_products_rows``): a few statements per batch, not per product;
    ``batched=False`` writes them one by one through the console's ``create_product_rows`` and
    ``update_product`` instead (the bench's baseline). A row that fails while its batch is
    written raises ``ImportRowFailed`` naming its line (the caller rolls the batch back)."""
    counts = Counts()
    touched: list[int] = []
    barcodes: list[str] = []
    new: list[tuple[Plan, int, list[str]]] = []
    changes: list[service.ProductChange] = []
    for plan in plans:
        new_skus = any(s["sku_id"] is None for s in plan["skus"])
        if plan["product_id"] is not None and not update and not new_skus:
            counts.skus_skipped += len(plan["skus"])  # nothing of it is written: skip the images
            continue
        category_id = await _category_id(session, plan, state, counts)
        images = await _image_urls(session, plan, state)
        if plan["product_id"] is None:
            new.append((plan, category_id, images))
            touched.append(0)  # filled in below, in the file's order
        elif batched:
            changes.append(_change_of(plan, category_id, images, update=update))
            touched.append(int(plan["product_id"]))
        else:
            touched.append(
                await _update(
                    session,
                    plan,
                    category_id=category_id,
                    images=images,
                    state=state,
                    counts=counts,
                    update=update,
                )
            )
        barcodes.extend(s["barcode"] for s in plan["skus"] if s["barcode"])
    await _update_all(session, changes, state=state, counts=counts)
    created = await _create_all(session, new, state=state, counts=counts, batched=batched)
    slots = iter(created)
    touched = [product_id or next(slots) for product_id in touched]
    if touched:
        await publish(session, PRODUCTS_IMPORTED, {"product_ids": touched, "barcodes": barcodes})
    return counts


def _product_create(plan: Plan, category_id: int, images: list[str]) -> ProductCreate:
    return ProductCreate(
        category_id=category_id,
        title=plan["title"],
        subtitle=plan["subtitle"],
        description=plan["description"],
        images=images,
        status="on_sale" if images else "draft",
        skus=[
            SkuCreate(
                specs=[{"name": n, "value": v} for n, v in s["specs"]],  # type: ignore[misc]
                price=s["price"],
                original_price=s["original_price"],
                barcode=s["barcode"],
                stock=s["stock"],
            )
            for s in plan["skus"]
        ],
    )


async def _create_all(
    session: AsyncSession,
    new: Sequence[tuple[Plan, int, list[str]]],
    *,
    state: ApplyState,
    counts: Counts,
    batched: bool,
) -> list[int]:
    """Create the new products of a batch; their ids in the same order."""
    items = [
        (
            _product_create(plan, category_id, images),
            service.ProductExtras(
                brand=plan["brand"],
                tags=list(plan["tags"]),
                sku_codes=[s["sku_code"] for s in plan["skus"]],
            ),
        )
        for plan, category_id, images in new
    ]
    if batched:
        products = await service.create_products_rows(session, items, actor=state.actor)
    else:
        products = [
            await service.create_product_rows(session, data, actor=state.actor, extras=extras)
            for data, extras in items
        ]
    for plan, _, images in new:
        counts.products_created += 1
        counts.drafts += not images
        counts.skus_created += len(plan["skus"])
    return [product.id for product in products]


def _change_of(
    plan: Plan, category_id: int, images: list[str], *, update: bool
) -> service.ProductChange:
    """A plan of an existing product as ``service.ProductChange`` (columns not in the file
    are None: kept)."""
    given = set(plan["given"])
    return service.ProductChange(
        line=int(plan["line"]),
        product_id=int(plan["product_id"]),
        update=update,
        title=plan["title"],
        category_id=category_id,
        subtitle=plan["subtitle"] if "subtitle" in given else None,
        description=plan["description"] if "description" in given else None,
        images=images if "images" in given else None,
        brand=plan["brand"] if "brand" in given else None,
        tags=list(plan["tags"]) if "tags" in given else None,
        skus=[
            service.SkuChange(
                line=int(s["line"]),
                sku_id=s["sku_id"],
                specs=tuple((str(n), str(v)) for n, v in s["specs"]),
                price=int(s["price"]),
                original_price=s["original_price"],
                barcode=s["barcode"],
                sku_code=s["sku_code"],
                stock=int(s["stock"]),
            )
            for s in plan["skus"]
        ],
    )


async def _update_all(
    session: AsyncSession,
    changes: Sequence[service.ProductChange],
    *,
    state: ApplyState,
    counts: Counts,
) -> None:
    """Update a batch's existing products together, then their stock in a fixed number of
    statements: the new SKUs' rows (and existing SKUs that had none) in two, and the SKUs whose
    figure differs in two more (one conditional UPDATE, one ledger INSERT)."""
    if not changes:
        return
    written = await service.update_products_rows(session, changes, actor=state.actor)
    initial = {sku.id: row.stock for sku, row in written.new_skus}
    updated = dict(sorted(written.updated_skus, key=lambda pair: pair[0]))
    levels = await inventory.get_levels(session, list(updated))
    deltas: dict[int, int] = {}
    for sku_id, row in updated.items():
        level = levels.get(sku_id)
        if level is None:
            initial[sku_id] = row.stock
        elif row.stock != level.on_hand:
            deltas[sku_id] = row.stock - level.on_hand
    await inventory.set_initial_stocks(session, initial, actor=state.actor)
    try:
        await inventory.adjust_stocks(session, deltas, reason=STOCK_REASON, actor=state.actor)
    except ShopletError as exc:
        # The lowest SKU the update refused (an order reserved stock since the check).
        row = updated.get(exc.extra.get("sku_id", -1)) or updated[min(deltas)]
        raise ImportRowFailed(
            f"第 {row.line} 行: {exc.detail}", row=row.line, column="stock", reason=exc.code
        ) from exc
    for change in changes:
        existing = sum(s.sku_id is not None for s in change.skus)
        counts.products_updated += 1
        counts.skus_created += len(change.skus) - existing
        if change.update:
            counts.skus_updated += existing
        else:
            counts.skus_skipped += existing


async def _update(
    session: AsyncSession,
    plan: Plan,
    *,
    category_id: int,
    images: list[str],
    state: ApplyState,
    counts: Counts,
    update: bool,
) -> int:
    product_id = int(plan["product_id"])
    before = await service.get_product_admin(session, product_id)
    rows = {s["sku_id"]: s for s in plan["skus"] if s["sku_id"] is not None}
    new_rows = [s for s in plan["skus"] if s["sku_id"] is None]
    if not new_rows and not update:
        counts.skus_skipped += len(rows)
        return product_id
    skus: list[SkuUpdate] = []
    for sku in before.skus:
        row = rows.get(sku.id)
        if row is not None and update:
            skus.append(
                SkuUpdate(
                    id=sku.id,
                    specs=[{"name": x.name, "value": x.value} for x in sku.specs],  # type: ignore[misc]
                    price=row["price"],
                    original_price=row["original_price"],
                    barcode=row["barcode"] if row["barcode"] else sku.barcode,
                    weight_grams=sku.weight_grams,
                    image=sku.image,
                    is_active=True,
                )
            )
        elif sku.is_active:
            skus.append(
                SkuUpdate(
                    id=sku.id,
                    specs=[{"name": x.name, "value": x.value} for x in sku.specs],  # type: ignore[misc]
                    price=sku.price,
                    original_price=sku.original_price,
                    barcode=sku.barcode,
                    weight_grams=sku.weight_grams,
                    image=sku.image,
                )
            )
    for row in new_rows:
        skus.append(
            SkuUpdate(
                specs=[{"name": n, "value": v} for n, v in row["specs"]],  # type: ignore[misc]
                price=row["price"],
                original_price=row["original_price"],
                barcode=row["barcode"],
                stock=row["stock"],
            )
        )
    changes: dict[str, Any] = {"skus": skus}
    given = set(plan["given"])
    if update:
        changes["title"] = plan["title"]
        changes["category_id"] = category_id
        for name in ("subtitle", "description"):
            if name in given:
                changes[name] = plan[name]
        if "images" in given:
            changes["images"] = images
    # The price history (source ``import``) is written by update_product.
    after = await service.update_product(
        session,
        product_id,
        ProductUpdate(**changes),
        actor=state.actor,
        price_source=service.PRICE_SOURCE,
    )
    known = {s.id for s in before.skus}
    added = [s for s in after.skus if s.id not in known]
    codes = {
        sku.id: row["sku_code"] for sku, row in zip(added, new_rows, strict=True) if row["sku_code"]
    }
    if update:
        codes.update({sku_id: row["sku_code"] for sku_id, row in rows.items() if row["sku_code"]})
        await _set_stock(session, rows, state)
        if given & {"brand", "tags"}:
            await repo.set_product_extras(
                session,
                product_id,
                brand=plan["brand"] if "brand" in given else before.brand,
                tags=list(plan["tags"]) if "tags" in given else before.tags,
            )
        counts.skus_updated += len(rows)
    else:
        counts.skus_skipped += len(rows)
    await repo.set_sku_codes(session, codes)
    counts.products_updated += 1
    counts.skus_created += len(new_rows)
    return product_id


async def _set_stock(
    session: AsyncSession, rows: Mapping[int, dict[str, Any]], state: ApplyState
) -> None:
    levels = await inventory.get_levels(session, sorted(rows))
    for sku_id in sorted(rows):
        target = int(rows[sku_id]["stock"])
        level = levels.get(sku_id)
        if level is None:
            await inventory.set_initial_stock(
                session, sku_id=sku_id, on_hand=target, actor=state.actor
            )
        elif target != level.on_hand:
            await inventory.adjust_stock(
                session,
                sku_id=sku_id,
                delta=target - level.on_hand,
                reason=STOCK_REASON,
                actor=state.actor,
            )


# -- a whole file, in this process (the command line) -----------------------------------------

MAX_FILE_ROWS = 200_000


@dataclass(slots=True)
class ImportOutcome:
    errors: list[dict[str, Any]]
    counts: Counts
    rows: int
    products: int
    seconds: float
    # Rows written (committed) before an error: 0 when the file was refused as a whole.
    rows_written: int = 0


async def import_file(
    ctx: AppContext,
    filename: str,
    data: bytes,
    options: ImportOptions,
    *,
    actor: str,
    rows_per_batch: int = ROWS_PER_BATCH,
    on_progress: Callable[[int, int], None] | None = None,
    batched: bool = True,
) -> ImportOutcome:
    """Check the whole file, then write it ``rows_per_batch`` rows (whole products) per
    transaction, calling ``on_progress(rows_done, rows)`` after each. Raises
    ``BulkFileInvalid`` / ``BulkTooManyRows`` for a file that is not a product import."""
    started = time.perf_counter()
    parsed = parse_products(filename, data, max_rows=MAX_FILE_ROWS)
    async with read_session(ctx.sessionmaker) as session:
        plans, errors = await plan_import(session, parsed, options)
    counts = Counts()
    if errors:
        return ImportOutcome(errors, counts, parsed.rows, 0, time.perf_counter() - started)
    state = ApplyState(storage=get_storage(ctx, "media"), actor=actor)
    done = 0
    for batch in batches(plans, rows_per_batch):
        try:
            async with unit_of_work(ctx.sessionmaker) as session:
                written = await apply_products(
                    session, batch, state, update=options.update, batched=batched
                )
        except ImportRowFailed as exc:
            # The batch was rolled back; the batches before it stay (the import key makes a
            # second run finish the file).
            error = failed_row(exc)
            seconds = time.perf_counter() - started
            return ImportOutcome([error], counts, parsed.rows, len(plans), seconds, done)
        counts.add(written.as_dict())
        done += sum(len(p["skus"]) for p in batch)
        if on_progress is not None:
            on_progress(done, parsed.rows)
    seconds = time.perf_counter() - started
    return ImportOutcome([], counts, parsed.rows, len(plans), seconds, done)


# Row codes (product_import.MESSAGES, the console's errors.ts) of what can fail while writing.
_ROW_CODES = {
    "catalog.barcode_taken": "import.barcode_taken",
    "inventory.below_reserved": "import.below_reserved",
}


def failed_row(exc: ImportRowFailed) -> dict[str, Any]:
    """The row error of a batch that failed while it was written."""
    reason = str(exc.extra.get("reason", ""))
    row = exc.extra.get("row")
    return row_error(
        row if isinstance(row, int) else None,
        exc.extra.get("column"),
        _ROW_CODES.get(reason, "import.invalid_value"),
        f"{reason}: {exc.detail}",
    )
