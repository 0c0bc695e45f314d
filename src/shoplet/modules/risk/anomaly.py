"""The anomaly model: scikit-learn's IsolationForest over behaviour features (the engine's
numeric signals), scoring how unusual an action looks next to ordinary traffic.

The life of a model:

1. **Samples.** Every process keeps a small buffer of the features of allowed shopper actions,
   each taken with probability ``SHOPLET_RISK_SAMPLE_RATE``; the policy refresh (every 5 s)
   writes the buffer in one INSERT (``risk_anomaly_sample``, kept ``SAMPLE_DAYS`` days).
2. **Fit.** The worker's ``risk.refit_anomaly`` job (or 重新训练 in the console) fits a forest on
   the newest ``FIT_SAMPLES`` samples once the last model is a day old and at least
   ``MIN_SAMPLES`` are there. Fitting runs in a thread with one thread (``n_jobs=1``, one BLAS
   thread), so the event loop keeps serving; scikit-learn is imported only there.
3. **Share.** The fitted trees are stored as plain arrays (``export_forest``: children,
   features, thresholds and each leaf's path length), never pickled. Every process's policy
   refresh sees the newer version and scores with :class:`AnomalyModel`, a few lines of Python
   that walk the same trees: no scikit-learn in API processes, the same score everywhere.

The score is the isolation score s(x) = 2^(-E[h(x)]/c(n)) of the original paper (what
scikit-learn's ``score_samples`` returns negated); a test checks both agree to 1e-9. A model's
version (when, from how many samples, a digest of its parameters) goes into the decision log
with each score.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work

from . import repository
from .models import RiskAnomalyModel
from .rules import SignalValue

log = structlog.get_logger("shoplet.risk")

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
SPEC_FORMAT = 1
ANOMALY_KEY = "risk.anomaly"
SAMPLER_KEY = "risk.anomaly_sampler"
SAMPLE_BUFFER = 500
SAMPLE_DAYS = 14
MIN_SAMPLES = 500
FIT_SAMPLES = 20_000
REFIT_AFTER = timedelta(days=1)
EULER_GAMMA = 0.5772156649015329


def features(signals: Mapping[str, SignalValue]) -> list[float]:
    return [float(signals.get(name) or 0) for name in FEATURES]


def path_length(n: float) -> float:
    """c(n): the average path length of an unsuccessful search in a binary search tree of
    ``n`` points (scikit-learn's ``_average_path_length``)."""
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (math.log(n - 1.0) + EULER_GAMMA) - 2.0 * (n - 1.0) / n


@dataclass(frozen=True, slots=True)
class _Tree:
    left: list[int]
    right: list[int]
    feature: list[int]
    threshold: list[float]
    value: list[float]  # at a leaf: its depth + c(samples that reached it)


@dataclass(frozen=True, slots=True)
class AnomalyModel:
    """A forest as arrays, scoring in pure Python (about a hundred comparisons per tree walk)."""

    version: str
    spec: dict[str, Any]
    trees: tuple[_Tree, ...] = field(default=(), repr=False)
    norm: float = 1.0

    @classmethod
    def from_spec(cls, version: str, spec: Mapping[str, Any]) -> AnomalyModel:
        if spec.get("format") != SPEC_FORMAT or list(spec.get("features", ())) != list(FEATURES):
            raise ValueError("the model was fitted on other features")
        trees = tuple(
            _Tree(t["left"], t["right"], t["feature"], t["threshold"], t["value"])
            for t in spec["trees"]
        )
        norm = len(trees) * path_length(float(spec["max_samples"]))
        return cls(version=version, spec=dict(spec), trees=trees, norm=norm or 1.0)

    def __call__(self, signals: Mapping[str, SignalValue]) -> float:
        """0 (usual) .. 1 (most unusual): the isolation score s(x) = 2^(-E[h(x)]/c(n))."""
        x = features(signals)
        total = 0.0
        for tree in self.trees:
            node = 0
            left, right, feature, threshold = tree.left, tree.right, tree.feature, tree.threshold
            while left[node] != -1:
                node = left[node] if x[feature[node]] <= threshold[node] else right[node]
            total += tree.value[node]
        score: float = 2.0 ** (-total / self.norm)
        return round(score, 4)


def export_forest(forest: Any) -> dict[str, Any]:
    """A fitted ``IsolationForest`` as JSON-ready arrays: per tree the children (-1 at a
    leaf), the split features and thresholds, and each leaf's path length (its depth plus
    c(samples at the leaf), as scikit-learn adds them)."""
    trees = []
    for estimator in forest.estimators_:
        t = estimator.tree_
        left, right = t.children_left.tolist(), t.children_right.tolist()
        depth = [0] * len(left)
        for node in range(len(left)):  # parents come before their children
            if left[node] != -1:
                depth[left[node]] = depth[right[node]] = depth[node] + 1
        samples = t.n_node_samples.tolist()
        trees.append(
            {
                "left": left,
                "right": right,
                "feature": [max(0, f) for f in t.feature.tolist()],
                "threshold": [float(v) for v in t.threshold.tolist()],
                "value": [
                    depth[n] + path_length(samples[n]) if left[n] == -1 else 0.0
                    for n in range(len(left))
                ],
            }
        )
    return {
        "format": SPEC_FORMAT,
        "features": list(FEATURES),
        "max_samples": int(forest.max_samples_),
        "trees": trees,
    }


def _fit_forest(rows: Sequence[Sequence[float]], seed: int) -> tuple[Any, dict[str, Any]]:
    from sklearn.ensemble import IsolationForest
    from threadpoolctl import threadpool_limits

    params = {"n_estimators": 100, "max_samples": 256, "random_state": seed, "n_jobs": 1}
    with threadpool_limits(limits=1):
        forest = IsolationForest(**params).fit([list(r) for r in rows])
    return forest, params


def fit_rows(rows: Sequence[Sequence[float]], *, seed: int = 0) -> AnomalyModel:
    """Fit on feature vectors of ordinary traffic (blocking: call it in a thread)."""
    forest, params = _fit_forest(rows, seed)
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:8]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    version = f"if-{stamp}-n{len(rows)}-{digest}"
    return AnomalyModel.from_spec(version, export_forest(forest))


