"""Events: transactional outbox, relay, idempotent handlers (see docs/events.md).

Modules publish in their own transaction and subscribe in their ``tasks.py``::

    from shoplet.core.events import Event, publish, subscriber

    await publish(session, "order.paid", {"order_id": order.id}, key=str(order.id))

    @subscriber("payment.succeeded", name="orders.mark_paid")
    async def mark_paid(event: Event, session: AsyncSession) -> None: ...
"""

from __future__ import annotations

from shoplet.core.events.delivery import deliver, retry_due, retry_parked
from shoplet.core.events.models import EventRetry, OutboxEvent, ProcessedEvent
from shoplet.core.events.outbox import publish, register_wakeup
from shoplet.core.events.registry import (
    Event,
    HandlerFunc,
    Subscription,
    get_subscription,
    subscriber,
    subscriptions,
    subscriptions_for,
)
from shoplet.core.events.relay import (
    EventRuntime,
    StreamConsumer,
    cleanup_events,
    drain_outbox,
    ensure_groups,
    relay_once,
)

__all__ = [
    "Event",
    "EventRetry",
    "EventRuntime",
    "HandlerFunc",
    "OutboxEvent",
    "ProcessedEvent",
    "StreamConsumer",
    "Subscription",
    "cleanup_events",
    "deliver",
    "drain_outbox",
    "ensure_groups",
    "get_subscription",
    "publish",
    "register_wakeup",
    "relay_once",
    "retry_due",
    "retry_parked",
    "subscriber",
    "subscriptions",
    "subscriptions_for",
]
