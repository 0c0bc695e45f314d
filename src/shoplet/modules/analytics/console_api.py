"""Console routes of analytics, all under ``analytics:view``: RFM 客户分层 (the class figures
and scatter points, a class's customers by keyset, a member's RFM, 重新计算 (a queued run and
its progress), the CSV export, and the history import (every row checked first; 400 with the
bad line and nothing written)); the event reports (漏斗分析 funnels with their CSV, 留存分析
weekly retention, 事件分析 the events explorer with its CSV). Runs, imports, exports are
audited. A member's event deletion takes ``pii:reveal`` (owners) and is audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.modules.analytics import explorer, service
from shoplet.modules.analytics.behaviour.console_api import router as behaviour_router
from shoplet.modules.analytics.errors import HistoryInvalid
from shoplet.modules.analytics.profiles.console_api import router as profiles_router
from shoplet.modules.analytics.replay import service as replay_service
from shoplet.modules.analytics.replay.console_api import router as replay_router
from shoplet.modules.analytics.schemas import (
    EventDeletion,
    EventName,
    EventRow,
    EventTrend,
    FunnelQuery,
    FunnelResult,
    HistoryImport,
    Platform,
    RetentionResult,
    RfmClass,
    RfmCustomer,
    RfmRun,
    RfmSummary,
)
from shoplet.modules.staff.public import (
    PII_REVEAL,
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

router = APIRouter(tags=["console-analytics"])
router.include_router(behaviour_router)  # 归因分析, 路径分析, 实时概览, drop-offs
router.include_router(replay_router)  # 会话回放, 点击热力图

AnalyticsViewer = Annotated[StaffIdentity, Depends(require_permission("analytics:view"))]
PiiOwner = Annotated[StaffIdentity, Depends(require_permission(PII_REVEAL))]


@router.get("/analytics/rfm")
async def rfm_summary(_: AnalyticsViewer, session: DbSession) -> RfmSummary:
    """Customers and spend per RFM class (the eight classes, always), the scatter's points and
    the last computation."""
    return await service.summary(session)


@router.get("/analytics/rfm/customers", responses=problem_responses(400))
async def rfm_customers(
    *,
    _: AnalyticsViewer,
    session: DbSession,
    rfm_class: RfmClass,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[RfmCustomer]:
    """A class's customers, the biggest spenders first (keyset cursor)."""
    items, next_cursor = await service.list_class(session, rfm_class, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/analytics/rfm/members/{member_id}", responses=problem_responses(404))
async def member_rfm(member_id: PathId, _: AnalyticsViewer, session: DbSession) -> RfmCustomer:
    """A member's RFM, CLV and P(alive) as of the last run (404 ``analytics.rfm_not_found``
    when the member had no purchase then)."""
    return await service.member_rfm(session, member_id)


@router.post("/analytics/rfm/runs", status_code=status.HTTP_202_ACCEPTED)
async def request_run(staff: AnalyticsViewer, request: Request, session: DbSession) -> RfmRun:
    """重新计算: queue a computation (or return the one already queued or running); the
    worker picks it up within seconds, poll its progress."""
    run, created = await service.request_run(session, trigger="console", staff_id=staff.id)
    if created:
        await record_audit(
            session, staff, "analytics.rfm_run", f"rfm_run:{run.id}", None, origin_of(request)
        )
    return run


@router.get("/analytics/rfm/runs/{run_id}", responses=problem_responses(404))
async def get_run(run_id: PathId, _: AnalyticsViewer, session: DbSession) -> RfmRun:
    """A computation's status and progress (customers written of ``total``)."""
    return await service.get_run(session, run_id)


@router.get(
    "/analytics/rfm/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "every customer's RFM"}},
)
async def export_rfm(staff: AnalyticsViewer, request: Request, session: DbSession) -> Response:
    """Every customer's class, scores, both conventions' figures, P(alive) and CLV as CSV
    (amounts in yuan)."""
    text = await service.export_csv(session)
    await record_audit(session, staff, "analytics.rfm_export", None, None, origin_of(request))
    return Response(
        content=text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rfm.csv"'},
    )


@router.post(
    "/analytics/history-imports",
    responses=problem_responses(400, 413),
    openapi_extra=upload_body(
        "CSV (UTF-8 or GBK) with the header customer_id,date,amount (YYYY-MM-DD, yuan); "
        "at most 20 MB"
    ),
    max_body_size=service.MAX_HISTORY_BYTES + MULTIPART_OVERHEAD,
)
async def import_history(
    staff: AnalyticsViewer, request: Request, session: DbSession
) -> HistoryImport:
    """Import purchase history from another platform, for RFM to start from it (400
    ``analytics.history_invalid`` with the first bad ``line``; nothing written)."""
    upload = await read_upload(
        request,
        service.MAX_HISTORY_BYTES,
        too_large=lambda: HistoryInvalid("the file is larger than 20 MB", line=0),
        invalid=lambda detail: HistoryInvalid(detail, line=0),
    )
    result = await service.import_history(session, upload.data, source=f"console:{upload.filename}")
    await record_audit(
        session,
        staff,
        "analytics.history_import",
        None,
        {"filename": upload.filename[:100], "rows": result.rows, "customers": result.customers},
        origin_of(request),
    )
    return result


@router.post("/analytics/funnels", responses=problem_responses(400))
async def funnel(query: FunnelQuery, _: AnalyticsViewer, ctx: Ctx) -> FunnelResult:
    """漏斗分析: persons reaching each ordered step within the window (shop days
    ``date_from..date_to``), conversion and drop-off, optionally per platform, channel, region
    (province of the default address), segment (``segment_id``) or experiment arm
    (``experiment_id``); 400 ``analytics.breakdown_target_missing`` when the id is missing or
    does not go with the breakdown, ``analytics.breakdown_target_unknown`` when there is no such
    segment or experiment."""
    return await service.funnel(ctx, query)


@router.post(
    "/analytics/funnels/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the funnel's steps per group"},
        **problem_responses(400),
    },
)
async def export_funnel(
    query: FunnelQuery, staff: AnalyticsViewer, ctx: Ctx, request: Request, session: DbSession
) -> Response:
    """The same funnel as CSV (group, step, event, persons, conversion, drop-off)."""
    text = service.funnel_csv(await service.funnel(ctx, query))
    await record_audit(session, staff, "analytics.funnel_export", None, None, origin_of(request))
    return Response(
        content=text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="funnel.csv"'},
    )


