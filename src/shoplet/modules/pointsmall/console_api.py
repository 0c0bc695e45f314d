"""Console routes of the points mall: the items on offer (list by status, create, edit, put on
and off sale). Thin: each route checks ``loyalty:manage`` (the mall is part of the points
programme), calls the service and appends an audit entry for every change in the same
transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.pointsmall import service
from shoplet.modules.pointsmall.schemas import (
    ItemStatus,
    MallItem,
    MallItemStatusChange,
    MallItemWrite,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-points-mall"])

MallManager = Annotated[StaffIdentity, Depends(require_permission("loyalty:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/points-mall/items", responses=problem_responses(400))
async def list_items(
    _: MallManager,
    session: DbSession,
    status: ItemStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[MallItem]:
    """Items by the shop's order (``sort`` descending, newest first); ``status`` filters."""
    items, next_cursor = await service.list_items(
        session, statuses=[status] if status else None, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/points-mall/items/{item_id}", responses=problem_responses(404))
async def get_item(item_id: PathId, _: MallManager, session: DbSession) -> MallItem:
    """One item with what is left of its stock."""
    return await service.get_item(session, item_id)


@router.post(
    "/points-mall/items",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 404),
)
async def create_item(
    body: MallItemWrite, staff: MallManager, request: Request, session: DbSession
) -> MallItem:
    """A new item, as a draft."""
    item = await service.create_item(session, body)
    await record_audit(
        session,
        staff,
        "pointsmall.item_create",
        f"pointsmall_item:{item.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return item


@router.put("/points-mall/items/{item_id}", responses=problem_responses(400, 404))
async def update_item(
    item_id: PathId, body: MallItemWrite, staff: MallManager, request: Request, session: DbSession
) -> MallItem:
    """Replace an item's terms (stock never below what was exchanged)."""
    item = await service.update_item(session, item_id, body)
    await record_audit(
        session,
        staff,
        "pointsmall.item_update",
        f"pointsmall_item:{item_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return item


@router.post("/points-mall/items/{item_id}/status", responses=problem_responses(404))
async def set_item_status(
    item_id: PathId,
    body: MallItemStatusChange,
    staff: MallManager,
    request: Request,
    session: DbSession,
) -> MallItem:
    """Put an item on sale, take it off sale, or back to draft."""
    item = await service.set_status(session, item_id, body.status)
    await record_audit(
        session,
        staff,
        "pointsmall.item_status",
        f"pointsmall_item:{item_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return item
