"""Console routes over the catalog and inventory: categories, products, SKU stock.

Thin: each route checks a permission, calls the owning module's ``public.py`` and appends an
audit entry in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.catalog import public as catalog
from shoplet.modules.catalog.public import (
    Category,
    CategoryCreate,
    CategoryUpdate,
    ProductAdmin,
    ProductCreate,
    ProductUpdate,
)
from shoplet.modules.inventory import public as inventory
from shoplet.modules.inventory.public import LedgerEntry

from .auth import StaffIdentity, record_audit, require_permission
from .schemas import ProductStatusChange, StockAdjustment, StockLevelOut

router = APIRouter()

ProductReader = Annotated[StaffIdentity, Depends(require_permission("products:read"))]
ProductWriter = Annotated[StaffIdentity, Depends(require_permission("products:write"))]
StockAdjuster = Annotated[StaffIdentity, Depends(require_permission("stock:adjust"))]
ProductId = PathId
SkuId = PathId
CategoryId = PathId


def actor_of(staff: StaffIdentity) -> str:
    """How other modules' ledgers name a console actor."""
    return f"staff:{staff.id}"


@router.get("/categories")
async def list_categories(_: ProductReader, session: DbSession) -> list[Category]:
    """Every category (active or not) as a tree: top level with children."""
    return await catalog.list_categories(session)


@router.post(
    "/categories", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 404)
)
async def create_category(
    body: CategoryCreate, staff: ProductWriter, request: Request, session: DbSession
) -> Category:
    """Create a category (top level, or under a top-level one)."""
    category = await catalog.create_category(session, body)
    await record_audit(
        session,
        staff,
        "category.create",
        f"category:{category.id}",
        body.model_dump(mode="json"),
        request,
    )
    return category


@router.patch("/categories/{category_id}", responses=problem_responses(400, 404))
async def update_category(
    category_id: CategoryId,
    body: CategoryUpdate,
    staff: ProductWriter,
    request: Request,
    session: DbSession,
) -> Category:
    """Rename, reorder, change the icon of, or hide a category."""
    category = await catalog.update_category(session, category_id, body)
    await record_audit(
        session,
        staff,
        "category.update",
        f"category:{category_id}",
        body.model_dump(mode="json", exclude_unset=True),
        request,
    )
    return category


@router.get("/products", responses=problem_responses(400, 404))
async def list_products(
    _: ProductReader,
    session: DbSession,
    *,
    q: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    product_status: Annotated[catalog.ProductStatus | None, Query(alias="status")] = None,
    category_id: QueryId = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ProductAdmin]:
    """Every product in any status, newest first; filter by keyword, status, category."""
    items, next_cursor = await catalog.list_products_admin(
        session, q=q, status=product_status, category_id=category_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/products", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 404, 409)
)
async def create_product(
    body: ProductCreate, staff: ProductWriter, request: Request, session: DbSession
) -> ProductAdmin:
    """Create a product with its SKU matrix and initial stock."""
    product = await catalog.create_product(session, body, actor=actor_of(staff))
    await record_audit(
        session,
        staff,
        "product.create",
        f"product:{product.id}",
        {
            "title": product.title,
            "status": product.status,
            "category_id": product.category_id,
            "sku_ids": [s.id for s in product.skus],
        },
        request,
    )
    return product


@router.get("/products/{product_id}", responses=problem_responses(404))
async def get_product(product_id: ProductId, _: ProductReader, session: DbSession) -> ProductAdmin:
    """One product in any status, with every SKU and its stock."""
    return await catalog.get_product_admin(session, product_id)


@router.patch("/products/{product_id}", responses=problem_responses(400, 404, 409))
async def update_product(
    product_id: ProductId,
    body: ProductUpdate,
    staff: ProductWriter,
    request: Request,
    session: DbSession,
) -> ProductAdmin:
    """Change the fields given; ``skus``, when given, is the complete SKU list."""
    product = await catalog.update_product(session, product_id, body, actor=actor_of(staff))
    changed = sorted(body.model_dump(exclude_unset=True))
    await record_audit(
        session,
        staff,
        "product.update",
        f"product:{product_id}",
        {"fields": changed, "status": product.status, "sku_ids": [s.id for s in product.skus]},
        request,
    )
    return product


@router.post("/products/{product_id}/status", responses=problem_responses(400, 404))
async def set_product_status(
    product_id: ProductId,
    body: ProductStatusChange,
    staff: ProductWriter,
    request: Request,
    session: DbSession,
) -> ProductAdmin:
    """Publish (``on_sale``), withdraw (``off_sale``) or send back to ``draft``."""
    before = await catalog.get_product_admin(session, product_id)
    product = await catalog.set_product_status(
        session, product_id, body.status, actor=actor_of(staff)
    )
    await record_audit(
        session,
        staff,
        "product.status",
        f"product:{product_id}",
        {"from": before.status, "to": product.status},
        request,
    )
    return product


@router.post(
    "/skus/{sku_id}/stock-adjustments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 404, 409),
)
async def adjust_stock(
    sku_id: SkuId,
    body: StockAdjustment,
    staff: StockAdjuster,
    request: Request,
    session: DbSession,
) -> StockLevelOut:
    """Add or remove units on hand (a stock take, damage, a delivery), with a reason."""
    level = await inventory.adjust_stock(
        session, sku_id=sku_id, delta=body.delta, reason=body.reason, actor=actor_of(staff)
    )
    await record_audit(
        session,
        staff,
        "stock.adjust",
        f"sku:{sku_id}",
        {"delta": body.delta, "reason": body.reason, "on_hand": level.on_hand},
        request,
    )
    return StockLevelOut.model_validate(level)


@router.get("/skus/{sku_id}/ledger", responses=problem_responses(400))
async def stock_ledger(
    sku_id: SkuId,
    _: ProductReader,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[LedgerEntry]:
    """Every stock movement of one SKU, newest first."""
    entries, next_cursor = await inventory.list_ledger(
        session, sku_id=sku_id, cursor=cursor, limit=limit
    )
    return Page(items=entries, next_cursor=next_cursor)
