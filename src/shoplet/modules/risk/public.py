"""What other modules may use from risk: the engine's guard and its request, the failure
counter, and the pure score of the flash sale and bargains."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.risk.client import RiskClient, client_signals
from shoplet.modules.risk.engine import guard_staff_signin
from shoplet.modules.risk.errors import ChallengeRequired, RiskBlocked
from shoplet.modules.risk.rules import ACTIONS, Action
from shoplet.modules.risk.service import (
    Decision,
    RiskLimits,
    RiskRequest,
    RiskSignals,
    assess,
    guard,
    record_failure,
    risk_score,
    start_policy_refresh,
)
from shoplet.modules.staff.public import set_signin_guard

__all__ = [
    "ACTIONS",
    "Action",
    "ChallengeRequired",
    "Decision",
    "RiskBlocked",
    "RiskClient",
    "RiskLimits",
    "RiskRequest",
    "RiskSignals",
    "assess",
    "client_signals",
    "guard",
    "record_failure",
    "risk_score",
    "startup",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """App lifespan hook: keep the rules and IP lists in memory, refreshed in the background."""
    set_signin_guard(ctx, guard_staff_signin)
    return await start_policy_refresh(ctx)
