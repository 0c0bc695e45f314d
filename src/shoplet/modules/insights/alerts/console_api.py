"""Console routes of metric alerts (``insights:alerts``): metrics, monitors (create, edit,
silence, recent checks), channels (create, edit, 发送测试消息), incidents (list, detail with
timeline and notifications, acknowledge, resolve, comment) and the inbox's unread count. Every
change is audited in its transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import service
from .schemas import (
    AlertChannel,
    AlertChannelWrite,
    AlertCheck,
    AlertComment,
    AlertInbox,
    AlertInboxRead,
    AlertIncident,
    AlertIncidentAction,
    AlertIncidentDetail,
    AlertMetric,
    AlertMonitor,
    AlertMonitorWrite,
    AlertSilence,
    AlertTestResult,
    IncidentStatus,
)

router = APIRouter(tags=["console-alerts"])

AlertManager = Annotated[StaffIdentity, Depends(require_permission("insights:alerts"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
PREFIX = "/insights/alerts"


async def _audit(  # noqa: PLR0917
    session: DbSession,
    staff: StaffIdentity,
    request: Request,
    action: str,
    target: str,
    detail: dict[str, object],
) -> None:
    await record_audit(
        session, staff, f"insights.alert_{action}", target, detail, origin_of(request)
    )


@router.get(f"{PREFIX}/metrics")
def list_metrics(_: AlertManager) -> list[AlertMetric]:
    """The metrics a monitor can watch."""
    return service.metrics()


@router.get(f"{PREFIX}/monitors")
async def list_monitors(_: AlertManager, session: DbSession) -> list[AlertMonitor]:
    """Every monitor, with its open incident if any."""
    return await service.list_monitors(session)


@router.post(
    f"{PREFIX}/monitors", status_code=status.HTTP_201_CREATED, responses=problem_responses(400)
)
async def create_monitor(
    body: AlertMonitorWrite, staff: AlertManager, session: DbSession, request: Request
) -> AlertMonitor:
    """A new monitor (400 ``insights.alert_metric_unknown``, ``insights.alert_rule_invalid``,
    ``insights.alert_channel_unknown``)."""
    monitor = await service.create_monitor(session, body, staff_id=staff.id)
    await _audit(
        session, staff, request, "monitor_create", f"monitor:{monitor.id}", {"name": body.name}
    )
    return monitor


@router.get(f"{PREFIX}/monitors/{{monitor_id}}", responses=problem_responses(404))
async def get_monitor(monitor_id: PathId, _: AlertManager, session: DbSession) -> AlertMonitor:
    """One monitor."""
    return await service.get_monitor(session, monitor_id)


@router.put(f"{PREFIX}/monitors/{{monitor_id}}", responses=problem_responses(400, 404))
async def update_monitor(
    monitor_id: PathId,
    body: AlertMonitorWrite,
    staff: AlertManager,
    session: DbSession,
    request: Request,
) -> AlertMonitor:
    """Edit a monitor (the same 400 codes as creating one)."""
    monitor = await service.update_monitor(session, monitor_id, body)
    await _audit(
        session, staff, request, "monitor_update", f"monitor:{monitor_id}", {"name": body.name}
    )
    return monitor


@router.post(f"{PREFIX}/monitors/{{monitor_id}}/silence", responses=problem_responses(400, 404))
async def silence_monitor(
    monitor_id: PathId,
    body: AlertSilence,
    staff: AlertManager,
    session: DbSession,
    request: Request,
) -> AlertMonitor:
    """Mute a monitor until a time (no incident opens, nothing is sent), or lift it with null
    (400 ``insights.alert_silence_invalid``)."""
    monitor = await service.silence_monitor(session, monitor_id, body.until)
    until = body.until.isoformat() if body.until else None
    await _audit(
        session, staff, request, "monitor_silence", f"monitor:{monitor_id}", {"until": until}
    )
    return monitor


@router.get(f"{PREFIX}/monitors/{{monitor_id}}/checks", responses=problem_responses(404))
async def monitor_checks(
    monitor_id: PathId, _: AlertManager, session: DbSession, limit: Limit = 48
) -> list[AlertCheck]:
    """The monitor's latest evaluations, oldest first (for its chart)."""
    return await service.monitor_checks(session, monitor_id, limit)


@router.get(f"{PREFIX}/channels")
async def list_channels(_: AlertManager, session: DbSession) -> list[AlertChannel]:
    """Every channel (secrets never shown: only their last four characters)."""
    return await service.list_channels(session)


