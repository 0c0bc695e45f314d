"""What other modules (and the app's lifespan) may use from distribution: its events, and the
start-up hook that gives approvals and the payout job their :class:`Payouts` (WeChat merchant
transfers through the Pay v3 client: the simulator outside production)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.transfers import WeChatTransfers

from .events import COMMISSION_CREATED, WITHDRAWAL_PAID
from .withdrawals import PAYOUTS_KEY

__all__ = ["COMMISSION_CREATED", "WITHDRAWAL_PAID", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    integrations: Integrations = app.state.integrations
    ctx.extras.setdefault(PAYOUTS_KEY, WeChatTransfers(integrations.wechat_pay))
    return None
