"""The payments runtime: the WeChat Pay client and the calls made after a commit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import on_commit
from shoplet.core.events import drain_outbox
from shoplet.integrations.wechat.pay import WeChatPayClient

from ._common import log

# --- runtime: the WeChat Pay client and after-commit calls ---------------------------------

RUNTIME_KEY = "payments.runtime"

CallFactory = Callable[[], Awaitable[None]]


class PaymentsRuntime:
    """What payments' handlers and jobs need in a process: the context, the WeChat Pay client,
    and the WeChat calls scheduled to run after a commit (awaited on shutdown)."""

    def __init__(self, ctx: AppContext, pay: WeChatPayClient) -> None:
        self.ctx = ctx
        self.pay = pay
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, factory: CallFactory) -> None:
        task = asyncio.get_running_loop().create_task(self._run(factory))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(factory: CallFactory) -> None:
        try:
            await factory()
        except Exception:
            # The work is still recorded as to-do in the database: the sync jobs retry it.
            log.exception("payments_provider_call_failed")

    async def wait_idle(self) -> int:
        """Wait for every scheduled call (and those they schedule); return how many ran."""
        waited = 0
        while self._tasks:
            tasks = list(self._tasks)
            waited += len(tasks)
            await asyncio.gather(*tasks, return_exceptions=True)
        return waited

    async def aclose(self, grace_seconds: float = 10.0) -> None:
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def install_runtime(ctx: AppContext, pay: WeChatPayClient) -> PaymentsRuntime:
    """Make the runtime reachable from jobs (``ctx.extras``) and from event handlers (every
    session of ``ctx.sessionmaker`` carries it in ``Session.info``)."""
    runtime = PaymentsRuntime(ctx, pay)
    ctx.extras[RUNTIME_KEY] = runtime
    info = dict(ctx.sessionmaker.kw.get("info") or {})
    info[RUNTIME_KEY] = runtime
    ctx.sessionmaker.configure(info=info)
    return runtime


def runtime_of(ctx: AppContext) -> PaymentsRuntime:
    runtime = ctx.extras.get(RUNTIME_KEY)
    if not isinstance(runtime, PaymentsRuntime):
        raise RuntimeError("payments is not started in this process (no WeChat Pay client)")
    return runtime


def runtime_for(session: AsyncSession) -> PaymentsRuntime:
    runtime = session.info.get(RUNTIME_KEY)
    if not isinstance(runtime, PaymentsRuntime):
        raise RuntimeError("payments is not started in this process (no WeChat Pay client)")
    return runtime


def after_commit(session: AsyncSession, factory: CallFactory) -> None:
    """Run ``factory()`` once this session's transaction has committed (never if it rolls
    back), as a task of the payments runtime."""
    runtime = runtime_for(session)  # fail now, inside the transaction, rather than after it
    on_commit(session, lambda: runtime.spawn(factory))


async def settle(ctx: AppContext, *, max_rounds: int = 50) -> None:
    """Drain the outbox and wait for the WeChat calls it scheduled, until nothing is left
    (tests and scripts; the worker does the same continuously)."""
    runtime = runtime_of(ctx)
    for _ in range(max_rounds):
        relayed = await drain_outbox(ctx)
        waited = await runtime.wait_idle()
        if relayed == 0 and waited == 0:
            return
    raise RuntimeError(f"payments still busy after {max_rounds} rounds")