@router.get("/analytics/retention", responses=problem_responses(400))
async def retention(
    _: AnalyticsViewer,
    ctx: Ctx,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    weeks: Annotated[int, Query(ge=1, le=26)] = 8,
) -> RetentionResult:
    """留存分析: weekly cohorts (first event's week) and the persons active in each following
    week."""
    return await service.retention(ctx, date_from, date_to, weeks)


def event_filter(
    *,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    event: Annotated[list[EventName] | None, Query(max_length=12)] = None,
    platform: Annotated[Platform | None, Query()] = None,
    page: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    member_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    anonymous_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{8,64}$")] = None,
) -> explorer.EventFilter:
    """The explorer's filters: shop days, events (any number, none: all), platform, a page
    path prefix, a member (their devices' events merged in) or a device."""
    return explorer.EventFilter(
        first=date_from,
        last=date_to,
        events=tuple(event or ()),
        platform=platform,
        page=page,
        member_id=member_id,
        anonymous_id=anonymous_id,
    )


EventFilterQuery = Annotated[explorer.EventFilter, Depends(event_filter)]


@router.get("/analytics/events/trend", responses=problem_responses(400))
async def event_trend(_: AnalyticsViewer, ctx: Ctx, f: EventFilterQuery) -> EventTrend:
    """事件分析: events and distinct persons per shop day and event over ``date_from..date_to``
    (at most 366 days; 400 ``analytics.invalid_query``)."""
    return await service.event_trend(ctx, f)


@router.get("/analytics/events", responses=problem_responses(400))
async def list_events(
    _: AnalyticsViewer,
    ctx: Ctx,
    f: EventFilterQuery,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[EventRow]:
    """事件分析: the tracked events themselves, newest first (keyset; 400
    ``pagination.invalid_cursor`` for a cursor this API did not issue)."""
    return await service.event_list(ctx, f, cursor=cursor, limit=limit)


@router.get(
    "/analytics/events/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the newest 10,000 matching events"},
        **problem_responses(400),
    },
)
async def export_events(
    staff: AnalyticsViewer, ctx: Ctx, f: EventFilterQuery, request: Request, session: DbSession
) -> Response:
    """The same events as CSV (the newest 10,000), audited as ``analytics.events_export``."""
    text, rows = await service.event_csv(ctx, f)
    await record_audit(
        session,
        staff,
        "analytics.events_export",
        None,
        {"rows": rows, "date_from": f.first.isoformat(), "date_to": f.last.isoformat()},
        origin_of(request),
    )
    return Response(
        content=text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="events.csv"'},
    )


@router.post(
    "/analytics/members/{member_id}/event-deletions", responses=problem_responses(403, 503)
)
async def delete_member_events(
    member_id: PathId, staff: PiiOwner, ctx: Ctx, request: Request, session: DbSession
) -> EventDeletion:
    """A member's deletion request: their tracking events (and the anonymous ones merged into
    them) are removed from the event store, and their session recordings deleted (503
    ``analytics.event_store_unavailable`` when the ClickHouse server of the cluster path does
    not answer; nothing is deleted then)."""
    result = await service.delete_member_events(ctx, member_id)
    result.replays_removed = await replay_service.delete_member(session, member_id)
    await record_audit(
        session,
        staff,
        "analytics.events_deleted",
        f"member:{member_id}",
        {"removed": result.removed, "replays_removed": result.replays_removed},
        origin_of(request),
    )
    return result


router.include_router(profiles_router)
