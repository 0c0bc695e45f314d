"""Console routes of session replay and heatmaps (``analytics:view``): 会话回放 (recordings by
member, page, day and JavaScript error; one recording's rrweb events, audited; the errors met
most), 点击热力图 (clicks per page) and 滚动深度 (how far down a page visits scrolled)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.analytics.replay import service
from shoplet.modules.analytics.replay.schemas import (
    ErrorSummary,
    Heatmap,
    HeatmapPage,
    ReplayDetail,
    ReplaySessionOut,
    ScrollMap,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-analytics"])

AnalyticsViewer = Annotated[StaffIdentity, Depends(require_permission("analytics:view"))]
PageQuery = Annotated[str, Query(min_length=1, max_length=200)]
# Whose taps and depths: the H5 store's, the mini program's, or (none given) both.
PlatformQuery = Annotated[Literal["h5", "mp-weixin"] | None, Query()]


@router.get("/analytics/replays", responses=problem_responses(400))
async def list_replays(
    *,
    _: AnalyticsViewer,
    session: DbSession,
    member_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    page: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    error: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    with_errors: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ReplaySessionOut]:
    """会话回放: recordings newest first, by member, page, shop days and JavaScript errors
    (``with_errors``: any; ``error``: one whose message holds this text, any case) — keyset
    cursor."""
    items, next_cursor = await service.list_sessions(
        session,
        member_id=member_id,
        page=page,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        limit=limit,
        error=error,
        with_errors=with_errors,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/analytics/replays/errors")
async def replay_errors(
    _: AnalyticsViewer,
    session: DbSession,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[ErrorSummary]:
    """页面错误: the 50 JavaScript error messages met by the most recordings."""
    return await service.error_summary(session, date_from, date_to)


@router.get("/analytics/replays/{replay_id}", responses=problem_responses(404))
async def get_replay(
    replay_id: PathId, staff: AnalyticsViewer, request: Request, session: DbSession
) -> ReplayDetail:
    """One recording with its rrweb events in order (audited: a shopper's visit is watched)."""
    result = await service.detail(session, replay_id)
    await record_audit(
        session, staff, "analytics.replay_view", f"replay:{replay_id}", None, origin_of(request)
    )
    return result


@router.get("/analytics/heatmap")
async def heatmap(
    _: AnalyticsViewer,
    session: DbSession,
    page: PageQuery,
    date_from: date | None = None,
    date_to: date | None = None,
    platform: PlatformQuery = None,
) -> Heatmap:
    """点击热力图: clicks (H5) and taps (mini program) on a page per cell (x in permille of the
    width, y in px at 375 px, a mini-program tap placed as on the H5 page)."""
    return await service.heatmap(session, page, date_from, date_to, platform)


@router.get("/analytics/scrollmap")
async def scroll_map(
    _: AnalyticsViewer,
    session: DbSession,
    page: PageQuery,
    date_from: date | None = None,
    date_to: date | None = None,
    platform: PlatformQuery = None,
) -> ScrollMap:
    """滚动深度: the share of a page's visits that reached each 100 px band (at 375 px)."""
    return await service.scroll_map(session, page, date_from, date_to, platform)


@router.get("/analytics/heatmap/pages")
async def heatmap_pages(
    _: AnalyticsViewer,
    session: DbSession,
    date_from: date | None = None,
    date_to: date | None = None,
    platform: PlatformQuery = None,
) -> list[HeatmapPage]:
    """The 100 most clicked pages."""
    return await service.heatmap_pages(session, date_from, date_to, platform)
