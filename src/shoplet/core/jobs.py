"""Scheduled jobs: ``@periodic(every_seconds=30, name="orders.cancel_expired")``.

A job is ``async def job(ctx: AppContext) -> None``; it opens its own sessions
(``unit_of_work(ctx.sessionmaker)``) and is idempotent by contract: it may run late, or again
after a crash, and must converge.

Every worker runs a loop per job. Before running, it takes the job's *lease*: a lock key that
lives for one interval from the start of the run (Redis ``SET NX PX`` across replicas; a local
table in embedded mode). So across all replicas a job runs at most once per interval and never
twice at the same time; a run longer than its interval keeps extending the lease until it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from redis.asyncio import Redis

from shoplet.core.context import AppContext

log = structlog.get_logger("shoplet.jobs")

JobFunc = Callable[[AppContext], Awaitable[None]]
JOB_NAME_MAX = 100
LOCK_PREFIX = "shoplet:job:"


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every_seconds: float
    func: JobFunc

    @property
    def lease_ms(self) -> int:
        return max(1, round(self.every_seconds * 1000))


_jobs: dict[str, Job] = {}


def periodic(*, every_seconds: float, name: str) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` to run every ``every_seconds`` under a stable ``name``."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    if not name or len(name) > JOB_NAME_MAX:
        raise ValueError(f"job name must be 1..{JOB_NAME_MAX} characters")

    def register(func: JobFunc) -> JobFunc:
        existing = _jobs.get(name)
        if existing is not None and _origin(existing.func) != _origin(func):
            raise ValueError(f"job {name!r} is already registered by another function")
        _jobs[name] = Job(name, every_seconds, func)
        return func

    return register


def _origin(func: JobFunc) -> tuple[str, str]:
    return (getattr(func, "__module__", ""), getattr(func, "__qualname__", repr(func)))


def registered_jobs() -> list[Job]:
    return [_jobs[name] for name in sorted(_jobs)]


def get_job(name: str) -> Job:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None


class JobLock(Protocol):
    """A lease per job name, owned by a token, expiring after ``ttl_ms``."""

    async def acquire(self, name: str, token: str, ttl_ms: int) -> bool: ...

    async def extend(self, name: str, token: str, ttl_ms: int) -> bool:
        """Set the remaining life of a lease we own; ``ttl_ms <= 0`` releases it."""

    async def remaining_ms(self, name: str) -> int:
        """Milliseconds until the lease expires; 0 when free."""


# Compare-and-set on the token, so a worker never extends or frees a lease it lost.
_EXTEND = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return redis.call('del', KEYS[1])
"""


