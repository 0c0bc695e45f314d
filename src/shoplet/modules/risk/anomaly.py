"""The anomaly model: scikit-learn's IsolationForest over behaviour features (the engine's
numeric signals), scoring how unusual an action looks next to ordinary traffic.

scikit-learn is imported only when a model is fitted or loaded, and fitting runs in a worker
thread with one thread (``n_jobs=1`` and one BLAS thread), so an API process neither pays for the
import at start nor stalls its event loop. A fitted model carries a version (when, from how many
samples, a digest of its parameters) that the decision log records with each score.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shoplet.core.context import AppContext

from .engine import ANOMALY_KEY
from .rules import SignalValue

# Behaviour features: counts and ratios that describe how an account, device and IP behave.
FEATURES: tuple[str, ...] = (
    "account_minute",
    "account_hour",
    "account_day",
    "device_minute",
    "device_hour",
    "ip_minute",
    "ip_hour",
    "fingerprint_hour",
    "accounts_on_device",
    "accounts_on_ip",
    "account_ips",
    "account_failures",
    "ip_failures",
)


def features(signals: Mapping[str, SignalValue]) -> list[float]:
    return [float(signals.get(name) or 0) for name in FEATURES]


@dataclass(frozen=True, slots=True)
class AnomalyModel:
    version: str
    forest: Any
    """A fitted ``sklearn.ensemble.IsolationForest``."""

    def __call__(self, signals: Mapping[str, SignalValue]) -> float:
        """0 (usual) .. 1 (most unusual): the isolation score s(x) = 2^(-E[h(x)]/c(n)) of the
        original paper, which scikit-learn returns negated by ``score_samples``."""
        return round(float(-self.forest.score_samples([features(signals)])[0]), 4)


def fit(samples: Sequence[Mapping[str, SignalValue]], *, seed: int = 0) -> AnomalyModel:
    """Fit on ordinary traffic (blocking: call through :func:`fit_in_thread`)."""
    from sklearn.ensemble import IsolationForest
    from threadpoolctl import threadpool_limits

    params = {"n_estimators": 100, "max_samples": 256, "random_state": seed, "n_jobs": 1}
    with threadpool_limits(limits=1):
        forest = IsolationForest(**params).fit([features(s) for s in samples])
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:8]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return AnomalyModel(version=f"if-{stamp}-n{len(samples)}-{digest}", forest=forest)


async def fit_in_thread(
    samples: Sequence[Mapping[str, SignalValue]], *, seed: int = 0
) -> AnomalyModel:
    return await asyncio.to_thread(fit, samples, seed=seed)


def install(ctx: AppContext, model: AnomalyModel | None) -> None:
    """Score this process's assessments with ``model`` (``None``: no model, anomaly 0)."""
    if model is None:
        ctx.extras.pop(ANOMALY_KEY, None)
    else:
        ctx.extras[ANOMALY_KEY] = model
