"""What other modules may use from risk: the engine's guard and its request, the failure
counter, the shopper challenge (members text its code; the grant lets the retry through)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.risk import anomaly
from shoplet.modules.risk.challenge import issue_code, verify_code
from shoplet.modules.risk.client import ClientSignals, RiskClient, client_signals
from shoplet.modules.risk.config import risk_settings, use_settings
from shoplet.modules.risk.engine import guard_staff_signin
from shoplet.modules.risk.errors import (
    ChallengeNoPhone,
    ChallengePasskeyInvalid,
    ChallengeRequired,
    RiskBlocked,
)
from shoplet.modules.risk.passkey import (
    PasskeyHook,
    passkey_options,
    set_passkey_hook,
    verify_passkey,
)
from shoplet.modules.risk.rules import ACTIONS, Action
from shoplet.modules.risk.schemas import (
    ChallengeCodeSent,
    ChallengeGrant,
    ChallengePasskeyOptions,
    ChallengePasskeyVerify,
    ChallengeVerify,
)
from shoplet.modules.risk.service import (
    Decision,
    RiskRequest,
    assess,
    guard,
    record_failure,
    start_policy_refresh,
)
from shoplet.modules.staff.public import set_signin_guard

__all__ = [
    "ACTIONS",
    "Action",
    "ChallengeCodeSent",
    "ChallengeGrant",
    "ChallengeNoPhone",
    "ChallengePasskeyInvalid",
    "ChallengePasskeyOptions",
    "ChallengePasskeyVerify",
    "ChallengeRequired",
    "ChallengeVerify",
    "ClientSignals",
    "Decision",
    "PasskeyHook",
    "RiskBlocked",
    "RiskClient",
    "RiskRequest",
    "assess",
    "client_signals",
    "guard",
    "issue_code",
    "passkey_options",
    "record_failure",
    "set_passkey_hook",
    "startup",
    "use_settings",
    "verify_code",
    "verify_passkey",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """App lifespan hook: keep the rules, IP lists and the newest anomaly model in memory,
    refreshed in the background, and sample ordinary traffic for the model's next fit."""
    set_signin_guard(ctx, guard_staff_signin)
    anomaly.sampler_of(ctx, risk_settings(ctx).sample_rate)
    return await start_policy_refresh(ctx)
