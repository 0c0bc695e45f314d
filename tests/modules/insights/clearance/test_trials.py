"""Clearance trials (清仓实验) over HTTP on SQLite and PostgreSQL: six overstocked SKUs are paired
by stock cover, one of each pair follows its plan as scheduled 限时折扣 and the other keeps its
price; sales after the start are compared by arm; a stop ends the plan arm's markdowns once and
releases the SKUs; refusals change nothing; on PostgreSQL, trials started at once over the same
SKUs leave exactly one. The randomisation inference itself is checked on made-up pairs."""

from __future__ import annotations

import asyncio
import itertools
import math
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.catalog.models import Sku
from shoplet.modules.insights.clearance import trial, trials
from shoplet.modules.insights.clearance.errors import TrialSkuBusy
from shoplet.modules.insights.clearance.models import (
    ClearanceStepRun,
    ClearanceTrial,
    ClearanceTrialSku,
)
from shoplet.modules.insights.clearance.schemas import ClearanceTrialCreate
from shoplet.modules.insights.forecast.service import shop_day
from shoplet.modules.inventory.models import Stock
from shoplet.modules.orders.models import Order, OrderLine
from shoplet.modules.promotions.models import Promotion
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, make_product, sku
from tests.modules.staff.conftest import bearer, token_for

TRIALS = "/api/v1/console/insights/clearance/trials"
PRICE, COST, STOCK = 10000, 3000, 300
# Weekly sales of the six SKUs at list price over the last ten weeks: pairs by cover form
# (60, 50), (30, 25), (12, 10) a week against the same stock.
WEEKLY = (60, 50, 30, 25, 12, 10)
TABLES = (
    "insights_clearance_trial",
    "insights_clearance_trial_sku",
    "insights_clearance_step",
    "promotions_promotion",
)
_numbers = itertools.count(1)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "clearance-trialist", role="owner"))


def _order(number: str, paid_at: datetime, total: int) -> dict[str, Any]:
    return {
        "order_no": number,
        "member_id": 1,
        "status": "completed",
        "source": "cart",
        "items_total": total,
        "shipping_fee": 0,
        "discount_total": 0,
        "payable_total": total,
        "refunded_total": 0,
        "aftersale_claimed_total": 0,
        "address_encrypted": "x",
        "phone_index": "x",
        "region_code": "110101",
        "idempotency_key": number,
        "request_hash": number,
        "created_at": paid_at - timedelta(minutes=5),
        "expires_at": paid_at + timedelta(minutes=25),
        "paid_at": paid_at,
        "updated_at": paid_at,
    }


async def sell(
    ctx: AppContext, product_id: int, sales: list[tuple[int, int, datetime, int]]
) -> None:
    """Paid orders, one per ``(sku_id, units, paid_at, unit_price)``."""
    async with unit_of_work(ctx.sessionmaker) as s:
        for sku_id, units, paid_at, unit_price in sales:
            number = f"CT{next(_numbers):010d}"
            order_id = await s.scalar(
                insert(Order)
                .values(**_order(number, paid_at, units * unit_price))
                .returning(Order.id)
            )
            await s.execute(
                insert(OrderLine).values(
                    order_id=order_id,
                    sku_id=sku_id,
                    product_id=product_id,
                    title="清仓",
                    spec_text="",
                    image=None,
                    unit_price=unit_price,
                    quantity=units,
                    line_total=units * unit_price,
                    discount=0,
                    payable=units * unit_price,
                )
            )


async def six_skus(ctx: AppContext) -> tuple[int, list[int]]:
    """A product with six costed SKUs, 300 on hand each, and ten weeks of sales at list price."""
    category_id = await make_category(ctx, "清仓")
    made = await make_product(
        ctx, category_id, skus=[sku(PRICE, ("款", str(i)), stock=STOCK) for i in range(6)]
    )
    ids = [s.id for s in made.skus]
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Sku).where(Sku.id.in_(ids)).values(cost_price=COST))
        await s.execute(update(Stock).where(Stock.sku_id.in_(ids)).values(on_hand=STOCK))
    now = utcnow()
    await sell(
        ctx,
        made.id,
        [
            (sku_id, weekly, now - timedelta(days=7 * week + 3), PRICE)
            for sku_id, weekly in zip(ids, WEEKLY, strict=True)
            for week in range(1, 11)
        ],
    )
    return made.id, ids


def _body(ids: list[int], **extra: Any) -> dict[str, Any]:
    target = shop_day(utcnow()) + timedelta(days=42)
    return {"name": "秋款清仓", "sku_ids": ids, "target_date": target.isoformat(), **extra}


async def _promotions(ctx: AppContext, sku_ids: list[int]) -> dict[int, list[str]]:
    async with ctx.sessionmaker() as s:
        rows = (
            await s.execute(
                select(ClearanceStepRun.sku_id, Promotion.status).join(
                    Promotion, Promotion.id == ClearanceStepRun.promotion_id
                )
            )
        ).all()
    out: dict[int, list[str]] = {sku_id: [] for sku_id in sku_ids}
    for sku_id, status in rows:
        out.setdefault(sku_id, []).append(status)
    return out


