"""Console routes of live sessions (直播): list, create and edit sessions, and the control room
(控制台): start and end, the shelf, 讲解 (the product presented now), push a coupon, mute or ban
a shopper, metrics, and the control room's WebSocket. Every route needs ``live:manage``; status
changes, coupon pushes and restrictions are audited."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, WebSocket, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

from . import service, sockets
from .hub import hub_of
from .schemas import (
    LiveControl,
    LiveCouponOut,
    LiveCouponPush,
    LiveExplainBody,
    LiveMetrics,
    LiveRecording,
    LiveReplayPublish,
    LiveRestrictBody,
    LiveRestriction,
    LiveSession,
    LiveSessionCreate,
    LiveSessionPage,
    LiveSessionUpdate,
    LiveShelfBody,
    LiveShelfProduct,
)

router = APIRouter(tags=["console-live"])

Operator = Annotated[StaffIdentity, Depends(require_permission(service.PERMISSION))]


@router.get("/live/sessions", responses=problem_responses(400))
async def sessions(
    _: Operator,
    session: DbSession,
    tab: Annotated[Literal["upcoming", "live", "replay"] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> LiveSessionPage:
    return await service.list_sessions(session, tab=tab, cursor=cursor)


@router.post(
    "/live/sessions", status_code=status.HTTP_201_CREATED, responses=problem_responses(422)
)
async def create(
    body: LiveSessionCreate, staff: Operator, request: Request, session: DbSession, ctx: Ctx
) -> LiveSession:
    """Schedule a session (422 ``live.session_invalid``)."""
    created = await service.create_session(session, ctx, body)
    await record_audit(
        session, staff, "live.create", f"live_session:{created.id}", {}, origin_of(request)
    )
    return created


@router.get("/live/sessions/{session_id}", responses=problem_responses(404))
async def get(session_id: PathId, _: Operator, session: DbSession) -> LiveSession:
    return await service.get_session(session, session_id)


@router.put("/live/sessions/{session_id}", responses=problem_responses(404, 422))
async def update(
    session_id: PathId, body: LiveSessionUpdate, _: Operator, session: DbSession, ctx: Ctx
) -> LiveSession:
    """Edit the title, anchor, time, cover, room and replay URL."""
    return await service.update_session(session, hub_of(ctx), session_id=session_id, body=body)


@router.get("/live/sessions/{session_id}/control", responses=problem_responses(404))
async def control(
    session_id: PathId, _: Operator, session: DbSession, ctx: Ctx, response: Response
) -> LiveControl:
    """The control room: the session, shelf, push URL, metrics, latest comments, restrictions
    and pushed coupons."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.control(session, ctx, hub_of(ctx), session_id=session_id)


@router.post("/live/sessions/{session_id}/start", responses=problem_responses(404, 409))
async def start(
    session_id: PathId, staff: Operator, request: Request, session: DbSession, ctx: Ctx
) -> LiveSession:
    """开播 (409 ``live.wrong_status`` unless scheduled)."""
    result = await service.start(session, hub_of(ctx), session_id=session_id)
    await record_audit(
        session, staff, "live.start", f"live_session:{session_id}", {}, origin_of(request)
    )
    return result


@router.post("/live/sessions/{session_id}/end", responses=problem_responses(404, 409))
async def end(
    session_id: PathId, staff: Operator, request: Request, session: DbSession, ctx: Ctx
) -> LiveSession:
    """下播 (409 ``live.wrong_status`` unless live)."""
    result = await service.end(session, hub_of(ctx), session_id=session_id)
    await record_audit(
        session, staff, "live.end", f"live_session:{session_id}", {}, origin_of(request)
    )
    return result


@router.put("/live/sessions/{session_id}/shelf", responses=problem_responses(404, 409, 422))
async def set_shelf(
    session_id: PathId, body: LiveShelfBody, _: Operator, session: DbSession, ctx: Ctx
) -> list[LiveShelfProduct]:
    """The whole shelf in order, with live prices (422 ``live.product_invalid``)."""
    return await service.set_shelf(session, hub_of(ctx), session_id=session_id, body=body)


