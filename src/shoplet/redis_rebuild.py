"""``shoplet restore redis``: rebuild what Redis holds that matters from PostgreSQL.

Redis is never backed up. Everything in it is either derived from PostgreSQL or disposable:

- flash-sale campaigns (stock counters, buyers, limits, the order streams' groups): rebuilt by the
  flash-sale warm-up job from the campaign, its units in orders and its ticket rows;
- the shared cache (catalog bodies, rules): refilled on the next miss;
- rate-limit windows, job leases, read-your-writes pins: disposable, they start again;
- WeChat Pay notify nonces: a replayed notify is still checked against the payment's state;
- the event stream: the outbox table is the record; delivered events are not needed again.

After a database restore, ``--flush`` first deletes everything under ``SHOPLET_REDIS_PREFIX``:
the cache and the counters then describe data the database no longer has.
"""

from __future__ import annotations

from collections.abc import Callable

from shoplet.background import load_module_tasks
from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job

# Jobs that rebuild Redis state from the database, idempotent, in this order.
REBUILD_JOBS = ("flashsale.warm_up",)


async def flush_namespace(ctx: AppContext, progress: Callable[[str], None]) -> int:
    """Delete every key under this shop's prefix (never the rest of the Redis database)."""
    if ctx.redis is None:
        return 0
    pattern = "".join("\\" + c if c in "\\*?[]" else c for c in ctx.settings.redis_prefix) + "*"
    deleted = 0
    batch: list[bytes] = []
    async for key in ctx.redis.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += await ctx.redis.unlink(*batch)
            batch.clear()
            progress(f"redis: {deleted} keys deleted")
    if batch:
        deleted += await ctx.redis.unlink(*batch)
    return deleted


async def rebuild_redis(
    ctx: AppContext, *, flush: bool, progress: Callable[[str], None] = print
) -> list[str]:
    """Optionally flush the namespace, then run every rebuild job. Returns the jobs run."""
    if flush:
        progress(f"redis: deleted {await flush_namespace(ctx, progress)} keys")
    load_module_tasks()
    for name in REBUILD_JOBS:
        progress(f"rebuilding: {name}")
        await run_job(ctx, name)
    return list(REBUILD_JOBS)


__all__ = ["REBUILD_JOBS", "flush_namespace", "rebuild_redis"]