async def test_a_trial_runs_the_plan_against_skus_that_keep_their_price(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    product_id, ids = await six_skus(ctx)
    response = await client.post(TRIALS, json=_body(ids), headers=staff)
    assert response.status_code == 201, response.text
    started = response.json()
    assert started["status"] == "running"
    rows = {r["sku_id"]: r for r in started["skus"]}
    # Matched pairs by cover: the neighbours by weekly sales share a pair, one arm each.
    pairs: dict[int, set[str]] = {}
    for r in started["skus"]:
        pairs.setdefault(r["pair"], set()).add(r["arm"])
    assert pairs == {0: {"plan", "control"}, 1: {"plan", "control"}, 2: {"plan", "control"}}
    by_pair: dict[int, set[int]] = {r["pair"]: set() for r in started["skus"]}
    for sku_id, weekly in zip(ids, WEEKLY, strict=True):
        by_pair[rows[sku_id]["pair"]].add(weekly)
    assert sorted(map(sorted, by_pair.values())) == [[10, 12], [25, 30], [50, 60]]
    assert all(r["stock"] == STOCK and r["cost"] == COST for r in rows.values())
    plan_arm = [s for s in ids if rows[s]["arm"] == "plan"]
    control_arm = [s for s in ids if rows[s]["arm"] == "control"]
    # The plan arm's markdowns are scheduled 限时折扣 (the slow sellers need them to clear 300
    # in six weeks); the control arm keeps its price.
    scheduled = await _promotions(ctx, ids)
    assert all(scheduled[s] == [] for s in control_arm)
    slow_plan = [s for s in plan_arm if rows[s]["base_units"] < 40]
    assert slow_plan
    assert all(scheduled[s] and set(scheduled[s]) == {"active"} for s in slow_plan)

    # Since the start the plan arm sold 90 of each SKU, the control arm 30.
    after = utcnow()
    await sell(
        ctx,
        product_id,
        [(s, 90 if s in plan_arm else 30, after, 7000 if s in plan_arm else PRICE) for s in ids],
    )
    seen = (await client.get(f"{TRIALS}/{started['id']}", headers=staff)).json()
    through = seen["sell_through"]
    assert (through["plan_mean"], through["control_mean"]) == (0.3, 0.1)
    assert through["difference"] == pytest.approx(0.2)
    assert through["pairs"] == 3
    assert through["p_value"] == 0.25  # three pairs: 2 of the 8 coin outcomes are as extreme
    assert (through["low"], through["high"]) == (None, None)  # under six pairs: no interval
    margin = seen["margin_per_unit"]
    # Plan: 90 × (7000 − 3000) / 300 = 1200 a unit of stock; control: 30 × 7000 / 300 = 700.
    assert (margin["plan_mean"], margin["control_mean"]) == (1200, 700)
    listed = (await client.get(TRIALS, headers=staff)).json()["items"]
    assert [(t["id"], t["plan_skus"], t["control_skus"]) for t in listed] == [(started["id"], 3, 3)]

    # Stop: the plan arm's markdowns end, the SKUs are free for another trial; once only.
    stopped = await client.post(f"{TRIALS}/{started['id']}/stop", headers=staff)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "stopped"
    assert stopped.json()["sell_through"]["difference"] == pytest.approx(0.2)
    assert all(set(v) <= {"stopped"} for v in (await _promotions(ctx, ids)).values())
    before = await snapshot(ctx, *TABLES)
    again = await client.post(f"{TRIALS}/{started['id']}/stop", headers=staff)
    assert again.status_code == 409
    assert again.json()["code"] == "insights.clearance_trial_stopped"
    assert await snapshot(ctx, *TABLES) == before
    second = await client.post(TRIALS, json=_body(ids[:4], name="再清一次"), headers=staff)
    assert second.status_code == 201, second.text


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"duplicate": True}, 400, "insights.clearance_invalid"),
        ({"unknown": True}, 400, "insights.clearance_sku_unknown"),
        ({"uncosted": True}, 400, "insights.clearance_no_cost"),
        ({"target_date": "2020-01-01"}, 400, "insights.clearance_invalid"),
        ({"busy": True}, 409, "insights.clearance_trial_sku_busy"),
    ],
)
async def test_refused_trials_change_nothing(  # noqa: PLR0917
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    change = dict(change)  # the parameter is shared by both backends' runs
    _product_id, ids = await six_skus(ctx)
    body = _body(ids[:5])
    if change.pop("duplicate", False):
        body["sku_ids"] = [ids[0], *ids[:4]]
    if change.pop("unknown", False):
        body["sku_ids"] = [*ids[:4], 999_999]
    if change.pop("uncosted", False):
        async with unit_of_work(ctx.sessionmaker) as s:
            await s.execute(update(Sku).where(Sku.id == ids[3]).values(cost_price=None))
    if change.pop("busy", False):
        first = await client.post(
            TRIALS, json=_body([ids[5], ids[4], ids[2], ids[3]]), headers=staff
        )
        assert first.status_code == 201, first.text
    body.update(change)
    before = await snapshot(ctx, *TABLES)
    response = await client.post(TRIALS, json=body, headers=staff)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


async def test_a_missing_trial_is_404_and_too_few_skus_a_422(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    missing = await client.get(f"{TRIALS}/424242", headers=staff)
    assert missing.status_code == 404
    assert missing.json()["code"] == "insights.clearance_trial_not_found"
    assert (await client.post(f"{TRIALS}/424242/stop", headers=staff)).status_code == 404
    before = await snapshot(ctx, *TABLES)
    few = await client.post(TRIALS, json=_body([1, 2, 3]), headers=staff)
    assert few.status_code == 422
    assert await snapshot(ctx, *TABLES) == before


async def test_trials_started_at_once_over_the_same_skus_leave_one(
    backend: str, ctx: AppContext
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    _product_id, ids = await six_skus(ctx)
    target = shop_day(utcnow()) + timedelta(days=42)
    outcomes: list[str] = []

    async def start(n: int) -> None:
        body = ClearanceTrialCreate(
            name=f"并发 {n}", sku_ids=ids[n % 2 : n % 2 + 4], target_date=target
        )
        try:
            async with unit_of_work(ctx.sessionmaker) as s:
                await trials.start_trial(s, body, actor="racer")
            outcomes.append("started")
        except TrialSkuBusy:
            outcomes.append("busy")

    await asyncio.gather(*(start(n) for n in range(6)))
    assert sorted(outcomes) == ["busy"] * 5 + ["started"]
    async with ctx.sessionmaker() as s:
        claimed = await s.scalar(select(func.count()).select_from(ClearanceTrialSku))
        steps = await s.scalar(select(func.count()).select_from(ClearanceStepRun))
        promotions = await s.scalar(select(func.count()).select_from(Promotion))
    assert claimed == 4
    assert steps == promotions  # no promotion of a losing trial survived


def test_pairs_hold_alike_skus_and_the_odd_one_is_a_control() -> None:
    units = [trial.Unit(i, c) for i, c in enumerate([3.0, 1.0, 2.0, 8.0, math.inf, 5.0, 4.0])]
    arms = trial.assign(units, seed=7)
    assert arms == trial.assign(units, seed=7)  # the seed is the whole draw
    pairs: dict[int, list[int]] = {}
    for sku_id, (_arm, pair) in arms.items():
        pairs.setdefault(pair, []).append(sku_id)
    assert sorted(map(sorted, pairs.values())) == [[0, 6], [1, 2], [3, 5], [4]]
    assert arms[4] == ("control", 3)
    for members in pairs.values():
        if len(members) == 2:
            assert {arms[m][0] for m in members} == {"plan", "control"}


@pytest.mark.parametrize("pairs", [6, 20])
def test_randomisation_inference_finds_a_real_effect_and_not_a_null_one(pairs: int) -> None:
    import numpy as np

    rng = np.random.default_rng(pairs)
    control = [(p, float(rng.normal(0.3, 0.05))) for p in range(pairs)]
    lifted = [(p, v + 0.2 + float(rng.normal(0, 0.03))) for p, v in control]
    same = [(p, v + float(rng.normal(0, 0.03))) for p, v in control]
    found = trial.compare(lifted, control, seed=1)
    assert found.difference is not None
    assert found.low is not None
    assert found.high is not None
    assert found.p_value is not None
    assert found.p_value <= 2 / 2 ** min(pairs, trial.EXACT_PAIRS) + 0.01
    assert found.low < 0.2 < found.high
    null = trial.compare(same, control, seed=1)
    assert null.p_value is not None
    assert null.low is not None
    assert null.high is not None
    assert null.p_value > 0.05
    assert null.low < 0 < null.high
    # An empty arm compares nothing.
    assert trial.compare(lifted, [], seed=1).p_value is None


async def test_a_trial_stops_by_itself_on_its_target_date(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _product_id, ids = await six_skus(ctx)
    started = (await client.post(TRIALS, json=_body(ids[:4]), headers=staff)).json()
    assert await trials.stop_due_trials(ctx) == 0  # six weeks to go
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(ClearanceTrial)
            .where(ClearanceTrial.id == started["id"])
            .values(target_date=shop_day(utcnow()))
        )
    assert await trials.stop_due_trials(ctx) == 1
    assert await trials.stop_due_trials(ctx) == 0
    seen = (await client.get(f"{TRIALS}/{started['id']}", headers=staff)).json()
    assert seen["status"] == "stopped"
    assert all(set(v) <= {"stopped"} for v in (await _promotions(ctx, ids)).values())
