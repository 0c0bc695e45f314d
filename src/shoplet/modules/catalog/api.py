"""Storefront catalog routes (public, no auth). Management routes live in the console module."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.modules.catalog import service
from shoplet.modules.catalog.schemas import (
    MAX_ID,
    BarcodeMatch,
    Category,
    ProductDetail,
    ProductPage,
    ProductSort,
)

router = APIRouter(tags=["catalog"])

MAX_PRICE = 10_000_000_000


@router.get("/categories", response_model=list[Category])
async def list_categories(session: DbSession) -> list[Category]:
    """Active categories as a tree: top level with their children."""
    return await service.list_categories(session, active_only=True)


@router.get("/products", response_model=ProductPage, responses=problem_responses(400, 404))
async def list_products(
    session: DbSession,
    *,
    category_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="a top-level category includes children")
    ] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="fen")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="fen")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=50, description="keyword in title/subtitle")
    ] = None,
    sort: ProductSort = "default",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> ProductPage:
    """List products on sale."""
    return await service.list_products(
        session,
        category_id=category_id,
        min_price=min_price,
        max_price=max_price,
        q=q,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/products/by-barcode/{code}",
    response_model=BarcodeMatch,
    responses=problem_responses(404),
)
async def get_product_by_barcode(
    session: DbSession,
    code: Annotated[str, Path(pattern=r"^\d{8,14}$", description="EAN-8/13, UPC-A or GTIN-14")],
) -> BarcodeMatch:
    """Find the product (and SKU) for a scanned barcode."""
    return await service.get_product_by_barcode(session, code)


@router.get(
    "/products/{product_id}", response_model=ProductDetail, responses=problem_responses(404)
)
async def get_product(
    session: DbSession, product_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> ProductDetail:
    """Product detail with specs, SKUs and their available stock."""
    return await service.get_product_detail(session, product_id)
