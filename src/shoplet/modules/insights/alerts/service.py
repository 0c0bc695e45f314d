"""Metric alerts for the console: monitors, channels (and their test message), incidents with
acknowledge / resolve / comment, and the inbox's unread count. Evaluation and sending are in
``evaluation.py``. Everything runs in the caller's transaction (flush only), except the test
message, which reads in a short session of its own and sends outside any transaction."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.integrations.robots import RobotError

from . import delivery, repository, schemas
from .errors import (
    ChannelInvalid,
    ChannelNotFound,
    ChannelUnknown,
    IncidentNotFound,
    IncidentResolved,
    MetricUnknown,
    MonitorNotFound,
    RuleInvalid,
    SilenceInvalid,
)
from .metrics import METRICS
from .models import Channel, Incident, Monitor, TimelineEntry
from .rules import Anomaly, Change, ForecastInterval, Rule, Threshold

MAX_SILENCE = timedelta(days=30)
MAX_WEEKS = 8
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")

# -- rules -------------------------------------------------------------------------------------


def _finite(value: float | None, name: str) -> None:
    if value is not None and not math.isfinite(value):
        raise RuleInvalid(f"{name} must be a finite number")


def _forecast_rule(body: schemas.AlertRule, weeks: int, floor: float) -> ForecastInterval:
    level = 99.9 if body.level is None else body.level
    if not 50 <= level <= 99.9:
        raise RuleInvalid("level must be within 50..99.9 (a prediction interval in %)")
    if not 3 <= weeks <= MAX_WEEKS:
        raise RuleInvalid(f"weeks must be within 3..{MAX_WEEKS} for a forecast")
    if not 0 <= floor <= 1000:
        raise RuleInvalid("min_change_percent must be within 0..1000")
    return ForecastInterval(
        level=level, weeks=weeks, direction=body.direction, min_change_percent=floor
    )


def parse_rule(body: schemas.AlertRule) -> Rule:
    """The rule a body describes (400 ``insights.alert_rule_invalid`` when it makes no sense)."""
    for name in ("above", "below", "percent", "z", "min_change_percent", "level"):
        _finite(getattr(body, name), name)
    if body.kind == "threshold":
        if body.above is None and body.below is None:
            raise RuleInvalid("A threshold needs above, below or both")
        if body.above is not None and body.below is not None and body.below >= body.above:
            raise RuleInvalid("below must be under above (else it always fires)")
        return Threshold(above=body.above, below=body.below)
    if body.kind == "change":
        if body.percent is None or not 0 < body.percent <= 1000:
            raise RuleInvalid("percent must be within 0..1000 (exclusive of 0)")
        return Change(percent=body.percent, direction=body.direction)
    weeks = 4 if body.weeks is None else body.weeks
    floor = 0.0 if body.min_change_percent is None else body.min_change_percent
    if body.kind == "forecast":
        return _forecast_rule(body, weeks, floor)
    z = 4.0 if body.z is None else body.z
    if not 1 <= z <= 20:
        raise RuleInvalid("z must be within 1..20")
    if not 2 <= weeks <= MAX_WEEKS:
        raise RuleInvalid(f"weeks must be within 2..{MAX_WEEKS}")
    if not 0 <= floor <= 1000:
        raise RuleInvalid("min_change_percent must be within 0..1000")
    return Anomaly(z=z, weeks=weeks, direction=body.direction, min_change_percent=floor)


def rule_from_json(data: dict[str, Any]) -> Rule:
    return parse_rule(schemas.AlertRule.model_validate(data, strict=False))


def rule_json(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, Threshold):
        return {"kind": "threshold", "above": rule.above, "below": rule.below}
    if isinstance(rule, Change):
        return {"kind": "change", "percent": rule.percent, "direction": rule.direction}
    if isinstance(rule, ForecastInterval):
        return {
            "kind": "forecast",
            "level": rule.level,
            "weeks": rule.weeks,
            "direction": rule.direction,
            "min_change_percent": rule.min_change_percent,
        }
    return {
        "kind": "anomaly",
        "z": rule.z,
        "weeks": rule.weeks,
        "direction": rule.direction,
        "min_change_percent": rule.min_change_percent,
    }


# -- monitors ----------------------------------------------------------------------------------


async def _checked(session: AsyncSession, body: schemas.AlertMonitorWrite) -> dict[str, Any]:
    if body.metric not in METRICS:
        raise MetricUnknown(f"{body.metric!r} is not one of {', '.join(METRICS)}")
    rule = parse_rule(body.rule)
    if not 1 <= body.resolve_after <= 100:
        raise RuleInvalid("resolve_after must be within 1..100")
    wanted = list(dict.fromkeys(body.channel_ids))
    found = await repository.active_channel_ids(session, wanted)
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ChannelUnknown(f"channels {missing} do not exist or are off", channel_ids=missing)
    return {
        "name": body.name,
        "metric": body.metric,
        "grain": body.grain,
        "rule": rule_json(rule),
        "resolve_after": body.resolve_after,
        "channel_ids": wanted,
        "is_active": body.is_active,
    }


def monitor_view(monitor: Monitor, open_incident_id: int | None = None) -> schemas.AlertMonitor:
    metric = METRICS.get(monitor.metric)
    return schemas.AlertMonitor(
        id=monitor.id,
        name=monitor.name,
        metric=monitor.metric,
        metric_name=metric.name if metric else monitor.metric,
        unit=metric.unit if metric else "",
        grain="hour" if monitor.grain == "hour" else "day",
        rule=dict(monitor.rule),
        resolve_after=monitor.resolve_after,
        channel_ids=list(monitor.channel_ids),
        silenced_until=monitor.silenced_until,
        is_active=monitor.is_active,
        last_bucket_at=monitor.last_bucket_at,
        open_incident_id=open_incident_id,
        created_at=monitor.created_at,
        updated_at=monitor.updated_at,
    )


async def create_monitor(
    session: AsyncSession, body: schemas.AlertMonitorWrite, *, staff_id: int | None
) -> schemas.AlertMonitor:
    values = await _checked(session, body)
    now = utcnow()
    monitor = Monitor(**values, created_by=staff_id, created_at=now, updated_at=now)
    await repository.add(session, monitor)
    return monitor_view(monitor)


async def _monitor(session: AsyncSession, monitor_id: int) -> Monitor:
    monitor = await repository.get_monitor(session, monitor_id)
    if monitor is None:
        raise MonitorNotFound(f"No monitor {monitor_id}")
    return monitor


async def update_monitor(
    session: AsyncSession, monitor_id: int, body: schemas.AlertMonitorWrite
) -> schemas.AlertMonitor:
    monitor = await _monitor(session, monitor_id)
    values = await _checked(session, body)
    if (values["metric"], values["grain"]) != (monitor.metric, monitor.grain):
        # Another series: the stored checks no longer describe it.
        monitor.last_bucket_at = None
    for name, value in values.items():
        setattr(monitor, name, value)
    monitor.updated_at = utcnow()
    await session.flush()
    open_ids = await repository.unresolved_by_monitor(session)
    return monitor_view(monitor, open_ids.get(monitor.id))


async def get_monitor(session: AsyncSession, monitor_id: int) -> schemas.AlertMonitor:
    monitor = await _monitor(session, monitor_id)
    open_ids = await repository.unresolved_by_monitor(session)
    return monitor_view(monitor, open_ids.get(monitor.id))


async def list_monitors(session: AsyncSession) -> list[schemas.AlertMonitor]:
    open_ids = await repository.unresolved_by_monitor(session)
    return [monitor_view(m, open_ids.get(m.id)) for m in await repository.list_monitors(session)]


async def silence_monitor(
    session: AsyncSession, monitor_id: int, until: datetime | None
) -> schemas.AlertMonitor:
    """Mute until ``until`` (400 ``insights.alert_silence_invalid`` for a naive time, one in
    the past, or more than 30 days ahead); None lifts the silence."""
    monitor = await _monitor(session, monitor_id)
    now = utcnow()
    if until is not None and (until.tzinfo is None or not now < until <= now + MAX_SILENCE):
        raise SilenceInvalid("until must be an aware time within the next 30 days")
    monitor.silenced_until = until
    monitor.updated_at = now
    await session.flush()
    return await get_monitor(session, monitor_id)


async def monitor_checks(
    session: AsyncSession, monitor_id: int, limit: int
) -> list[schemas.AlertCheck]:
    await _monitor(session, monitor_id)
    rows = await repository.recent_checks(session, monitor_id, limit)
    return [schemas.AlertCheck.model_validate(r) for r in reversed(rows)]


def metrics() -> list[schemas.AlertMetric]:
    return [
        schemas.AlertMetric(
            code=m.code, name=m.name, unit=m.unit, description=m.description, is_gauge=m.is_gauge
        )
        for m in METRICS.values()
    ]


# -- channels ----------------------------------------------------------------------------------


def _channel_values(
    body: schemas.AlertChannelWrite, stored: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """(target, secrets) of a channel, the stored secrets kept where none were sent."""
    if body.kind == "wecom":
        key = body.key or stored.get("key")
        if not key:
            raise ChannelInvalid("A WeCom robot needs its webhook key")
        return "", {"key": key}
    if body.kind == "dingtalk":
        token = body.access_token or stored.get("access_token")
        secret = body.secret or stored.get("secret")
        if not token or not secret:
            raise ChannelInvalid("A DingTalk robot needs its access_token and signing secret")
        return "", {"access_token": token, "secret": secret}
    if body.kind == "email":
        recipients = list(dict.fromkeys(r.strip() for r in body.recipients if r.strip()))
        if not recipients or not all(_EMAIL.match(r) for r in recipients):
            raise ChannelInvalid("E-mail needs one or more valid recipient addresses")
        return ",".join(recipients), {}
    url = (body.url or "").strip()
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", url):
        raise ChannelInvalid("A webhook needs an http(s) URL")
    secret = body.secret or stored.get("secret")
    if not secret:
        raise ChannelInvalid("A webhook needs a signing secret")
    return url, {"secret": secret}


def _hint(secrets: dict[str, str]) -> str:
    main = secrets.get("key") or secrets.get("access_token") or secrets.get("secret") or ""
    return f"…{main[-4:]}" if main else ""


async def create_channel(
    ctx: AppContext, session: AsyncSession, body: schemas.AlertChannelWrite
) -> schemas.AlertChannel:
    target, secrets = _channel_values(body, {})
    now = utcnow()
    channel = Channel(
        name=body.name,
        kind=body.kind,
        target=target,
        secret=delivery.seal(ctx, secrets) if secrets else None,
        secret_hint=_hint(secrets),
        is_active=body.is_active,
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, channel)
    return schemas.AlertChannel.model_validate(channel)


async def _channel(session: AsyncSession, channel_id: int) -> Channel:
    channel = await repository.get_channel(session, channel_id)
    if channel is None:
        raise ChannelNotFound(f"No channel {channel_id}")
    return channel


async def update_channel(
    ctx: AppContext, session: AsyncSession, channel_id: int, body: schemas.AlertChannelWrite
) -> schemas.AlertChannel:
    channel = await _channel(session, channel_id)
    stored = delivery.unseal(ctx, channel.secret) if body.kind == channel.kind else {}
    target, secrets = _channel_values(body, stored)
    channel.name = body.name
    channel.kind = body.kind
    channel.target = target
    channel.secret = delivery.seal(ctx, secrets) if secrets else None
    channel.secret_hint = _hint(secrets)
    channel.is_active = body.is_active
    channel.updated_at = utcnow()
    await session.flush()
    return schemas.AlertChannel.model_validate(channel)


async def list_channels(session: AsyncSession) -> list[schemas.AlertChannel]:
    return [schemas.AlertChannel.model_validate(c) for c in await repository.list_channels(session)]


async def send_test_message(ctx: AppContext, channel_id: int) -> schemas.AlertTestResult:
    """发送测试消息: one message now, outside any transaction; the answer says how it went."""
    async with read_session(ctx.sessionmaker) as session:
        channel = await _channel(session, channel_id)
        kind, target, sealed = channel.kind, channel.target, channel.secret
    message = delivery.Message(
        incident_id=0,
        monitor_name="测试消息",
        metric="uv",
        metric_name=METRICS["uv"].name,
        unit=METRICS["uv"].unit,
        grain="hour",
        bucket_at=utcnow(),
        value=None,
        expected=None,
        score=None,
        reason="这是一条来自 Shoplet 的测试消息",
        is_test=True,
    )
    try:
        await delivery.send(ctx, kind, target, delivery.unseal(ctx, sealed), message)
    except RobotError as exc:
        return schemas.AlertTestResult(is_success=False, code=exc.code, message=exc.message[:300])
    return schemas.AlertTestResult(is_success=True, code="ok", message="已发送")


# -- incidents ---------------------------------------------------------------------------------


def incident_view(incident: Incident, monitor: Monitor) -> schemas.AlertIncident:
    metric = METRICS.get(monitor.metric)
    return schemas.AlertIncident(
        id=incident.id,
        monitor_id=monitor.id,
        monitor_name=monitor.name,
        metric=monitor.metric,
        metric_name=metric.name if metric else monitor.metric,
        unit=metric.unit if metric else "",
        grain="hour" if monitor.grain == "hour" else "day",
        status=incident.status,  # type: ignore[arg-type]
        bucket_at=incident.bucket_at,
        value=incident.value,
        expected=incident.expected,
        score=incident.score,
        reason=incident.reason,
        opened_at=incident.opened_at,
        acknowledged_at=incident.acknowledged_at,
        resolved_at=incident.resolved_at,
    )


async def list_incidents(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[schemas.AlertIncident], str | None]:
    before = decode_id_cursor(cursor) if cursor else None
    rows = await repository.list_incidents(
        session, status=status, before_id=before, limit=limit + 1
    )
    items = [incident_view(i, m) for i, m in rows[:limit]]
    next_cursor = encode_id_cursor(items[-1].id) if len(rows) > limit and items else None
    return items, next_cursor


async def get_incident(session: AsyncSession, incident_id: int) -> schemas.AlertIncidentDetail:
    incident = await repository.get_incident(session, incident_id)
    if incident is None:
        raise IncidentNotFound(f"No incident {incident_id}")
    monitor = await _monitor(session, incident.monitor_id)
    notes = await repository.notifications_of(session, incident_id)
    attempts = await repository.attempts_of(session, [n.id for n, _ in notes])
    return schemas.AlertIncidentDetail(
        **incident_view(incident, monitor).model_dump(),
        timeline=[
            schemas.AlertTimelineEntry.model_validate(t)
            for t in await repository.timeline(session, incident_id)
        ],
        notifications=[
            schemas.AlertNotification(
                id=n.id,
                channel_id=c.id,
                channel_name=c.name,
                channel_kind=c.kind,
                status=n.status,
                attempts=n.attempts,
                last_error=n.last_error,
                sent_at=n.sent_at,
                history=[schemas.AlertAttempt.model_validate(a) for a in attempts[n.id]],
            )
            for n, c in notes
        ],
    )


async def _timeline(
    session: AsyncSession,
    incident_id: int,
    kind: str,
    actor: str,
    *,
    staff_id: int | None = None,
    note: str = "",
) -> None:
    await repository.add_timeline(
        session,
        TimelineEntry(
            incident_id=incident_id,
            kind=kind,
            staff_id=staff_id,
            actor=actor[:64],
            note=note[:1000],
            created_at=utcnow(),
        ),
    )


async def act_on_incident(
    session: AsyncSession,
    incident_id: int,
    action: str,
    *,
    staff_id: int,
    actor: str,
    note: str = "",
) -> schemas.AlertIncidentDetail:
    """``acknowledge``, ``resolve`` (409 ``insights.alert_incident_resolved`` once resolved)
    or ``comment`` (any time)."""
    incident = await repository.lock_incident(session, incident_id)
    if incident is None:
        raise IncidentNotFound(f"No incident {incident_id}")
    now = utcnow()
    if action == "comment":
        await _timeline(session, incident_id, "comment", actor, staff_id=staff_id, note=note)
        return await get_incident(session, incident_id)
    if incident.status == "resolved":
        raise IncidentResolved(f"Incident {incident_id} is resolved")
    if action == "acknowledge":
        incident.status = "acknowledged"
        incident.acknowledged_at = now
        incident.acknowledged_by = staff_id
        kind = "acknowledged"
    else:
        incident.status = "resolved"
        incident.resolved_at = now
        incident.resolved_by = staff_id
        kind = "resolved"
    await session.flush()
    await _timeline(session, incident_id, kind, actor, staff_id=staff_id, note=note)
    return await get_incident(session, incident_id)


# -- inbox -------------------------------------------------------------------------------------


async def unread(session: AsyncSession, staff_id: int) -> schemas.AlertInbox:
    count, latest = await repository.unread(session, await repository.last_read(session, staff_id))
    return schemas.AlertInbox(count=count, latest_id=latest)


async def mark_read(
    session: AsyncSession, staff_id: int, up_to_id: int | None
) -> schemas.AlertInbox:
    latest = await repository.latest_incident_id(session)
    target = latest if up_to_id is None else min(up_to_id, latest)
    if target > 0:
        await repository.mark_read(session, staff_id, target, utcnow())
    return await unread(session, staff_id)
