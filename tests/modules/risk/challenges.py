"""What the challenge tests share: every checkout challenged (enforce mode and one rule), a
member signed in by SMS with an address (and, given an authenticator, a passkey), and the
order the rule refuses with ``risk.challenge_required``. A test module uses the fixtures by
importing them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.risk import config, service
from tests.modules.members.conftest import bearer, create_address, sms_login
from tests.webauthn_authenticator import SoftAuthenticator

API = "/api/v1"
ORDERS = f"{API}/orders"
CHALLENGES = f"{API}/risk/challenges"
DEVICE = {"X-Device-Id": "phone-device-0001"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"sms_per_phone_limit": "100/minute", "login_attempts_limit": "100/minute"}


@pytest.fixture(autouse=True)
async def challenge_every_checkout(ctx: AppContext) -> None:
    config.use_settings(ctx, mode="enforce")
    async with ctx.sessionmaker() as session:
        await service.create_rule(
            session,
            ctx,
            service.RuleDraft(
                name="下单要验证",
                actions=["checkout"],
                conditions=[{"signal": "amount", "op": "gte", "value": 0}],
                outcome="challenge",
            ),
        )
        await session.commit()


async def member(
    client: httpx.AsyncClient, app: FastAPI, phone: str, key: SoftAuthenticator | None = None
) -> dict[str, Any]:
    """A member signed in by SMS on ``DEVICE`` with one address (and a passkey of ``key``)."""
    tokens = await sms_login(client, app, phone)
    address = await create_address(client, tokens)
    headers = {**bearer(tokens), **DEVICE}
    if key is not None:
        options = (await client.post(f"{API}/me/passkeys/options", headers=headers)).json()
        created = await client.post(
            f"{API}/me/passkeys",
            json={
                "challenge_id": options["challenge_id"],
                "credential": key.create(options["public_key"]),
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
    return {"headers": headers, "address_id": int(address["id"])}


def order_body(who: dict[str, Any], sku_id: int) -> dict[str, Any]:
    return {"address_id": who["address_id"], "items": [{"sku_id": sku_id, "quantity": 1}]}


async def refused_checkout(
    client: httpx.AsyncClient,
    who: dict[str, Any],
    sku_id: int,
    key: str,
    methods: list[str] | None = None,
) -> dict[str, Any]:
    """The order refused with ``risk.challenge_required`` (offering ``methods``, when given)."""
    response = await client.post(
        ORDERS, json=order_body(who, sku_id), headers={**who["headers"], "Idempotency-Key": key}
    )
    assert response.status_code == 403, response.text
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "risk.challenge_required"
    if methods is not None:
        assert problem["methods"] == methods
    return problem
