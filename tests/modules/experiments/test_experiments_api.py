"""Experiments over HTTP, on SQLite and PostgreSQL: layers and bucket ranges, the status
machine with its decision log, assignment and exposures for members and devices, orders
attributed through orders' events, live results; every refused input is a 4xx with a stable
code and no row changed; 401 without a token, 403 without ``experiments:manage``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.experiments.models import Arm
from tests.conftest import snapshot
from tests.modules.experiments.factories import (
    ASSIGN,
    EXPERIMENTS,
    EXPOSURES,
    LAYERS,
    TABLES,
    experiment_body,
    make_experiment,
    make_layer,
    order_event,
)
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "exp-operator"))


INVALID = "experiments.invalid_experiment"
INVALID_WEIGHTS = "experiments.invalid_weights"
TRANSITION = "experiments.invalid_transition"


def arm_pair(a: tuple[str, int], b: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"key": k, "name": k.upper(), "weight": w} for k, w in (a, b)]


def device(n: int) -> dict[str, str]:
    return {"X-Device-Id": f"device-{n:06d}"}


async def arms(ctx: AppContext, experiment_id: int) -> dict[str, Arm]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(Arm).where(Arm.experiment_id == experiment_id))
        return {a.key: a for a in rows}


async def test_lifecycle_with_decision_log(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff)
    draft = await make_experiment(client, staff, layer, start=False)
    assert draft["status"] == "draft"
    assert [a["weight"] for a in draft["arms"]] == [5000, 5000]
    eid = draft["id"]
    edited = await client.put(
        f"{EXPERIMENTS}/{eid}",
        json=experiment_body(layer, bucket_end=600, traffic_percent=50),
        headers=staff,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["bucket_end"], edited.json()["traffic_percent"]) == (600, 50)
    for action, status in (("start", "running"), ("pause", "paused"), ("start", "running")):
        response = await client.post(f"{EXPERIMENTS}/{eid}/{action}", json={}, headers=staff)
        assert response.json()["status"] == status, response.text
    ramp = await client.post(
        f"{EXPERIMENTS}/{eid}/traffic", json={"traffic_percent": 80}, headers=staff
    )
    assert ramp.json()["traffic_percent"] == 80
    stop = await client.post(
        f"{EXPERIMENTS}/{eid}/stop",
        json={"winner_arm_key": "alt", "note": "立即支付胜出"},
        headers=staff,
    )
    assert stop.status_code == 200, stop.text
    out = stop.json()
    assert out["status"] == "stopped"
    assert out["winner_arm_id"] == next(a["id"] for a in out["arms"] if a["key"] == "alt")
    assert out["decision_note"] == "立即支付胜出"
    detail = (await client.get(f"{EXPERIMENTS}/{eid}", headers=staff)).json()
    ramp_entry = next(d for d in detail["decisions"] if d["action"] == "ramp")
    assert (ramp_entry["from_status"], ramp_entry["note"]) == ("running", "traffic 50% → 80%")
    stop_entry = detail["decisions"][-1]
    assert (stop_entry["from_status"], stop_entry["to_status"]) == ("running", "stopped")
    assert [d["action"] for d in detail["decisions"]] == [
        "create",
        "edit",
        "start",
        "pause",
        "start",
        "ramp",
        "stop",
    ]
    listed = (await client.get(EXPERIMENTS, headers=staff, params={"status": "stopped"})).json()
    assert [e["id"] for e in listed["items"]] == [eid]
    # The stopped experiment's range is free again.
    layers = (await client.get(LAYERS, headers=staff)).json()
    assert layers[0]["free_ranges"] == [[0, 1000]]


async def test_list_pages_by_cursor(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    layer = await make_layer(client, staff)
    ids = [
        (
            await make_experiment(
                client, staff, layer, start=False, bucket_start=i * 100, bucket_end=i * 100 + 100
            )
        )["id"]
        for i in range(3)
    ]
    first = (await client.get(EXPERIMENTS, headers=staff, params={"limit": 2})).json()
    assert [e["id"] for e in first["items"]] == ids[::-1][:2]
    second = (
        await client.get(
            EXPERIMENTS, headers=staff, params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [e["id"] for e in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        (
            {
                "arms": [
                    {"key": "default", "name": "A", "weight": 5000},
                    {"key": "alt", "name": "B", "weight": 4000},
                ]
            },
            400,
            "experiments.invalid_weights",
        ),
        (
            {"arms": [{"key": "a", "name": "A", "weight": 10000}]},
            400,
            "experiments.invalid_weights",
        ),
        (
            {
                "arms": [
                    {"key": "a", "name": "A", "weight": 5000},
                    {"key": "a", "name": "B", "weight": 5000},
                ]
            },
            400,
            "experiments.invalid_weights",
        ),
        ({"bucket_start": 400, "bucket_end": 300}, 400, "experiments.invalid_experiment"),
        ({"bucket_end": 1001}, 400, "experiments.invalid_experiment"),
        ({"traffic_percent": 0}, 400, "experiments.invalid_experiment"),
        ({"holdout_percent": 60}, 400, "experiments.invalid_experiment"),
        ({"bucket_start": 450, "bucket_end": 700}, 409, "experiments.buckets_taken"),
        ({"layer_id": 999_999}, 400, "experiments.layer_unknown"),
        ({"slot": "nope"}, 422, "request.invalid"),
        # The search ranking's arms are the search presets (an unknown one would rank as default).
        ({"slot": "search_ranking"}, 400, "experiments.invalid_experiment"),
        # The storefront renders only its own arms of the built-in slots.
        ({"slot": "home_layout"}, 400, "experiments.invalid_experiment"),
    ],
)
async def test_bad_experiments_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    overrides: dict[str, Any],
    status: int,
    code: str,
) -> None:
    layer = await make_layer(client, staff)
    await make_experiment(client, staff, layer, start=False, bucket_start=0, bucket_end=500)
    before = await snapshot(ctx)
    body = experiment_body(layer, bucket_start=500, bucket_end=1000)
    body.update(overrides)
    response = await client.post(EXPERIMENTS, json=body, headers=staff)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_bad_transitions_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff)
    experiment = await make_experiment(client, staff, layer)
    eid = experiment["id"]
    await client.post(f"{EXPERIMENTS}/{eid}/stop", json={}, headers=staff)
    before = await snapshot(ctx)
    for method, path, body, status, code in (
        ("post", f"{EXPERIMENTS}/{eid}/start", {}, 409, "experiments.invalid_transition"),
        ("post", f"{EXPERIMENTS}/{eid}/pause", {}, 409, "experiments.invalid_transition"),
        ("post", f"{EXPERIMENTS}/{eid}/stop", {}, 409, "experiments.invalid_transition"),
        (
            "put",
            f"{EXPERIMENTS}/{eid}",
            experiment_body(layer),
            409,
            "experiments.invalid_transition",
        ),
        ("post", f"{EXPERIMENTS}/999999/start", {}, 404, "experiments.not_found"),
        ("post", LAYERS, {"key": "home", "name": "again"}, 409, "experiments.layer_taken"),
    ):
        response = await client.request(method, path, json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (status, code), path
    other = await make_experiment(client, staff, layer, start=True)
    before = await snapshot(ctx)
    response = await client.post(
        f"{EXPERIMENTS}/{other['id']}/stop", json={"winner_arm_key": "ghost"}, headers=staff
    )
    assert (response.status_code, response.json()["code"]) == (
        400,
        "experiments.invalid_experiment",
    )
    assert await snapshot(ctx) == before


async def test_401_and_403(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "exp-support", role="support"))
    before = await snapshot(ctx, *TABLES)
    for method, path in (
        ("get", EXPERIMENTS),
        ("post", EXPERIMENTS),
        ("get", LAYERS),
        ("post", LAYERS),
        ("get", f"{EXPERIMENTS}/1/results"),
        ("post", f"{EXPERIMENTS}/1/start"),
    ):
        anonymous = await client.request(method, path, json={})
        assert anonymous.status_code == 401, path
        denied = await client.request(method, path, json={}, headers=support)
        assert denied.status_code == 403, path
    assert await snapshot(ctx, *TABLES) == before


async def test_search_ranking_arms_are_the_search_presets(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff, key="search")
    arms = [
        {"key": "default", "name": "当前排序", "weight": 5000},
        {"key": "semantic", "name": "语义加权", "weight": 5000},
    ]
    experiment = await make_experiment(
        client, staff, layer, name="搜索排序权重", slot="search_ranking", arms=arms
    )
    seen = set()
    for n in range(30):
        answer = (await client.post(ASSIGN, json={}, headers=device(n))).json()
        variant = answer["variants"]["search_ranking"]
        assert variant["experiment_id"] == experiment["id"]
        seen.add(variant["variant"])
    assert seen == {"default", "semantic"}


async def test_assignment_is_stable_and_writes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff)
    experiment = await make_experiment(client, staff, layer)
    before = await snapshot(ctx, *TABLES)
    seen = {}
    for n in range(40):
        first = await client.post(ASSIGN, json={"platform": "h5"}, headers=device(n))
        assert first.status_code == 200, first.text
        variant = first.json()["variants"]["checkout_button_text"]
        assert variant["experiment_id"] == experiment["id"]
        again = await client.post(ASSIGN, json={}, headers=device(n))
        assert again.json()["variants"]["checkout_button_text"] == variant
        seen[n] = variant["variant"]
    assert set(seen.values()) == {"default", "alt"}
    assert await snapshot(ctx, *TABLES) == before
    # No unit: 400; a bad token: 401.
    response = await client.post(ASSIGN, json={})
    assert (response.status_code, response.json()["code"]) == (400, "experiments.unit_missing")
    response = await client.post(ASSIGN, json={}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    # Paused: nobody is enrolled, and the cached ruleset follows at once.
    await client.post(f"{EXPERIMENTS}/{experiment['id']}/pause", json={}, headers=staff)
    paused = await client.post(ASSIGN, json={}, headers=device(1))
    assert paused.json()["variants"] == {}


async def test_exposures_count_once_and_orders_attribute(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff)
    experiment = await make_experiment(client, staff, layer)
    eid = experiment["id"]
    alice = await shopper(client, "alice")
    assigned = (await client.post(ASSIGN, json={}, headers=alice.headers)).json()
    assert assigned["unit"] == f"m:{alice.member_id}"
    variant = assigned["variants"]["checkout_button_text"]["variant"]
    other = "alt" if variant == "default" else "default"
    before = await snapshot(ctx, *TABLES)
    wrong = await client.post(
        EXPOSURES, json={"experiment_id": eid, "variant": other}, headers=alice.headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (409, "experiments.not_enrolled")
    assert await snapshot(ctx, *TABLES) == before
    body = {"experiment_id": eid, "variant": variant}
    first = await client.post(EXPOSURES, json=body, headers=alice.headers)
    assert first.json() == {"recorded": True}
    second = await client.post(EXPOSURES, json=body, headers=alice.headers)
    assert second.json() == {"recorded": False}
    assert (await arms(ctx, eid))[variant].visitors == 1

    paid = {"member_id": alice.member_id, "amount": 5900, "paid_at": utcnow().isoformat()}
    await order_event(ctx, "paid", {**paid, "order_no": "E1"})
    await order_event(ctx, "paid", {**paid, "order_no": "E2", "amount": 4100})
    # An order paid before the exposure does not count.
    early = (utcnow() - timedelta(days=1)).isoformat()
    await order_event(ctx, "paid", {**paid, "order_no": "E0", "paid_at": early})
    arm = (await arms(ctx, eid))[variant]
    assert (arm.visitors, arm.conversions, arm.orders, arm.revenue) == (1, 1, 2, 10_000)
    assert arm.revenue_squares == pytest.approx(10_000.0**2)
    # A partial refund, then the rest of the order; E2 refunded whole.
    await order_event(ctx, "aftersale", {"order_no": "E1", "amount": 900})
    await order_event(ctx, "refunded", {"order_no": "E1"})
    arm = (await arms(ctx, eid))[variant]
    assert (arm.conversions, arm.orders, arm.revenue) == (1, 1, 4100)
    assert arm.revenue_squares == pytest.approx(4100.0**2)
    await order_event(ctx, "refunded", {"order_no": "E2"})
    arm = (await arms(ctx, eid))[variant]
    assert (arm.conversions, arm.orders, arm.revenue, arm.revenue_squares) == (0, 0, 0, 0.0)


async def test_results(client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]) -> None:
    layer = await make_layer(client, staff)
    experiment = await make_experiment(client, staff, layer)
    eid = experiment["id"]
    empty = (await client.get(f"{EXPERIMENTS}/{eid}/results", headers=staff)).json()
    assert empty["analysis"] is None
    assert [a["visitors"] for a in empty["arms"]] == [0, 0]
    for n in range(60):
        variants = (await client.post(ASSIGN, json={}, headers=device(n))).json()["variants"]
        body = {"experiment_id": eid, "variant": variants["checkout_button_text"]["variant"]}
        assert (await client.post(EXPOSURES, json=body, headers=device(n))).status_code == 200
    response = await client.get(f"{EXPERIMENTS}/{eid}/results", headers=staff)
    assert response.status_code == 200, response.text
    out = response.json()
    assert sum(a["visitors"] for a in out["arms"]) == 60
    analysis = out["analysis"]
    assert analysis["decision"] == "sequential"
    assert analysis["srm"]["detected"] is False
    assert out["srm_blocked"] is False
    assert {"prob_best", "ci_low", "ci_high"} <= set(analysis["arms"][0])
    assert "p_value" in analysis["comparisons"][0]["sequential"]


async def test_results_srm_blocks_the_verdict(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    layer = await make_layer(client, staff)
    eid = (await make_experiment(client, staff, layer))["id"]
    async with ctx.sessionmaker.begin() as s:
        rows = {a.key: a for a in await s.scalars(select(Arm).where(Arm.experiment_id == eid))}
        rows["default"].visitors, rows["default"].conversions = 10_000, 1000
        rows["alt"].visitors, rows["alt"].conversions = 8_000, 1200
    out = (await client.get(f"{EXPERIMENTS}/{eid}/results", headers=staff)).json()
    assert out["srm_blocked"] is True
    assert out["analysis"]["verdict_status"] == "blocked"
