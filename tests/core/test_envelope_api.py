"""Sealed storefront fields through the real routes: the key route, an address saved from an
envelope, and every refusal (tampered C3, wrong key, unknown key, stale time, replay, plain
fields where envelopes are required) answered before anything is written."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.sm2 import generate_private_key
from shoplet.core.sm2_envelope import EnvelopeKey, seal
from tests.conftest import snapshot
from tests.modules.members.conftest import ADDRESS, ADDRESSES, bearer, sms_outbox, wechat_login

KEY = "/api/v1/envelope-key"
SEALED = ("recipient", "phone", "detail")


async def served_key(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(KEY)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sealed_address(key: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    fields = {name: ADDRESS[name] for name in SEALED}
    plain = {k: v for k, v in ADDRESS.items() if k not in SEALED}
    envelope = seal(key["public_key"], key["key_id"], fields, timestamp=int(time.time()))
    return {**plain, "envelope": {**envelope, **overrides}}


async def test_an_address_saved_from_an_envelope(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    key = await served_key(client)
    assert key["mode"] == "accept"
    assert key["algorithm"] == "SM2-C1C3C2/SM4-GCM"
    assert len(key["public_key"]) == 130
    assert key["public_key"].startswith("04")
    headers = bearer(await wechat_login(client, "envelope-alice"))

    created = await client.post(ADDRESSES, json=sealed_address(key), headers=headers)
    assert created.status_code == 201, created.text
    assert {k: created.json()[k] for k in SEALED} == {k: ADDRESS[k] for k in SEALED}
    # Plain fields still work in "accept" mode.
    plain = await client.post(ADDRESSES, json=ADDRESS, headers=headers)
    assert plain.status_code == 201, plain.text


async def test_bad_envelopes_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    key = await served_key(client)
    headers = bearer(await wechat_login(client, "envelope-bob"))
    stranger = EnvelopeKey.of(generate_private_key())
    good = sealed_address(key)
    tampered_c3 = dict(good["envelope"])
    raw = bytearray.fromhex(tampered_c3["key"])
    raw[70] ^= 0x01  # C3 starts after 04 || x1 || y1
    tampered_c3["key"] = raw.hex()
    wrong_key = seal(
        stranger.public_key, key["key_id"], {"phone": "13800138000"}, timestamp=int(time.time())
    )
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**good, "envelope": tampered_c3}, 400, "envelope.invalid"),
        ({**good, "envelope": wrong_key}, 400, "envelope.invalid"),
        (sealed_address(key, kid="0" * 16), 400, "envelope.unknown_key"),
        (sealed_address(key, ts=int(time.time()) - 3600), 400, "envelope.expired"),
        (sealed_address(key, v=2), 400, "envelope.malformed"),
        ({**good, "phone": "13700137000"}, 400, "envelope.malformed"),  # sealed and plain
    ]
    before = await snapshot(ctx)
    for body, status, code in cases:
        refused = await client.post(ADDRESSES, json=body, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    assert await snapshot(ctx) == before

    # A field the route does not seal is refused, even when it decrypts.
    odd = seal(key["public_key"], key["key_id"], {"tag": "家"}, timestamp=int(time.time()))
    refused = await client.post(
        ADDRESSES, json={**ADDRESS, "tag": None, "envelope": odd}, headers=headers
    )
    assert refused.json()["code"] == "envelope.field_not_sealable"

    # The tampered envelopes did not use up the good one's id; the good one works once.
    assert (await client.post(ADDRESSES, json=good, headers=headers)).status_code == 201
    before = await snapshot(ctx)
    replayed = await client.post(ADDRESSES, json=good, headers=headers)
    assert (replayed.status_code, replayed.json()["code"]) == (409, "envelope.replayed")
    assert await snapshot(ctx) == before


async def test_a_replayed_envelope_is_accepted_once_among_concurrent_requests(
    client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    key = await served_key(client)
    headers = bearer(await wechat_login(client, "envelope-carol"))
    body = sealed_address(key)
    answers = await asyncio.gather(
        *(client.post(ADDRESSES, json=body, headers=headers) for _ in range(12))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 11, backend
    listed = await client.get(ADDRESSES, headers=headers)
    assert len(listed.json()["items"]) == 1


async def test_the_phone_of_an_sms_login_can_be_sealed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    key = await served_key(client)
    phone = "13612345678"
    envelope = seal(key["public_key"], key["key_id"], {"phone": phone}, timestamp=int(time.time()))
    sent = await client.post("/api/v1/auth/sms-code", json={"envelope": envelope})
    assert sent.status_code == 202, sent.text
    code = sms_outbox(app).last_code(phone)
    assert code is not None
    envelope = seal(key["public_key"], key["key_id"], {"phone": phone}, timestamp=int(time.time()))
    login = await client.post("/api/v1/auth/sms-login", json={"code": code, "envelope": envelope})
    assert login.status_code == 200, login.text


class TestRequired:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"envelope_mode": "require"}

    async def test_plain_sensitive_fields_are_refused(
        self, client: httpx.AsyncClient, ctx: AppContext
    ) -> None:
        key = await served_key(client)
        assert key["mode"] == "require"
        headers = bearer(await wechat_login(client, "envelope-dora"))
        before = await snapshot(ctx)
        refused = await client.post(ADDRESSES, json=ADDRESS, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (400, "envelope.required")
        assert refused.json()["detail"] == "send detail, phone, recipient in an envelope"
        assert await snapshot(ctx) == before
        created = await client.post(ADDRESSES, json=sealed_address(key), headers=headers)
        assert created.status_code == 201, created.text


class TestOff:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"envelope_mode": "off"}

    async def test_no_key_is_served_and_envelopes_are_refused(
        self, client: httpx.AsyncClient, ctx: AppContext
    ) -> None:
        key = await served_key(client)
        assert (key["mode"], key["key_id"], key["public_key"]) == ("off", None, None)
        other = EnvelopeKey.of(generate_private_key())
        headers = bearer(await wechat_login(client, "envelope-eve"))
        body = sealed_address({"public_key": other.public_key, "key_id": other.key_id})
        refused = await client.post(ADDRESSES, json=body, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (400, "envelope.disabled")
