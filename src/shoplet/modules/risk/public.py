"""What other modules may use from risk: the engine's guard and its request, the failure
counter, and the pure score of the flash sale and bargains."""

from __future__ import annotations

from shoplet.modules.risk.client import RiskClient, client_signals
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
)

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
]
