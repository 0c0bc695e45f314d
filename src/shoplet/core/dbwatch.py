"""What the database tier looks like from the app: slow statements, the pool, statement spans.

Two cursor listeners per engine (a ``perf_counter`` each; a span too when tracing is on) count
statements slower than ``db_slow_query_seconds`` and log them; the pool's state is read only
when Prometheus scrapes, by a collector, never per request.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import structlog
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shoplet.core import tracing

log = structlog.get_logger("shoplet.db")

STATEMENT_LOG_MAX = 300


@dataclass
class _Watch:
    """Per engine; tests share one engine between apps, so the latest app's metrics win."""

    slow: Counter
    threshold: float
    system: str


_watches: weakref.WeakKeyDictionary[Any, _Watch] = weakref.WeakKeyDictionary()
_slow_counters: weakref.WeakKeyDictionary[CollectorRegistry, Counter] = weakref.WeakKeyDictionary()


def slow_query_counter(registry: CollectorRegistry) -> Counter:
    counter = _slow_counters.get(registry)
    if counter is None:
        counter = _slow_counters[registry] = Counter(
            "shoplet_db_slow_queries_total",
            "SQL statements slower than SHOPLET_DB_SLOW_QUERY_SECONDS, by operation",
            ["operation"],
            registry=registry,
        )
        registry.register(PoolCollector(registry))
    return counter


def watch_engine(engine: AsyncEngine, registry: CollectorRegistry, threshold: float) -> None:
    """Count slow statements of ``engine`` into ``registry``, export its pool, trace it."""
    sync_engine = engine.sync_engine
    slow = slow_query_counter(registry)
    _pools.setdefault(registry, weakref.WeakSet()).add(engine)
    watch = _watches.get(sync_engine)
    if watch is not None:
        watch.slow, watch.threshold = slow, threshold
        return
    _watches[sync_engine] = _Watch(slow, threshold, engine.dialect.name)
    event.listen(sync_engine, "before_cursor_execute", _before)
    event.listen(sync_engine, "after_cursor_execute", _after)
    event.listen(sync_engine, "handle_error", _error)


def _operation(statement: str) -> str:
    verb = statement.lstrip()[:10].split(None, 1)
    return verb[0].upper() if verb else "OTHER"


def _before(
    conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if context is None:
        return
    context._shoplet_t0 = time.perf_counter()
    if tracing.enabled():
        watch = _watches.get(conn.engine)
        context._shoplet_span = tracing.tracer().start_span(
            _operation(statement),
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": watch.system if watch else conn.dialect.name,
                "db.query.text": statement[:2000],
            },
        )


def _after(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _m: bool) -> None:
    if context is None:
        return
    started = getattr(context, "_shoplet_t0", None)
    current = getattr(context, "_shoplet_span", None)
    if current is not None:
        current.end()
        context._shoplet_span = None
    if started is None:
        return
    elapsed = time.perf_counter() - started
    watch = _watches.get(conn.engine)
    if watch is not None and elapsed >= watch.threshold:
        operation = _operation(statement)
        watch.slow.labels(operation).inc()
        log.warning(
            "db_slow_query",
            operation=operation,
            ms=round(elapsed * 1000, 1),
            statement=" ".join(statement.split())[:STATEMENT_LOG_MAX],
        )


def _error(exception_context: Any) -> None:
    context = exception_context.execution_context
    current = getattr(context, "_shoplet_span", None) if context is not None else None
    if current is not None:
        tracing.mark_error(current, exception_context.original_exception)
        current.end()
        context._shoplet_span = None


# -- the pool, read at scrape time -----------------------------------------------------------

_pools: weakref.WeakKeyDictionary[CollectorRegistry, weakref.WeakSet[AsyncEngine]] = (
    weakref.WeakKeyDictionary()
)


def pool_state(engine: AsyncEngine) -> dict[str, int] | None:
    """Checked-out, idle, capacity and waiting connections of a queue pool (None otherwise)."""
    pool: Any = engine.sync_engine.pool
    if not hasattr(pool, "checkedout"):
        return None
    size = int(pool.size())
    max_overflow = int(getattr(pool, "_max_overflow", 0))
    # asyncio.Queue keeps the coroutines blocked in get() as its _getters (no public count);
    # SQLAlchemy's async queue wraps one. Best effort: 0 if either changes shape.
    queue = getattr(getattr(pool, "_pool", None), "_queue", None)
    getters = getattr(queue, "_getters", None) or ()
    waiting = sum(1 for waiter in getters if not waiter.done())
    return {
        "in_use": int(pool.checkedout()),
        "idle": int(pool.checkedin()),
        "max": size + max(max_overflow, 0),
        "waiting": waiting,
    }


class PoolCollector(Collector):
    """``shoplet_db_pool_*`` gauges of the engines watched into the registry it serves."""

    def __init__(self, registry: CollectorRegistry) -> None:
        # Weak: the registry holds this collector.
        self._registry = weakref.ref(registry)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        connections = GaugeMetricFamily(
            "shoplet_db_pool_connections",
            "Database connections of the pool by state (in_use: checked out, idle: pooled)",
            labels=["state"],
        )
        capacity = GaugeMetricFamily(
            "shoplet_db_pool_max_connections", "Pool size plus overflow: the most it opens"
        )
        waiting = GaugeMetricFamily(
            "shoplet_db_pool_waiting",
            "Requests waiting for a connection from a full pool right now",
        )
        registry = self._registry()
        engines = _pools.get(registry) if registry is not None else None
        states = [
            state for engine in list(engines or ()) if (state := pool_state(engine)) is not None
        ]
        total = {key: sum(state[key] for state in states) for key in ("in_use", "idle", "max")}
        connections.add_metric(["in_use"], total["in_use"])
        connections.add_metric(["idle"], total["idle"])
        capacity.add_metric([], total["max"])
        waiting.add_metric([], sum(state["waiting"] for state in states))
        yield connections
        yield capacity
        yield waiting