def fit(samples: Sequence[Mapping[str, SignalValue]], *, seed: int = 0) -> AnomalyModel:
    """Fit on the signals of ordinary traffic (blocking: call through :func:`fit_in_thread`)."""
    return fit_rows([features(s) for s in samples], seed=seed)


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


# -- samples of ordinary traffic -------------------------------------------------------------


class Sampler:
    """This process's buffer of sampled feature vectors, written by the policy refresh."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.rows: list[tuple[list[float], datetime]] = []
        self.writing = asyncio.Lock()  # one write at a time: a flush waits for the one running

    def offer(self, signals: Mapping[str, SignalValue], at: datetime) -> None:
        # Sampling, not security: a predictable draw does no harm.
        if self.rate > 0 and len(self.rows) < SAMPLE_BUFFER and random.random() < self.rate:  # noqa: S311  # nosec B311
            self.rows.append((features(signals), at))

    def take(self) -> list[tuple[list[float], datetime]]:
        rows, self.rows = self.rows, []
        return rows

    def give_back(self, rows: list[tuple[list[float], datetime]]) -> None:
        """Rows a failed write could not store, kept for the next (within the bound)."""
        self.rows = (rows + self.rows)[:SAMPLE_BUFFER]


def sampler_of(ctx: AppContext, rate: float) -> Sampler:
    found = ctx.extras.get(SAMPLER_KEY)
    if not isinstance(found, Sampler):
        found = ctx.extras[SAMPLER_KEY] = Sampler(rate)
    return found


async def flush_samples(ctx: AppContext) -> int:
    """Write this process's buffered samples in one INSERT; on failure they wait for the next
    flush (a busy SQLite file, a failover)."""
    found = ctx.extras.get(SAMPLER_KEY)
    if not isinstance(found, Sampler):
        return 0
    async with found.writing:
        rows = found.take()
        if not rows:
            return 0
        try:
            async with unit_of_work(ctx.sessionmaker) as session:
                await repository.add_samples(session, rows)
        except Exception:
            found.give_back(rows)
            raise
    return len(rows)


async def sync_model(session: AsyncSession, ctx: AppContext) -> None:
    """Score with the newest stored model if this process has another (or none)."""
    version = await repository.latest_model_version(session)
    current = ctx.extras.get(ANOMALY_KEY)
    if version is None or getattr(current, "version", None) == version:
        return
    row = await repository.latest_model(session)
    if row is None:
        return
    try:
        install(ctx, AnomalyModel.from_spec(row.version, row.spec))
    except (KeyError, TypeError, ValueError):
        log.warning("risk.anomaly_model_unusable", version=row.version)


# -- fitting from the stored samples ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelInfo:
    version: str
    samples: int
    fitted_by: str
    fitted_at: datetime


def info_of(row: RiskAnomalyModel) -> ModelInfo:
    return ModelInfo(row.version, row.samples, row.fitted_by, row.created_at)


class NotEnoughSamples(Exception):
    def __init__(self, have: int) -> None:
        super().__init__(f"{have} samples, {MIN_SAMPLES} needed")
        self.have = have


async def refit(session: AsyncSession, *, now: datetime, by: str) -> ModelInfo:
    """Fit a model on the newest samples and store it (the caller commits): every process
    scores with it from its next policy refresh. Raises :class:`NotEnoughSamples`."""
    rows = await repository.recent_samples(
        session, since=now - timedelta(days=SAMPLE_DAYS), limit=FIT_SAMPLES
    )
    if len(rows) < MIN_SAMPLES:
        raise NotEnoughSamples(len(rows))
    model = await asyncio.to_thread(fit_rows, rows)
    row = await repository.add_model(
        session,
        RiskAnomalyModel(
            version=model.version,
            samples=len(rows),
            spec=model.spec,
            fitted_by=by,
            created_at=now,
        ),
    )
    await repository.delete_samples_before(session, now - timedelta(days=SAMPLE_DAYS))
    log.info("risk.anomaly_model_fitted", version=model.version, samples=len(rows), by=by)
    return info_of(row)


async def refit_if_due(session: AsyncSession, *, now: datetime) -> ModelInfo | None:
    """The daily refit: when the newest model is ``REFIT_AFTER`` old (or there is none) and
    enough samples are stored; else nothing."""
    latest = await repository.latest_model(session)
    if latest is not None and now - _aware(latest.created_at) < REFIT_AFTER:
        return None
    try:
        return await refit(session, now=now, by="schedule")
    except NotEnoughSamples as exc:
        log.info("risk.anomaly_refit_skipped", samples=exc.have, needed=MIN_SAMPLES)
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
