"""What other modules may use from risk: the score and its inputs."""

from __future__ import annotations

from shoplet.modules.risk.service import RiskLimits, RiskSignals, risk_score

__all__ = ["RiskLimits", "RiskSignals", "risk_score"]
