"""Console routes of the inventory: stock adjustments and the stock ledger of a SKU.

Thin: each route checks a permission (``staff.public``), calls the service and appends an audit
entry in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import service as inventory
from .schemas import LedgerEntry, StockAdjustment, StockLevelOut

router = APIRouter()

ProductReader = Annotated[StaffIdentity, Depends(require_permission("products:read"))]
StockAdjuster = Annotated[StaffIdentity, Depends(require_permission("stock:adjust"))]
SkuId = PathId


def actor_of(staff: StaffIdentity) -> str:
    """How the stock ledger names a console actor."""
    return f"staff:{staff.id}"


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
        origin_of(request),
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