@router.post("/live/sessions/{session_id}/explain", responses=problem_responses(404, 409, 422))
async def explain(
    session_id: PathId, body: LiveExplainBody, _: Operator, session: DbSession, ctx: Ctx
) -> LiveSession:
    """讲解: the shelf product presented now, or null (422 ``live.not_on_shelf``)."""
    return await service.explain(
        session, hub_of(ctx), session_id=session_id, product_id=body.product_id
    )


@router.post(
    "/live/sessions/{session_id}/coupons",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409, 422),
)
async def push_coupon(
    *,
    session_id: PathId,
    body: LiveCouponPush,
    staff: Operator,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> LiveCouponOut:
    """推券: an active coupon template, claimable in the room (422 ``live.coupon_invalid``)."""
    result = await service.push_coupon(
        session,
        hub_of(ctx),
        session_id=session_id,
        template_id=body.template_id,
        staff_id=staff.id,
    )
    await record_audit(
        session,
        staff,
        "live.push_coupon",
        f"live_session:{session_id}",
        {"template_id": body.template_id},
        origin_of(request),
    )
    return result


@router.post(
    "/live/sessions/{session_id}/restrictions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 422),
)
async def restrict(
    *,
    session_id: PathId,
    body: LiveRestrictBody,
    staff: Operator,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> LiveRestriction:
    """禁言 (mute) or 拉黑 (ban) a shopper in this session (422 ``live.member_invalid``)."""
    result = await service.restrict(
        session,
        hub_of(ctx),
        session_id=session_id,
        member_id=body.member_id,
        kind=body.kind,
        staff_id=staff.id,
    )
    await record_audit(
        session,
        staff,
        f"live.{body.kind}",
        f"live_session:{session_id}",
        {"member_id": body.member_id},
        origin_of(request),
    )
    return result


@router.delete(
    "/live/sessions/{session_id}/restrictions/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def lift(
    *,
    session_id: PathId,
    member_id: PathId,
    staff: Operator,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    kind: Annotated[Literal["mute", "ban"], Query()] = "mute",
) -> None:
    """Lift a mute or a ban."""
    await service.lift(session, hub_of(ctx), session_id=session_id, member_id=member_id, kind=kind)
    await record_audit(
        session,
        staff,
        f"live.lift_{kind}",
        f"live_session:{session_id}",
        {"member_id": member_id},
        origin_of(request),
    )


@router.get("/live/sessions/{session_id}/metrics", responses=problem_responses(404))
async def metrics(
    session_id: PathId, _: Operator, session: DbSession, ctx: Ctx, response: Response
) -> LiveMetrics:
    """Online now, peak, distinct viewers, likes, comments, subscribers and attributed sales."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.metrics(session, hub_of(ctx), session_id=session_id)


@router.get("/live/sessions/{session_id}/recording", responses=problem_responses(404))
async def recording(
    session_id: PathId, _: Operator, session: DbSession, response: Response
) -> LiveRecording:
    """The replay as recorded: 录制中 / 已生成 / 无回放, segments, duration and size."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.recording_of(session, session_id)


@router.put("/live/sessions/{session_id}/replay", responses=problem_responses(404, 409))
async def publish_replay(
    session_id: PathId,
    body: LiveReplayPublish,
    staff: Operator,
    request: Request,
    session: DbSession,
) -> LiveRecording:
    """Publish or hide the recorded replay (409 ``live.no_replay`` unless 已生成)."""
    result = await service.publish_replay(
        session, session_id=session_id, is_published=body.is_published
    )
    await record_audit(
        session,
        staff,
        "live.publish_replay" if body.is_published else "live.hide_replay",
        f"live_session:{session_id}",
        {},
        origin_of(request),
    )
    return result


@router.websocket("/live/sessions/{session_id}/ws")
async def control_socket(websocket: WebSocket, session_id: int) -> None:
    """The control room's feed (frames in ``live/sockets.py``; ``live:manage`` required)."""
    await sockets.serve_staff(websocket, session_id)
