"""Shopper passkeys on H5 against a software authenticator: add one from 设置 (packed self
attestation), sign in with it alone, and the refusals (counter, origin, challenge reuse,
revoked passkey) that change no passkey."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.members.conftest import bearer, sms_login
from tests.webauthn_authenticator import SoftAuthenticator

API = "/api/v1"


async def passkey_login(
    client: httpx.AsyncClient, phone: SoftAuthenticator, **get: Any
) -> httpx.Response:
    options = (await client.post(f"{API}/auth/passkey-options")).json()
    assert options["public_key"]["userVerification"] == "required"
    return await client.post(
        f"{API}/auth/passkey-login",
        json={
            "challenge_id": options["challenge_id"],
            "credential": phone.get(options["public_key"], **get),
        },
    )


async def test_a_shopper_adds_a_passkey_and_signs_in_with_it(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    tokens = await sms_login(client, app)
    headers = bearer(tokens)
    phone = SoftAuthenticator()
    options = (await client.post(f"{API}/me/passkeys/options", headers=headers)).json()
    assert options["public_key"]["user"]["name"] == f"member-{tokens['member']['id']}"

    phished = await client.post(
        f"{API}/me/passkeys",
        json={
            "challenge_id": options["challenge_id"],
            "credential": phone.create(options["public_key"], origin="http://phish.test"),
        },
        headers=headers,
    )
    assert (phished.status_code, phished.json()["code"]) == (400, "members.passkey_invalid")
    reused = await client.post(
        f"{API}/me/passkeys",
        json={
            "challenge_id": options["challenge_id"],
            "credential": phone.create(options["public_key"], fmt="packed"),
        },
        headers=headers,
    )
    assert (reused.status_code, reused.json()["code"]) == (400, "members.challenge_invalid")

    options = (await client.post(f"{API}/me/passkeys/options", headers=headers)).json()
    created = await client.post(
        f"{API}/me/passkeys",
        json={
            "challenge_id": options["challenge_id"],
            "name": "我的手机",
            "credential": phone.create(options["public_key"], fmt="packed"),
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    listed = (await client.get(f"{API}/me/passkeys", headers=headers)).json()
    assert [p["name"] for p in listed] == ["我的手机"]

    signed_in = await passkey_login(client, phone)

    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["member"]["id"] == tokens["member"]["id"]
    assert signed_in.headers["Cache-Control"] == "no-store"

    before = await snapshot(ctx, "members_passkey", "members_refresh_token")
    for get in ({"counter": 1}, {"origin": "http://phish.test"}, {"rp_id": "phish.test"}):
        refused = await passkey_login(client, phone, **get)
        assert (refused.status_code, refused.json()["code"]) == (401, "members.passkey_invalid")
    assert await snapshot(ctx, "members_passkey", "members_refresh_token") == before

    removed = await client.delete(f"{API}/me/passkeys/{created.json()['id']}", headers=headers)
    assert removed.status_code == 204
    refused = await passkey_login(client, phone)
    assert (refused.status_code, refused.json()["code"]) == (401, "members.passkey_invalid")