class RedisJobLock:
    def __init__(self, redis: Redis, *, prefix: str = LOCK_PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix

    async def acquire(self, name: str, token: str, ttl_ms: int) -> bool:
        return bool(await self.redis.set(self.prefix + name, token, nx=True, px=ttl_ms))

    async def extend(self, name: str, token: str, ttl_ms: int) -> bool:
        result = await self.redis.eval(_EXTEND, 1, self.prefix + name, token, str(ttl_ms))
        return bool(result)

    async def remaining_ms(self, name: str) -> int:
        ttl = int(await self.redis.pttl(self.prefix + name))
        return max(ttl, 0)


class LocalJobLock:
    """Embedded mode: the same lease semantics within one process."""

    def __init__(self) -> None:
        self._leases: dict[str, tuple[str, float]] = {}

    def _live(self, name: str) -> tuple[str, float] | None:
        lease = self._leases.get(name)
        if lease is not None and lease[1] <= time.monotonic():
            del self._leases[name]
            return None
        return lease

    async def acquire(self, name: str, token: str, ttl_ms: int) -> bool:
        if self._live(name) is not None:
            return False
        self._leases[name] = (token, time.monotonic() + ttl_ms / 1000)
        return True

    async def extend(self, name: str, token: str, ttl_ms: int) -> bool:
        lease = self._live(name)
        if lease is None or lease[0] != token:
            return False
        if ttl_ms <= 0:
            del self._leases[name]
        else:
            self._leases[name] = (token, time.monotonic() + ttl_ms / 1000)
        return True

    async def remaining_ms(self, name: str) -> int:
        lease = self._live(name)
        return 0 if lease is None else max(0, round((lease[1] - time.monotonic()) * 1000))


def job_lock(ctx: AppContext) -> JobLock:
    """Redis when configured; otherwise one local lock table per context (per process)."""
    if ctx.redis is not None:
        return RedisJobLock(ctx.redis, prefix=ctx.settings.redis_key("job:"))
    lock = ctx.extras.get("jobs.local_lock")
    if not isinstance(lock, LocalJobLock):
        lock = ctx.extras["jobs.local_lock"] = LocalJobLock()
    return lock


class JobMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter(
            "shoplet_job_runs_total",
            "Scheduled job runs by result (ok, failed)",
            ["job", "result"],
            registry=registry,
        )
        self.duration = Histogram(
            "shoplet_job_duration_seconds",
            "Scheduled job run time",
            ["job"],
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
            registry=registry,
        )


_metrics: weakref.WeakKeyDictionary[CollectorRegistry, JobMetrics] = weakref.WeakKeyDictionary()


def job_metrics(ctx: AppContext) -> JobMetrics:
    metrics = _metrics.get(ctx.metrics.registry)
    if metrics is None:
        metrics = _metrics[ctx.metrics.registry] = JobMetrics(ctx.metrics.registry)
    return metrics


async def run_job(ctx: AppContext, name: str) -> None:
    """Run a job now, ignoring its schedule and lease (tests, operators). Raises its errors."""
    await _execute(ctx, get_job(name))


async def _execute(ctx: AppContext, job: Job) -> None:
    metrics = job_metrics(ctx)
    start = time.perf_counter()
    try:
        await job.func(ctx)
    except Exception:
        metrics.runs.labels(job.name, "failed").inc()
        raise
    finally:
        metrics.duration.labels(job.name).observe(time.perf_counter() - start)
    metrics.runs.labels(job.name, "ok").inc()


class Scheduler:
    """Runs every registered job (or ``jobs``) on its interval until stopped."""

    def __init__(self, ctx: AppContext, jobs: list[Job] | None = None) -> None:
        self.ctx = ctx
        self.jobs = registered_jobs() if jobs is None else jobs
        self.lock = job_lock(ctx)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def run_if_due(self, job: Job) -> bool:
        """Take the job's lease and run it; ``False`` when another run holds the lease."""
        token = uuid.uuid4().hex
        if not await self.lock.acquire(job.name, token, job.lease_ms):
            return False
        started = time.monotonic()
        heartbeat = asyncio.create_task(self._keep_lease(job, token))
        try:
            await _execute(self.ctx, job)
        except Exception:
            log.exception("job_failed", job=job.name)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            # The lease ends one interval after the start: no other replica runs it sooner.
            left = job.lease_ms - round((time.monotonic() - started) * 1000)
            with contextlib.suppress(Exception):
                await self.lock.extend(job.name, token, left)
        return True

    async def _keep_lease(self, job: Job, token: str) -> None:
        while True:
            await asyncio.sleep(job.lease_ms / 3000)
            if not await self.lock.extend(job.name, token, job.lease_ms):
                log.warning("job_lease_lost", job=job.name)
                return

    async def start(self) -> None:
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._loop(job), name=f"job:{job.name}") for job in self.jobs
        ]

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let running jobs finish for up to ``grace_seconds``, then cancel them."""
        self._stopping.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _loop(self, job: Job) -> None:
        while not self._stopping.is_set():
            wait = job.every_seconds
            try:
                await self.run_if_due(job)
                # Whoever ran it, the lease ends one interval after that run started: try again
                # right then (start-to-start cadence, whichever replica wins).
                wait = max(await self.lock.remaining_ms(job.name) / 1000, 0.01)
            except Exception:
                # Redis unreachable, for instance: retry on the interval.
                log.exception("job_schedule_failed", job=job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=wait)
