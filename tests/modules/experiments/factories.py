"""Plain async helpers for the experiment tests (no tests here)."""

from __future__ import annotations

from typing import Any

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import publish
from shoplet.core.events.relay import drain_outbox
from shoplet.modules.orders.public import AFTERSALE_REFUNDED, ORDER_PAID, ORDER_REFUNDED

EXPERIMENTS = "/api/v1/console/experiments"
LAYERS = "/api/v1/console/experiments/layers"
ASSIGN = "/api/v1/experiments/assign"
EXPOSURES = "/api/v1/experiments/exposures"
TABLES = (
    "experiments_layer",
    "experiments_experiment",
    "experiments_arm",
    "experiments_exposure",
    "experiments_unit_metric",
    "experiments_order",
    "experiments_decision",
    "experiments_allocation",
    "experiments_ruleset",
)


async def make_layer(client: httpx.AsyncClient, staff: dict[str, str], key: str = "home") -> int:
    response = await client.post(LAYERS, json={"key": key, "name": f"{key} 层"}, headers=staff)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def experiment_body(layer_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "结算按钮文案",
        "layer_id": layer_id,
        "slot": "checkout_button_text",
        "hypothesis": "“立即支付”比“提交订单”更能促成支付",
        "primary_metric": "conversion",
        "guardrail_metrics": ["aov"],
        "bucket_start": 0,
        "bucket_end": 1000,
        "arms": [
            {"key": "default", "name": "提交订单", "weight": 5000},
            {"key": "alt", "name": "立即支付", "weight": 5000},
        ],
    }
    body.update(overrides)
    return body


async def make_experiment(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    layer_id: int,
    *,
    start: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    response = await client.post(
        EXPERIMENTS, json=experiment_body(layer_id, **overrides), headers=staff
    )
    assert response.status_code == 201, response.text
    experiment: dict[str, Any] = response.json()
    if start:
        response = await client.post(
            f"{EXPERIMENTS}/{experiment['id']}/start", json={}, headers=staff
        )
        assert response.status_code == 200, response.text
        experiment = response.json()
    return experiment


async def order_event(ctx: AppContext, kind: str, payload: dict[str, Any]) -> None:
    """Publish an orders event as orders would, and let the handlers run."""
    name = {"paid": ORDER_PAID, "refunded": ORDER_REFUNDED, "aftersale": AFTERSALE_REFUNDED}[kind]
    async with unit_of_work(ctx.sessionmaker) as session:
        await publish(session, name, payload)
    await drain_outbox(ctx)
