"""A challenged shopper passes the challenge with a passkey (H5) instead of an SMS code: the 403
offers ``passkey`` only to a member who has one, the assertion (user verification, the member's
own passkey, origin and RP id, a growing counter) gives the same single-use grant as the code,
and the refusals are stable 4xx that change nothing but the counted attempt. On PostgreSQL, ten
concurrent posts of one assertion give exactly one grant."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.members.models import Passkey
from shoplet.modules.risk import service
from shoplet.modules.risk.models import RiskChallenge
from tests.conftest import snapshot
from tests.modules.orders.factories import product
from tests.modules.risk.challenges import (  # the fixtures are used by name
    CHALLENGES,
    ORDERS,
    challenge_every_checkout,  # noqa: F401
    member,
    order_body,
    refused_checkout,
    settings_overrides,  # noqa: F401
)
from tests.webauthn_authenticator import SoftAuthenticator


async def options_for(client: httpx.AsyncClient, who: dict[str, Any], token: str) -> Any:
    response = await client.post(f"{CHALLENGES}/{token}/passkey/options", headers=who["headers"])
    assert response.status_code == 200, response.text
    public_key = response.json()["public_key"]
    assert public_key["userVerification"] == "required"
    return public_key


async def post_assertion(
    client: httpx.AsyncClient, who: dict[str, Any], token: str, credential: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"{CHALLENGES}/{token}/passkey/verify",
        json={"credential": credential},
        headers=who["headers"],
    )


async def challenge_row(ctx: AppContext, token: str) -> RiskChallenge:
    async with ctx.sessionmaker() as session:
        row = await session.scalar(select(RiskChallenge).where(RiskChallenge.token == token))
    assert row is not None
    return row


async def test_a_passkey_passes_the_challenge_and_the_order_goes_through_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    key = SoftAuthenticator()
    alice = await member(client, app, "13800005551", key)
    bob = await member(client, app, "13800005552", None)

    problem = await refused_checkout(client, alice, sku_id, "pk-k-0001")
    assert problem["methods"] == ["sms", "passkey"]
    token = problem["challenge_id"]
    public_key = await options_for(client, alice, token)
    assert [c["id"] for c in public_key["allowCredentials"]] == [key.id]

    # Bob has no passkey: SMS only, and the passkey path says so.
    bob_problem = await refused_checkout(client, bob, sku_id, "pk-k-0002")
    assert bob_problem["methods"] == ["sms"]
    before = await snapshot(ctx, "risk_challenge")
    none = await client.post(
        f"{CHALLENGES}/{bob_problem['challenge_id']}/passkey/options", headers=bob["headers"]
    )
    assert (none.status_code, none.json()["code"]) == (409, "risk.challenge_no_passkey")
    assert await snapshot(ctx, "risk_challenge") == before

    verified = await post_assertion(client, alice, token, key.get(public_key))
    assert verified.status_code == 200, verified.text
    assert verified.json()["action"] == "checkout"
    assert verified.json()["expires_in"] == 300
    grant = verified.json()["grant"]
    async with ctx.sessionmaker() as session:
        stored = await session.scalar(select(Passkey).where(Passkey.credential_id == key.id))
    assert stored is not None
    assert stored.sign_count == 1

    again = await post_assertion(client, alice, token, key.get(public_key))
    assert (again.status_code, again.json()["code"]) == (409, "risk.challenge_already_passed")

    placed = await client.post(
        ORDERS,
        json=order_body(alice, sku_id),
        headers={**alice["headers"], "Idempotency-Key": "pk-k-0003", "X-Risk-Grant": grant},
    )
    assert placed.status_code == 201, placed.text
    before = await snapshot(ctx, "orders_order", "inventory_stock")
    spent = await client.post(
        ORDERS,
        json=order_body(alice, sku_id),
        headers={**alice["headers"], "Idempotency-Key": "pk-k-0004", "X-Risk-Grant": grant},
    )
    assert (spent.status_code, spent.json()["code"]) == (403, "risk.grant_invalid")
    assert await snapshot(ctx, "orders_order", "inventory_stock") == before
    async with ctx.sessionmaker() as session:
        logged = await service.search_decisions(session, action="checkout")
    passed = [d for d in logged if d.outcome == "allow"]
    assert len(passed) == 1
    assert "challenge_passed" in passed[0].reasons


async def test_refused_assertions_change_nothing_but_the_counted_attempt(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    key, bobs_key = SoftAuthenticator(), SoftAuthenticator()
    alice = await member(client, app, "13800006661", key)
    bob = await member(client, app, "13800006662", bobs_key)
    token = (await refused_checkout(client, alice, sku_id, "pk-k-0101"))["challenge_id"]

    # No options asked for yet: nothing to answer.
    public_key = await options_for(client, bob, (await refused_checkout(
        client, bob, sku_id, "pk-k-0102"))["challenge_id"])  # fmt: skip
    early = await post_assertion(client, alice, token, key.get(public_key))
    assert (early.status_code, early.json()["code"]) == (400, "risk.challenge_passkey_invalid")
    key.sign_count = 0  # that assertion was refused before its counter was looked at

    # Alice's counter stands at 5 (a sign-in elsewhere), so an old counter is a clone.
    async with ctx.sessionmaker() as session:
        stored = await session.scalar(select(Passkey).where(Passkey.credential_id == key.id))
        assert stored is not None
        stored.sign_count = 5
        await session.commit()
    key.sign_count = 5

    refusals = [
        lambda pk: key.get(pk, origin="http://phish.test"),  # a phishing page
        lambda pk: key.get(pk, rp_id="phish.test"),  # another relying party
        bobs_key.get,  # another member's passkey
        lambda pk: key.get(pk, counter=5),  # counter regression (a cloned authenticator)
    ]
    for n, answer in enumerate(refusals, start=2):
        public_key = await options_for(client, alice, token)
        before = await snapshot(ctx, "members_passkey", "orders_order", "inventory_stock")
        row = await challenge_row(ctx, token)
        refused = await post_assertion(client, alice, token, answer(public_key))
        assert (refused.status_code, refused.json()["code"]) == (
            400,
            "risk.challenge_passkey_invalid",
        ), n
        assert await snapshot(ctx, "members_passkey", "orders_order", "inventory_stock") == before
        after = await challenge_row(ctx, token)
        assert (after.attempts, after.grant_hash, after.code_hash) == (
            row.attempts + 1,
            None,
            row.code_hash,
        )
    assert (await challenge_row(ctx, token)).attempts == 5

    # Unknown and foreign challenges: 404, not a row changed.
    before = await snapshot(ctx, "members_passkey", "risk_challenge", "orders_order")
    unknown = await post_assertion(client, alice, "x" * 24, key.get(public_key))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "risk.challenge_not_found")
    foreign = await post_assertion(client, bob, token, bobs_key.get(public_key))
    assert (foreign.status_code, foreign.json()["code"]) == (404, "risk.challenge_not_found")
    foreign_options = await client.post(
        f"{CHALLENGES}/{token}/passkey/options", headers=bob["headers"]
    )
    assert foreign_options.json()["code"] == "risk.challenge_not_found"
    # Five attempts counted (like wrong codes): even a good assertion is now too late.
    exhausted = await post_assertion(client, alice, token, key.get(public_key))
    assert (exhausted.status_code, exhausted.json()["code"]) == (
        409,
        "risk.challenge_attempts_exhausted",
    )
    assert await snapshot(ctx, "members_passkey", "risk_challenge", "orders_order") == before


async def test_a_good_assertion_after_refusals_still_passes(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    key = SoftAuthenticator()
    alice = await member(client, app, "13800007771", key)
    token = (await refused_checkout(client, alice, sku_id, "pk-k-0201"))["challenge_id"]
    public_key = await options_for(client, alice, token)
    phished = await post_assertion(
        client, alice, token, key.get(public_key, origin="http://x.test")
    )
    assert phished.status_code == 400
    unverified = await post_assertion(
        client, alice, token, key.get(public_key, user_verified=False)
    )
    assert (unverified.status_code, unverified.json()["code"]) == (
        400,
        "risk.challenge_passkey_invalid",
    )
    verified = await post_assertion(client, alice, token, key.get(public_key))
    assert verified.status_code == 200, verified.text
    row = await challenge_row(ctx, token)
    assert row.attempts == 3
    assert row.grant_hash is not None


async def test_ten_concurrent_posts_of_one_assertion_give_one_grant(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    _, [sku_id] = await product(ctx, (5900, 10))
    key = SoftAuthenticator()
    alice = await member(client, app, "13800008881", key)
    token = (await refused_checkout(client, alice, sku_id, "pk-k-0301"))["challenge_id"]
    credential = key.get(await options_for(client, alice, token))

    responses = await asyncio.gather(
        *(post_assertion(client, alice, token, credential) for _ in range(10))
    )
    outcomes = Counter(
        (r.status_code, r.json().get("code") if r.status_code != 200 else None) for r in responses
    )
    assert outcomes[(200, None)] == 1, outcomes
    assert set(outcomes) <= {
        (200, None),
        (409, "risk.challenge_already_passed"),
        (409, "risk.challenge_attempts_exhausted"),
        (400, "risk.challenge_passkey_invalid"),
    }, outcomes
    [grant] = [r.json()["grant"] for r in responses if r.status_code == 200]
    row = await challenge_row(ctx, token)
    assert row.grant_hash is not None
    assert row.grant_used_at is None
    async with ctx.sessionmaker() as session:
        stored = await session.scalar(select(Passkey).where(Passkey.credential_id == key.id))
    assert stored is not None
    assert stored.sign_count == 1
    placed = await client.post(
        ORDERS,
        json=order_body(alice, sku_id),
        headers={**alice["headers"], "Idempotency-Key": "pk-k-0302", "X-Risk-Grant": grant},
    )
    assert placed.status_code == 201, placed.text
