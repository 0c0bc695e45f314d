"""The anomaly model's life: the exported forest scores exactly like scikit-learn's, allowed
shopper actions are sampled and written by the policy refresh, the daily job fits on them
(once a day, never on too little traffic), every process scores with the stored model, and the
console shows it and refits on demand (409 with nothing written before enough samples)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.risk import anomaly, repository
from shoplet.modules.risk.models import RiskAnomalyModel, RiskAnomalySample
from shoplet.modules.risk.public import assess
from tests.modules.risk import traffic
from tests.modules.risk.test_engine import replay
from tests.modules.staff.conftest import bearer, token_for

START = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)
STATUS = "/api/v1/console/risk/anomaly"
REFIT = "/api/v1/console/risk/anomaly/refit"


def _rows(rng: random.Random, n: int, *, scale: int) -> list[list[float]]:
    return [[float(rng.randrange(scale)) for _ in anomaly.FEATURES] for _ in range(n)]


def test_the_exported_forest_scores_like_scikit_learn() -> None:
    rng = random.Random(5)
    train = _rows(rng, 2000, scale=4)
    forest, _ = anomaly._fit_forest(train, seed=3)
    # Stored as JSON (PostgreSQL's JSONB keeps floats' digits) and read back.
    spec = json.loads(json.dumps(anomaly.export_forest(forest)))
    model = anomaly.AnomalyModel.from_spec("v1", spec)
    probes = _rows(rng, 300, scale=4) + _rows(rng, 100, scale=40)  # usual and unusual
    expected = -forest.score_samples(probes)
    for row, want in zip(probes, expected, strict=True):
        got = model(dict(zip(anomaly.FEATURES, row, strict=True)))
        assert got == pytest.approx(float(want), abs=6e-5)
    # The unusual rows score higher.
    usual = sorted(float(v) for v in expected[:300])
    assert sum(float(v) > usual[-3] for v in expected[300:]) >= 90


def test_a_model_of_other_features_is_refused() -> None:
    with pytest.raises(ValueError, match="other features"):
        anomaly.AnomalyModel.from_spec("v0", {"format": 1, "features": ["x"], "trees": []})


async def _count(ctx: AppContext, table: type[RiskAnomalyModel | RiskAnomalySample]) -> int:
    async with ctx.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_sampled_traffic_is_fitted_once_a_day_and_shared(ctx: AppContext) -> None:
    ctx.extras[anomaly.SAMPLER_KEY] = anomaly.Sampler(rate=1.0)
    ctx.extras.pop(anomaly.ANOMALY_KEY, None)
    now = utcnow()
    # Too little traffic: the job fits nothing.
    async with unit_of_work(ctx.sessionmaker) as session:
        assert await anomaly.refit_if_due(session, now=now) is None
    assert await _count(ctx, RiskAnomalyModel) == 0

    decisions = await replay(ctx, traffic.normal_day(seed=8, start=now - timedelta(hours=2)))
    allowed = sum(d.outcome == "allow" for d in decisions)
    # The buffer is bounded; the app's policy refresh may already have written part of it.
    assert len(ctx.extras[anomaly.SAMPLER_KEY].rows) <= anomaly.SAMPLE_BUFFER
    await anomaly.flush_samples(ctx)
    stored = await _count(ctx, RiskAnomalySample)
    assert min(allowed, anomaly.SAMPLE_BUFFER) <= stored <= allowed
    # A second replay fills the buffer again (the refresh writes it every 5 s in a process).
    await replay(ctx, traffic.normal_day(seed=9, start=now - timedelta(hours=1)))
    await anomaly.flush_samples(ctx)
    assert await _count(ctx, RiskAnomalySample) >= anomaly.MIN_SAMPLES

    async with unit_of_work(ctx.sessionmaker) as session:
        fitted = await anomaly.refit_if_due(session, now=now)
    assert fitted is not None
    assert fitted.samples >= anomaly.MIN_SAMPLES
    assert fitted.fitted_by == "schedule"
    async with unit_of_work(ctx.sessionmaker) as session:  # a day has not passed
        assert await anomaly.refit_if_due(session, now=now + timedelta(hours=23)) is None
    assert await _count(ctx, RiskAnomalyModel) == 1

    # Another process: its policy refresh installs the stored model, no scikit-learn needed.
    async with ctx.sessionmaker() as session:
        await anomaly.sync_model(session, ctx)
    installed = ctx.extras[anomaly.ANOMALY_KEY]
    assert isinstance(installed, anomaly.AnomalyModel)
    assert installed.version == fitted.version
    farm = traffic.coupon_farm(seed=3, start=now)
    async with ctx.sessionmaker() as session:
        decision = await assess(session, ctx, farm[-1].request, now=farm[-1].at)
    assert decision.signals["anomaly_model"] == fitted.version
    assert float(decision.signals["anomaly"] or 0) > 0


async def test_the_console_shows_and_refits_the_model(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    owner = bearer(await token_for(client, ctx, "anomaly-owner", role="owner"))
    operator = bearer(await token_for(client, ctx, "anomaly-operator", role="operator"))
    assert (await client.get(STATUS, headers=operator)).status_code == 403
    status = (await client.get(STATUS, headers=owner)).json()
    assert status["model"] is None
    assert status["min_samples"] == anomaly.MIN_SAMPLES

    refused = await client.post(REFIT, headers=owner)
    assert refused.status_code == 409
    assert refused.json()["code"] == "risk.not_enough_samples"
    assert await _count(ctx, RiskAnomalyModel) == 0

    rng = random.Random(2)
    async with unit_of_work(ctx.sessionmaker) as session:
        await repository.add_samples(
            session, [(row, utcnow()) for row in _rows(rng, anomaly.MIN_SAMPLES, scale=3)]
        )
    done = await client.post(REFIT, headers=owner)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["model"]["fitted_by"] == "anomaly-owner"
    assert body["model"]["samples"] == anomaly.MIN_SAMPLES
    assert body["samples"] == anomaly.MIN_SAMPLES
    assert (await client.get(STATUS, headers=owner)).json()["model"] == body["model"]
