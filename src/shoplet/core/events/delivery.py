"""Delivering one event to one handler: exactly one commit of its effects, retries, parking.

The handler runs in a transaction that first inserts ``(handler, event_id)`` into
``core_processed_event``. The insert uses ``ON CONFLICT DO NOTHING``: when the row exists the
event was handled already and the body is skipped; when another worker is handling the same event
right now, PostgreSQL makes the insert wait for that transaction, so the body never runs twice
(SQLite has one writer at a time). The handler's writes and the marker commit or roll back
together.

A handler that raises gets a ``core_event_retry`` row with exponential backoff; after its last
allowed attempt the row is parked, logged and counted, and other handlers are never held up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

import structlog
from opentelemetry.trace import SpanKind
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import tracing
from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events.metrics import event_metrics
from shoplet.core.events.models import EventRetry, OutboxEvent, ProcessedEvent
from shoplet.core.events.registry import Event, Subscription, get_subscription

log = structlog.get_logger("shoplet.events")

DeliveryResult = Literal["ok", "duplicate", "failed", "parked"]
ERROR_TEXT_MAX = 2000


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def event_from_row(row: OutboxEvent, *, attempt: int = 1) -> Event:
    return Event(
        id=row.event_id,
        type=row.type,
        key=row.key,
        payload=row.payload,
        occurred_at=row.occurred_at,
        attempt=attempt,
        traceparent=row.trace_context,
    )


def retry_delay_seconds(ctx: AppContext, attempt: int) -> float:
    """Backoff after failed attempt number ``attempt``: base, 2×base, 4×base, … capped."""
    settings = ctx.settings
    delay: float = settings.events_retry_base_seconds * 2 ** (attempt - 1)
    return min(delay, settings.events_retry_max_seconds)


async def deliver(
    ctx: AppContext, sub: Subscription, event: Event, *, retry: bool = False
) -> DeliveryResult:
    """Run ``sub`` for ``event`` once; record a failure for retry. Raises only when the failure
    itself cannot be recorded (database down): the caller then leaves the event undelivered
    (outbox row unpublished, stream entry unacknowledged) so it comes back."""
    if tracing.enabled():
        with tracing.span(
            f"event {sub.name}",
            kind=SpanKind.CONSUMER,
            parent=event.traceparent,
            attributes={
                "messaging.operation.type": "process",
                "messaging.destination.name": event.type,
                "messaging.message.id": event.id,
                "messaging.consumer.group.name": sub.name,
                "shoplet.event.attempt": event.attempt,
            },
        ) as current:
            result = await _deliver(ctx, sub, event, retry=retry)
            if current is not None and result in ("failed", "parked"):
                tracing.mark_error(current, result)
            return result
    return await _deliver(ctx, sub, event, retry=retry)


async def _deliver(
    ctx: AppContext, sub: Subscription, event: Event, *, retry: bool
) -> DeliveryResult:
    metrics = event_metrics(ctx)
    try:
        async with ctx.sessionmaker() as session, session.begin():
            claimed = await _claim(session, sub.name, event.id)
            if claimed:
                await sub.func(event, session)
            if retry or not claimed:
                # A successful retry, or a redelivery of an event already handled: no retry left.
                await session.execute(
                    delete(EventRetry).where(
                        EventRetry.handler == sub.name, EventRetry.event_id == event.id
                    )
                )
    except Exception as exc:
        return await _record_failure(ctx, sub, event, exc)
    if not claimed:
        metrics.deliveries.labels(sub.name, "duplicate").inc()
        return "duplicate"
    metrics.deliveries.labels(sub.name, "ok").inc()
    lag = (utcnow() - event.occurred_at).total_seconds()
    metrics.delivery_lag.labels(sub.name).observe(max(lag, 0.0))
    return "ok"


async def _claim(session: AsyncSession, handler: str, event_id: str) -> bool:
    stmt = (
        dialect_insert(session, ProcessedEvent)
        .values(handler=handler, event_id=event_id, processed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["handler", "event_id"])
        .returning(ProcessedEvent.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def _record_failure(
    ctx: AppContext, sub: Subscription, event: Event, exc: Exception
) -> DeliveryResult:
    metrics = event_metrics(ctx)
    metrics.handler_failures.labels(sub.name).inc()
    max_attempts = sub.max_attempts or ctx.settings.events_max_attempts
    error = f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_MAX]
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        previous = await session.scalar(
            select(EventRetry.attempts).where(
                EventRetry.handler == sub.name, EventRetry.event_id == event.id
            )
        )
        attempts = max(event.attempt, (previous or 0) + 1)
        parked = attempts >= max_attempts
        values = {
            "attempts": attempts,
            "next_attempt_at": now + timedelta(seconds=retry_delay_seconds(ctx, attempts)),
            "last_error": error,
            "parked_at": now if parked else None,
            "updated_at": now,
        }
        stmt = dialect_insert(session, EventRetry).values(
            handler=sub.name, event_id=event.id, **values
        )
        await session.execute(
            stmt.on_conflict_do_update(index_elements=["handler", "event_id"], set_=values)
        )
    fields = {
        "handler": sub.name,
        "event_id": event.id,
        "event_type": event.type,
        "attempt": attempts,
        "max_attempts": max_attempts,
    }
    if parked:
        metrics.deliveries.labels(sub.name, "parked").inc()
        metrics.parked.labels(sub.name).inc()
        log.error("event_handler_parked", error=error, exc_info=exc, **fields)
        return "parked"
    metrics.deliveries.labels(sub.name, "failed").inc()
    log.warning("event_handler_failed", error=error, exc_info=exc, **fields)
    return "failed"


async def dispatch_local(ctx: AppContext, event: Event, subs: list[Subscription]) -> None:
    """Embedded mode: deliver to every in-process handler; one failing never blocks the rest."""
    for sub in subs:
        await deliver(ctx, sub, event)


async def retry_due(ctx: AppContext, *, limit: int | None = None) -> int:
    """Run the retries whose backoff has elapsed; return how many were attempted.

    Each retry is leased first (compare-and-set on ``next_attempt_at``) so that workers on
    several replicas never run the same retry at once; a worker that dies mid-retry leaves the
    lease to expire after ``events_claim_idle_seconds``.
    """
    settings = ctx.settings
    now = utcnow()
    async with ctx.sessionmaker() as session:
        due = (
            await session.execute(
                select(EventRetry.id, EventRetry.handler, EventRetry.event_id)
                .add_columns(EventRetry.attempts, EventRetry.next_attempt_at)
                .where(EventRetry.parked_at.is_(None), EventRetry.next_attempt_at <= now)
                .order_by(EventRetry.next_attempt_at, EventRetry.id)
                .limit(limit or settings.events_batch_size)
            )
        ).all()
    attempted = 0
    lease_until = now + timedelta(seconds=settings.events_claim_idle_seconds)
    for retry_id, handler, event_id, attempts, next_attempt_at in due:
        sub = get_subscription(handler)
        if sub is None:
            # Registered by another version of the code; a worker that knows it will run it.
            continue
        async with unit_of_work(ctx.sessionmaker) as session:
            leased = await session.execute(
                update(EventRetry)
                .where(
                    EventRetry.id == retry_id,
                    EventRetry.next_attempt_at == next_attempt_at,
                    EventRetry.parked_at.is_(None),
                )
                .values(next_attempt_at=lease_until)
                .execution_options(synchronize_session=False)
            )
            row = None
            if _rowcount(leased) == 1:
                row = await session.scalar(
                    select(OutboxEvent).where(OutboxEvent.event_id == event_id)
                )
                if row is None:
                    log.error("event_retry_without_event", handler=handler, event_id=event_id)
                    await session.execute(delete(EventRetry).where(EventRetry.id == retry_id))
        if row is None:
            continue
        attempted += 1
        await deliver(ctx, sub, event_from_row(row, attempt=attempts + 1), retry=True)
    return attempted


async def retry_parked(
    ctx: AppContext, *, handler: str | None = None, event_id: str | None = None
) -> int:
    """Operator action: give parked deliveries a fresh round of attempts, due now."""
    async with unit_of_work(ctx.sessionmaker) as session:
        stmt = update(EventRetry).where(EventRetry.parked_at.is_not(None))
        if handler is not None:
            stmt = stmt.where(EventRetry.handler == handler)
        if event_id is not None:
            stmt = stmt.where(EventRetry.event_id == event_id)
        result = await session.execute(
            stmt.values(parked_at=None, attempts=0, next_attempt_at=utcnow()).execution_options(
                synchronize_session=False
            )
        )
    count = _rowcount(result)
    log.info("event_retries_requeued", count=count, handler=handler, event_id=event_id)
    return count


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count
