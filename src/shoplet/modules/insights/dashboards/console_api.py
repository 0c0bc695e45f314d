"""Console routes of the dashboards (``dashboard:read``; money figures also need
``orders:read``) and of the frontline board (any role that handles one of its tiles), once and
as a live stream. Read-only, from a replica when one is configured."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import StreamingResponse

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.input_safety import MAX_ID
from shoplet.core.replicas import ReplicaDbSession
from shoplet.modules.staff.public import (
    CurrentStaff,
    PermissionDenied,
    StaffIdentity,
    require_permission,
)

from . import boards, frontline, live, service
from .schemas import BusinessBoard, FrontlineBoard, Level, SalesDashboard

router = APIRouter(tags=["console-insights"])

DashboardReader = Annotated[StaffIdentity, Depends(require_permission("dashboard:read"))]


@router.get("/insights/dashboards/{level}", responses=problem_responses(400))
async def dashboard(
    level: Level,
    staff: DashboardReader,
    session: ReplicaDbSession,
    *,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> SalesDashboard:
    """The level's tiles (this period against the one before) and the next level's rows."""
    return await service.dashboard(
        session,
        level,
        days=days,
        category_id=category_id,
        product_id=product_id,
        permissions=staff.permissions,
    )


Start = Annotated[date | None, Query(description="first shop day (default: 6 days before end)")]
End = Annotated[date | None, Query(description="last shop day, inclusive (default: today)")]
Region = Annotated[
    str | None,
    Query(pattern=r"^\d{6}$", description="a province or city code (GB/T 2260)"),
]
Channel = Annotated[
    str | None, Query(max_length=20, description="an order source: cart, buy_now, flashsale…")
]


@router.get("/insights/boards/management", responses=problem_responses(400, 404))
async def management_board(
    staff: DashboardReader,
    session: ReplicaDbSession,
    *,
    start: Start = None,
    end: End = None,
    region: Region = None,
    channel: Channel = None,
    store: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="a store's own board: its orders only")
    ] = None,
) -> BusinessBoard:
    """经营看板: GMV, paid orders, average order value, new members and repeat-purchase rate
    of the range against the one before, and the region drill (province → city → the
    stores of a city, with 线上 for the orders no store handled). With ``store``: that
    store's orders by the way they reached the shopper, and what waits at the store today
    (404 ``stores.not_found`` for no such store)."""
    return await boards.board(
        session,
        "management",
        start=start,
        end=end,
        region=region,
        channel=channel,
        store=store,
        permissions=staff.permissions,
    )


@router.get("/insights/boards/operations", responses=problem_responses(400))
async def operations_board(
    staff: DashboardReader,
    session: ReplicaDbSession,
    *,
    start: Start = None,
    end: End = None,
    region: Region = None,
    channel: Channel = None,
    stock_days: Annotated[int, Query(ge=1, le=60)] = 7,
) -> BusinessBoard:
    """运营看板: GMV, paid orders, average order value, buyers and SKUs at stock risk, the
    channel drill (order source → campaign: flash sales, group buys, bargains, crowdfunding,
    live sessions, coupons) and the SKUs forecast to run out within
    ``stock_days`` days."""
    return await boards.board(
        session,
        "operations",
        start=start,
        end=end,
        region=region,
        channel=channel,
        stock_days=stock_days,
        permissions=staff.permissions,
    )


# -- live boards -------------------------------------------------------------------------------


def _frontline_staff(staff: CurrentStaff) -> StaffIdentity:
    if not frontline.may_see(staff.permissions):
        raise PermissionDenied(
            f"Your role ({staff.role}) sees no tile of the frontline board (needs one of "
            f"{', '.join(sorted(frontline.FRONTLINE_PERMISSIONS))})"
        )
    return staff


FrontlineReader = Annotated[StaffIdentity, Depends(_frontline_staff)]


@router.get("/insights/boards/frontline", responses=problem_responses(403))
async def frontline_board(staff: FrontlineReader, session: ReplicaDbSession) -> FrontlineBoard:
    """一线看板 once: the tiles the role handles (orders to ship, the after-sales queue,
    sold-out and low stock, open alerts), each a count and the first entries to act on."""
    return await frontline.frontline_board(session, staff.permissions)


@router.get(
    "/insights/boards/frontline/stream",
    responses={
        **problem_responses(403),
        200: {
            "content": {live.MEDIA_TYPE: {"schema": {}}},
            "description": "server-sent events: `tiles` (FrontlineUpdate JSON), heartbeats",
        },
    },
    response_class=StreamingResponse,
)
async def frontline_stream(
    staff: FrontlineReader, session: DbSession, request: Request, ctx: Ctx
) -> StreamingResponse:
    """一线看板 live (``text/event-stream``): every tile first, then only the tiles that
    changed, re-read every few seconds; heartbeats between; ends after a few minutes (open it
    again)."""
    # The sign-in check is done: give its connection back now, not when the stream ends. Each
    # read of the stream takes a short session of its own.
    await session.close()
    return StreamingResponse(
        live.frontline_events(ctx, staff.permissions, is_disconnected=request.is_disconnected),
        media_type=live.MEDIA_TYPE,
        headers=live.HEADERS,
    )
