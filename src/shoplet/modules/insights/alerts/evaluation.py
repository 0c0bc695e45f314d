"""Evaluating monitors and sending their notifications (the job ``insights.evaluate_alerts``).

Each monitor is evaluated once per bucket (its last closed hour or shop day) in a transaction of
its own: lock the monitor row, claim the (monitor, bucket) check row (``ON CONFLICT DO
NOTHING``: a second worker finds it taken and stops), read the series, apply the rule, store
the check, and move the incident through the hysteresis of ``rules.step``. Opening an incident
writes one pending notification per channel in the same transaction.

Sending happens after, outside any transaction: each due notification is claimed with one
conditional ``UPDATE … RETURNING`` (status → ``sending`` with a lease), so of any number of
workers exactly one sends it; the outcome (sent, retry at ``retry_seconds × 2^(n-1)``, or
failed after ``max_attempts``) and the attempt itself are written in a second short transaction.
A sender that dies mid-send leaves a lease that expires, and the notification is tried again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work
from shoplet.integrations.robots import RobotError

from . import delivery, repository
from .metrics import METRICS, SHOP_DAY_OFFSET, Series, Window
from .models import Attempt, Monitor, TimelineEntry
from .rules import (
    GRAIN_STEP,
    ForecastInterval,
    Grain,
    State,
    evaluate,
    history_window,
    last_closed_bucket,
    step,
)
from .service import rule_from_json

log = structlog.get_logger("shoplet.insights.alerts")

SEND_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
SEND_BATCH = 200
SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class Outcome:
    checked: int = 0
    opened: int = 0
    resolved: int = 0


def _grain(value: str) -> Grain:
    return "hour" if value == "hour" else "day"


async def read_series(
    ctx: AppContext, session: AsyncSession, monitor: Monitor, bucket: datetime, history: timedelta
) -> Series:
    """The monitor's metric over its rule's history and the bucket itself. A gauge has only
    the current value; its history is the monitor's own stored checks."""
    grain = _grain(monitor.grain)
    metric = METRICS[monitor.metric]
    since = bucket - history
    until = bucket + GRAIN_STEP[grain]
    if metric.is_gauge:
        series = await repository.stored_values(session, monitor.id, since, bucket)
        series.update(await metric.read(ctx, session, Window(bucket, until, grain)))
        return series
    return await metric.read(ctx, session, Window(since, until, grain))


async def evaluate_monitor(
    ctx: AppContext, session: AsyncSession, monitor_id: int, bucket: datetime, now: datetime
) -> str | None:
    """Evaluate one bucket of one monitor; what happened to its incident (``open``, ``keep``,
    ``recover``, ``resolve``, ``none``), or None when the bucket was done already."""
    monitor = await repository.lock_monitor(session, monitor_id)
    if monitor is None or not monitor.is_active or monitor.metric not in METRICS:
        return None
    if monitor.last_bucket_at is not None and monitor.last_bucket_at >= bucket:
        return None
    check_id = await repository.claim_check(session, monitor.id, bucket, now)
    if check_id is None:
        return None
    grain = _grain(monitor.grain)
    rule = rule_from_json(monitor.rule)
    series = await read_series(ctx, session, monitor, bucket, history_window(rule, grain))
    if isinstance(rule, ForecastInterval):
        # A model fit (~0.15 s for four weeks of hours): off the event loop.
        verdict = await asyncio.to_thread(evaluate, rule, bucket, series, grain)
    else:
        verdict = evaluate(rule, bucket, series, grain)
    is_muted = monitor.silenced_until is not None and monitor.silenced_until > now
    incident = await repository.unresolved_incident(session, monitor.id)
    state = State(incident is not None, incident.normal_streak if incident else 0)
    new_state, action = step(
        state, verdict.is_firing, resolve_after=monitor.resolve_after, is_muted=is_muted
    )
    await repository.update_check(
        session,
        check_id,
        value=verdict.value,
        expected=verdict.expected,
        score=verdict.score,
        is_firing=verdict.is_firing,
        is_muted=is_muted,
        reason=verdict.reason[:200],
    )
    figures: dict[str, Any] = {
        "value": verdict.value,
        "expected": verdict.expected,
        "score": verdict.score,
        "reason": verdict.reason[:200],
    }
    if action == "open":
        incident_id = await repository.insert_incident(
            session,
            {
                "monitor_id": monitor.id,
                "status": "open",
                "bucket_at": bucket,
                "normal_streak": 0,
                "last_firing_at": bucket,
                "opened_at": now,
                **figures,
            },
        )
        if incident_id is not None:
            await _timeline(session, incident_id, "opened", verdict.reason, now)
            channels = await repository.active_channel_ids(session, monitor.channel_ids)
            await repository.insert_notifications(
                session, incident_id, [c for c in monitor.channel_ids if c in channels], now
            )
            log.warning(
                "alerts.incident_opened", monitor=monitor.id, incident=incident_id, alert=True
            )
    elif incident is not None and action in {"keep", "recover"}:
        incident.normal_streak = new_state.normal_streak
        if action == "keep":
            incident.last_firing_at = bucket
    elif incident is not None and action == "resolve":
        incident.status = "resolved"
        incident.normal_streak = 0
        incident.resolved_at = now
        await session.flush()
        await _timeline(
            session, incident.id, "resolved", f"{monitor.resolve_after} 个正常点后自动恢复", now
        )
    monitor.last_bucket_at = bucket
    await session.flush()
    return action


