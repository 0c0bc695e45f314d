"""The bandit job on both databases: due experiments get new weights from their counts, with
the floor, an allocation history row and a new ruleset version that assignment follows; a unit
already exposed keeps its arm."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.experiments.models import Allocation, Arm
from shoplet.modules.experiments.tasks import CLOCK_KEY, REALLOCATE_JOB
from tests.modules.experiments.factories import (
    ASSIGN,
    EXPERIMENTS,
    EXPOSURES,
    make_experiment,
    make_layer,
)
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "exp-operator"))


async def test_reallocation(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff)
    eid = (await make_experiment(client, staff, layer, allocation="bandit"))["id"]
    exposed = {"X-Device-Id": "device-sticky"}
    before = (await client.post(ASSIGN, json={}, headers=exposed)).json()
    kept = before["variants"]["checkout_button_text"]["variant"]
    await client.post(EXPOSURES, json={"experiment_id": eid, "variant": kept}, headers=exposed)
    loser = "default" if kept == "alt" else "alt"
    async with ctx.sessionmaker.begin() as s:
        rows = {a.key: a for a in await s.scalars(select(Arm).where(Arm.experiment_id == eid))}
        rows[loser].visitors, rows[loser].conversions = 2000, 40
        rows[kept].visitors, rows[kept].conversions = 2000, 160
    # Just started: the start allocation is fresh, nothing is due yet.
    await run_job(ctx, REALLOCATE_JOB)
    async with ctx.sessionmaker() as s:
        assert len(list(await s.scalars(select(Allocation)))) == 1
    ctx.extras[CLOCK_KEY] = lambda: utcnow() + timedelta(minutes=61)
    try:
        await run_job(ctx, REALLOCATE_JOB)
    finally:
        ctx.extras.pop(CLOCK_KEY)
    async with ctx.sessionmaker() as s:
        weights = {
            a.key: a.weight for a in await s.scalars(select(Arm).where(Arm.experiment_id == eid))
        }
        history = list(await s.scalars(select(Allocation).order_by(Allocation.id)))
    assert weights == {kept: 9500, loser: 500}  # the 5 % floor
    assert len(history) == 2
    results = (await client.get(f"{EXPERIMENTS}/{eid}/results", headers=staff)).json()
    assert [p["weights"] for p in results["allocations"]] == [
        {"default": 5000, "alt": 5000},
        {kept: 9500, loser: 500},
    ]
    after = (await client.post(ASSIGN, json={}, headers=exposed)).json()
    assert after["version"] > before["version"]
    assert after["variants"]["checkout_button_text"]["variant"] == kept
    shares = [
        (await client.post(ASSIGN, json={}, headers={"X-Device-Id": f"device-{n:05d}"})).json()[
            "variants"
        ]["checkout_button_text"]["variant"]
        for n in range(200)
    ]
    assert shares.count(kept) > 170