@router.post(
    f"{PREFIX}/channels", status_code=status.HTTP_201_CREATED, responses=problem_responses(400)
)
async def create_channel(
    body: AlertChannelWrite, staff: AlertManager, ctx: Ctx, session: DbSession, request: Request
) -> AlertChannel:
    """A new channel: a WeCom or DingTalk robot, e-mail or a signed webhook (400
    ``insights.alert_channel_invalid``). Secrets are stored encrypted."""
    channel = await service.create_channel(ctx, session, body)
    await _audit(
        session,
        staff,
        request,
        "channel_create",
        f"channel:{channel.id}",
        {"name": body.name, "kind": body.kind},
    )
    return channel


@router.put(f"{PREFIX}/channels/{{channel_id}}", responses=problem_responses(400, 404))
async def update_channel(  # noqa: PLR0917
    channel_id: PathId,
    body: AlertChannelWrite,
    staff: AlertManager,
    ctx: Ctx,
    session: DbSession,
    request: Request,
) -> AlertChannel:
    """Edit a channel; secrets left out are kept."""
    channel = await service.update_channel(ctx, session, channel_id, body)
    await _audit(
        session,
        staff,
        request,
        "channel_update",
        f"channel:{channel_id}",
        {"name": body.name, "kind": body.kind},
    )
    return channel


@router.post(f"{PREFIX}/channels/{{channel_id}}/test", responses=problem_responses(404))
async def send_test_message(channel_id: PathId, _: AlertManager, ctx: Ctx) -> AlertTestResult:
    """发送测试消息: send a test message now; the answer carries the provider's code."""
    return await service.send_test_message(ctx, channel_id)


@router.get(f"{PREFIX}/incidents", responses=problem_responses(400))
async def list_incidents(
    _: AlertManager,
    session: DbSession,
    status: IncidentStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[AlertIncident]:
    """Incidents, newest first; ``status`` filters."""
    items, next_cursor = await service.list_incidents(
        session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(f"{PREFIX}/incidents/{{incident_id}}", responses=problem_responses(404))
async def get_incident(
    incident_id: PathId, _: AlertManager, session: DbSession
) -> AlertIncidentDetail:
    """One incident with its timeline and each channel's notification and attempts."""
    return await service.get_incident(session, incident_id)


async def _act(  # noqa: PLR0917
    incident_id: int,
    action: str,
    note: str,
    staff: StaffIdentity,
    session: DbSession,
    request: Request,
) -> AlertIncidentDetail:
    detail = await service.act_on_incident(
        session, incident_id, action, staff_id=staff.id, actor=staff.username, note=note
    )
    await _audit(session, staff, request, f"incident_{action}", f"incident:{incident_id}", {})
    return detail


@router.post(
    f"{PREFIX}/incidents/{{incident_id}}/acknowledge", responses=problem_responses(404, 409)
)
async def acknowledge(
    incident_id: PathId,
    body: AlertIncidentAction,
    staff: AlertManager,
    session: DbSession,
    request: Request,
) -> AlertIncidentDetail:
    """Someone is on it (409 ``insights.alert_incident_resolved`` once resolved)."""
    return await _act(incident_id, "acknowledge", body.note, staff, session, request)


@router.post(f"{PREFIX}/incidents/{{incident_id}}/resolve", responses=problem_responses(404, 409))
async def resolve(
    incident_id: PathId,
    body: AlertIncidentAction,
    staff: AlertManager,
    session: DbSession,
    request: Request,
) -> AlertIncidentDetail:
    """Close the incident by hand (the next firing point opens a new one)."""
    return await _act(incident_id, "resolve", body.note, staff, session, request)


@router.post(f"{PREFIX}/incidents/{{incident_id}}/comments", responses=problem_responses(404))
async def comment(
    incident_id: PathId,
    body: AlertComment,
    staff: AlertManager,
    session: DbSession,
    request: Request,
) -> AlertIncidentDetail:
    """Add a comment to the incident's timeline."""
    return await _act(incident_id, "comment", body.note, staff, session, request)


@router.get(f"{PREFIX}/inbox")
async def inbox_unread(staff: AlertManager, session: DbSession) -> AlertInbox:
    """How many incidents the signed-in staff member has not seen (the header's badge)."""
    return await service.unread(session, staff.id)


@router.post(f"{PREFIX}/inbox/read")
async def inbox_read(body: AlertInboxRead, staff: AlertManager, session: DbSession) -> AlertInbox:
    """Mark incidents up to ``up_to_id`` (default: all) as seen."""
    return await service.mark_read(session, staff.id, body.up_to_id)
