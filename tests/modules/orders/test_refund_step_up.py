"""Refunds from the step-up threshold up need a fresh step-up (passkey or authenticator code);
below it, approving is as before."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.orders.console_factories import make_sku, paid_order
from tests.modules.orders.test_console_api import request_aftersale
from tests.modules.staff.conftest import bearer, token_for

API = "/api/v1/console"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"step_up_refund_threshold_fen": 5000}


async def test_a_refund_above_the_threshold_needs_a_step_up(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator", step_up=True)
    granted = bearer(olivia)
    plain = {k: v for k, v in granted.items() if k != "X-Step-Up-Token"}
    tee = await make_sku(ctx, price=4990, stock=10)
    small = await request_aftersale(
        client, ctx, await paid_order(app, ctx, tee), kind="refund_only", amount=4990
    )
    large = await request_aftersale(
        client, ctx, await paid_order(app, ctx, tee, quantity=2), kind="refund_only", amount=9980
    )

    below = await client.post(f"{API}/aftersales/{small}/approve", headers=plain)
    assert below.status_code == 200, below.text

    before = await snapshot(ctx)
    refused = await client.post(f"{API}/aftersales/{large}/approve", headers=plain)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.step_up_required")
    assert await snapshot(ctx) == before

    approved = await client.post(f"{API}/aftersales/{large}/approve", headers=granted)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] in {"refunding", "refunded"}
