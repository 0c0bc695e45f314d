"""Event handlers: modules declare subscribers in their ``tasks.py``.

```python
@subscriber("payment.succeeded", name="orders.mark_paid")
async def mark_paid(event: Event, session: AsyncSession) -> None: ...
```

A handler runs in its own transaction (the session it receives; it only flushes) together with
the insert into ``core_processed_event`` that makes a redelivery a no-op.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

HANDLER_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Event:
    """One event as a handler sees it. ``attempt`` is this handler's delivery attempt (1-based)."""

    id: str
    type: str
    key: str | None
    payload: Mapping[str, Any]
    occurred_at: datetime
    attempt: int = 1
    # W3C traceparent to continue (tracing on): the publisher's, or the relay's publish span.
    traceparent: str | None = None


HandlerFunc = Callable[[Event, AsyncSession], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Subscription:
    name: str
    types: frozenset[str]
    func: HandlerFunc
    # None: ``settings.events_max_attempts``.
    max_attempts: int | None = None

    def wants(self, event_type: str) -> bool:
        return event_type in self.types


_subscriptions: dict[str, Subscription] = {}


def subscriber(
    *types: str, name: str, max_attempts: int | None = None
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register ``func`` for events of ``types`` under a stable ``name`` (``<module>.<verb>``).

    The name identifies the handler in ``core_processed_event`` and is its Redis consumer group:
    renaming a handler makes it see old events as new.
    """
    if not types:
        raise ValueError("subscriber needs at least one event type")
    if not name or len(name) > HANDLER_NAME_MAX:
        raise ValueError(f"handler name must be 1..{HANDLER_NAME_MAX} characters")
    if max_attempts is not None and max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(func: HandlerFunc) -> HandlerFunc:
        existing = _subscriptions.get(name)
        if existing is not None and _origin(existing.func) != _origin(func):
            raise ValueError(f"event handler {name!r} is already registered by another function")
        _subscriptions[name] = Subscription(name, frozenset(types), func, max_attempts)
        return func

    return register


def _origin(func: HandlerFunc) -> tuple[str, str]:
    # A module imported again (reload, test collection) re-registers the same function.
    return (getattr(func, "__module__", ""), getattr(func, "__qualname__", repr(func)))


def subscriptions() -> list[Subscription]:
    """Every registered handler, in name order (stable delivery order in embedded mode)."""
    return [_subscriptions[name] for name in sorted(_subscriptions)]


def get_subscription(name: str) -> Subscription | None:
    return _subscriptions.get(name)


def subscriptions_for(event_type: str) -> list[Subscription]:
    return [sub for sub in subscriptions() if sub.wants(event_type)]
