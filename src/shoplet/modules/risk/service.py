"""The risk score: points for each signal of abuse, and the reasons behind them.

Pure (tested without I/O). Each caller counts its own signals where it keeps them (the flash
sale in Redis per campaign, bargains in their cut rows) and compares the score with its own
threshold: a flash sale asks for a challenge, a bargain refuses the cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

NEW_ACCOUNT = 40
BURST = 30
SHARED_IP = 30
SHARED_DEVICE = 60


@dataclass(frozen=True, slots=True)
class RiskSignals:
    member_since: datetime | None
    requests_this_minute: int
    """The shopper's requests of this kind in the current minute (buy tokens, cuts)."""
    members_on_ip: int
    """Distinct shoppers seen on the request's IP address (per campaign, or per day)."""
    members_on_device: int
    """Distinct shoppers seen on the request's device id."""


@dataclass(frozen=True, slots=True)
class RiskLimits:
    new_account_hours: int
    burst: int
    members_per_ip: int
    members_per_device: int


def risk_score(signals: RiskSignals, limits: RiskLimits, *, now: datetime) -> tuple[int, list[str]]:
    """Score and the reasons behind it. A new account, a burst of requests, many shoppers on one
    IP and several shoppers on one device each add points; a new account alone (40) stays under
    the usual threshold (60), so new shoppers are welcome, new shoppers from a farm are not."""
    score = 0
    reasons: list[str] = []
    since = signals.member_since
    if since is None or now - since < timedelta(hours=limits.new_account_hours):
        score += NEW_ACCOUNT
        reasons.append("new_account")
    if signals.requests_this_minute > limits.burst:
        score += BURST
        reasons.append("burst")
    if signals.members_on_ip > limits.members_per_ip:
        score += SHARED_IP
        reasons.append("shared_ip")
    if signals.members_on_device > limits.members_per_device:
        score += SHARED_DEVICE
        reasons.append("shared_device")
    return score, reasons