async def _timeline(
    session: AsyncSession, incident_id: int, kind: str, note: str, now: datetime
) -> None:
    await repository.add_timeline(
        session,
        TimelineEntry(
            incident_id=incident_id,
            kind=kind,
            staff_id=None,
            actor=SYSTEM_ACTOR,
            note=note[:1000],
            created_at=now,
        ),
    )


async def evaluate_all(ctx: AppContext, now: datetime) -> Outcome:
    """Evaluate every active monitor's last closed bucket, each in its own transaction."""
    async with read_session(ctx.sessionmaker) as session:
        monitors = await repository.active_monitors(session)
    checked = opened = resolved = 0
    for monitor_id, grain, last in monitors:
        bucket = last_closed_bucket(now, _grain(grain), SHOP_DAY_OFFSET)
        if last is not None and last >= bucket:
            continue
        async with unit_of_work(ctx.sessionmaker) as session:
            action = await evaluate_monitor(ctx, session, monitor_id, bucket, now)
        if action is None:
            continue
        checked += 1
        opened += action == "open"
        resolved += action == "resolve"
    return Outcome(checked, opened, resolved)


def backoff(attempt: int, base_seconds: int) -> timedelta:
    """The wait before attempt ``attempt + 1``: base × 2^(attempt-1), at most an hour."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempt - 1, 0)), MAX_BACKOFF)


async def _prepare(
    ctx: AppContext, session: AsyncSession, notification_id: int
) -> tuple[str, str, dict[str, str], delivery.Message] | None:
    notification = await repository.get_notification(session, notification_id)
    if notification is None:
        return None
    channel = await repository.get_channel(session, notification.channel_id)
    incident = await repository.get_incident(session, notification.incident_id)
    if channel is None or incident is None:
        return None
    monitor = await repository.get_monitor(session, incident.monitor_id)
    if monitor is None:
        return None
    metric = METRICS.get(monitor.metric)
    message = delivery.Message(
        incident_id=incident.id,
        monitor_name=monitor.name,
        metric=monitor.metric,
        metric_name=metric.name if metric else monitor.metric,
        unit=metric.unit if metric else "",
        grain=monitor.grain,
        bucket_at=incident.bucket_at,
        value=incident.value,
        expected=incident.expected,
        score=incident.score,
        reason=incident.reason,
    )
    return channel.kind, channel.target, delivery.unseal(ctx, channel.secret), message


def _channel_note(prepared: tuple[str, str, dict[str, str], delivery.Message] | None) -> str:
    return prepared[0] if prepared is not None else "channel"


async def deliver_one(ctx: AppContext, notification_id: int, now: datetime) -> bool | None:
    """Claim and send one notification: True sent, False failed (retry or given up), None when
    another worker holds it or it is not due."""
    async with unit_of_work(ctx.sessionmaker) as session:
        attempt = await repository.claim_notification(
            session, notification_id, now, now + SEND_LEASE
        )
        prepared = await _prepare(ctx, session, notification_id) if attempt else None
    if attempt is None:
        return None
    error: RobotError | None = None
    if prepared is None:
        error = RobotError("gone", "the channel or incident no longer exists", False)
    else:
        kind, target, secrets, message = prepared
        try:
            await delivery.send(ctx, kind, target, secrets, message)
        except RobotError as exc:
            error = exc
    settings = ctx.settings
    async with unit_of_work(ctx.sessionmaker) as session:
        notification = await repository.get_notification(session, notification_id)
        if notification is None:
            return None
        await repository.add(
            session,
            Attempt(
                notification_id=notification_id,
                number=attempt,
                is_success=error is None,
                code="ok" if error is None else error.code[:40],
                message="" if error is None else error.message[:300],
                attempted_at=now,
            ),
        )
        if error is None:
            notification.status = "sent"
            notification.sent_at = now
            notification.last_error = None
            await _timeline(
                session, notification.incident_id, "notified", _channel_note(prepared), now
            )
        elif error.is_retryable and attempt < settings.alerts_max_attempts:
            notification.status = "retry"
            notification.last_error = str(error)[:300]
            notification.next_attempt_at = now + backoff(attempt, settings.alerts_retry_seconds)
        else:
            notification.status = "failed"
            notification.last_error = str(error)[:300]
            note = f"{_channel_note(prepared)}: {error}"
            await _timeline(session, notification.incident_id, "failed", note, now)
        notification.claimed_until = None
        await session.flush()
    log.info(
        "alerts.notification_attempt",
        notification=notification_id,
        attempt=attempt,
        ok=error is None,
        code=None if error is None else error.code,
    )
    return error is None


async def deliver_due(ctx: AppContext, now: datetime) -> int:
    """Send every due notification; how many were sent."""
    async with read_session(ctx.sessionmaker) as session:
        due = await repository.due_notification_ids(session, now, SEND_BATCH)
    sent = 0
    for notification_id in due:
        sent += await deliver_one(ctx, notification_id, now) is True
    return sent
