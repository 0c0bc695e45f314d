"""Binding the phone WeChat proves (getPhoneNumber): the code exchanged against the simulator,
then the SMS path's one-identity bind — merge of the H5 account, the same conflicts — and bad,
spent or expired codes refused with nothing changed."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.integrations.wechat.phone_simulator import CODE_TTL_SECONDS, PhoneNumberSimulator
from shoplet.modules.members.models import Member
from shoplet.modules.orders.models import Order
from tests.conftest import snapshot
from tests.modules.members.conftest import PHONE, bearer, create_address, sms_login, wechat_login
from tests.modules.orders.factories import Shopper, shopper

BIND_WECHAT = "/api/v1/me/phone/wechat"
TABLES = ("members_member", "members_merge", "members_address", "members_refresh_token")


def phones(app: FastAPI) -> PhoneNumberSimulator:
    simulator = app.state.integrations.wechat_phone_simulator
    assert isinstance(simulator, PhoneNumberSimulator)
    return simulator


async def bind(client: httpx.AsyncClient, who: Shopper, code: str) -> httpx.Response:
    return await client.post(BIND_WECHAT, json={"code": code}, headers=who.headers)


async def test_the_proven_phone_is_bound(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client, "alice")
    response = await bind(client, alice, phones(app).issue_code(PHONE))
    assert response.status_code == 200, response.text
    assert response.json() == {"phone": "138****5678", "merge": None}
    async with ctx.sessionmaker() as s:
        row = await s.get(Member, alice.member_id)
    assert row is not None
    assert row.phone_index == ctx.pii.blind_index(PHONE)
    assert ctx.pii.decrypt(row.phone_encrypted or "") == PHONE
    # The same phone again (a new code): a retry, nothing changes.
    again = await bind(client, alice, phones(app).issue_code(PHONE))
    assert (again.status_code, again.json()["merge"]) == (200, None)


async def test_the_h5_account_holding_the_phone_is_merged(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await sms_login(client, app, PHONE)
    await create_address(client, tokens)
    h5_id = int(tokens["member"]["id"])
    alice = await shopper(client, "alice")
    response = await bind(client, alice, phones(app).issue_code(PHONE))
    assert response.status_code == 200, response.text
    merge = response.json()["merge"]
    assert (merge["from_member_id"], merge["into_member_id"], merge["reason"]) == (
        h5_id,
        alice.member_id,
        "bind_phone",
    )
    assert merge["moved"]["addresses"] == 1
    async with ctx.sessionmaker() as s:
        absorbed = await s.get(Member, h5_id)
        survivor = await s.get(Member, alice.member_id)
        orders = list(await s.scalars(select(Order.id).where(Order.member_id == h5_id)))
    assert absorbed is not None
    assert survivor is not None
    assert (absorbed.is_active, absorbed.merged_into_id, absorbed.phone_index) == (
        False,
        alice.member_id,
        None,
    )
    assert survivor.phone_index == ctx.pii.blind_index(PHONE)
    assert orders == []
    # The absorbed account's session is revoked.
    me = await client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 401


async def test_bad_spent_and_expired_codes_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = phones(app)
    alice = await shopper(client, "alice")
    await sms_login(client, app, PHONE)  # an H5 account a good code would merge
    spent = sim.issue_code(PHONE)
    sim.codes[spent].used = True
    expired = sim.issue_code(PHONE)
    sim.codes[expired].expires_at -= CODE_TTL_SECONDS
    before = await snapshot(ctx, *TABLES)
    for code in ("never-issued", spent, expired):
        refused = await bind(client, alice, code)
        assert (refused.status_code, refused.json()["code"]) == (
            400,
            "members.wechat_phone_code_invalid",
        ), code
    malformed = await client.post(BIND_WECHAT, json={"code": ""}, headers=alice.headers)
    assert malformed.status_code == 422
    anonymous = await client.post(BIND_WECHAT, json={"code": sim.issue_code(PHONE)})
    assert anonymous.status_code == 401
    assert await snapshot(ctx, *TABLES) == before


async def test_wechat_failures_and_foreign_numbers_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = phones(app)
    alice = await shopper(client, "alice")
    before = await snapshot(ctx, *TABLES)
    for errcode, status, problem in (
        (-1, 502, "auth.wechat_unavailable"),
        (40013, 502, "auth.wechat_unavailable"),
        (45011, 429, "auth.wechat_rate_limited"),
    ):
        sim.fail_next.append(errcode)
        refused = await bind(client, alice, sim.issue_code(PHONE))
        assert (refused.status_code, refused.json()["code"]) == (status, problem), errcode
    sim.watermark_appid = "wx-another-app"
    mismatch = await bind(client, alice, sim.issue_code(PHONE))
    assert (mismatch.status_code, mismatch.json()["code"]) == (502, "auth.wechat_unavailable")
    sim.watermark_appid = None
    foreign = await bind(client, alice, sim.issue_code("91234567", "852"))
    assert (foreign.status_code, foreign.json()["code"]) == (
        400,
        "members.wechat_phone_unsupported",
    )
    assert await snapshot(ctx, *TABLES) == before


async def test_conflicts_are_the_sms_paths(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = phones(app)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    assert (await bind(client, alice, sim.issue_code(PHONE))).status_code == 200
    before = await snapshot(ctx, *TABLES)
    second = await bind(client, alice, sim.issue_code("13900001111"))
    assert (second.status_code, second.json()["code"]) == (409, "members.phone_already_bound")
    clash = await bind(client, bob, sim.issue_code(PHONE))
    assert (clash.status_code, clash.json()["code"]) == (409, "members.identity_conflict")
    assert await snapshot(ctx, *TABLES) == before
    await wechat_login(client, "alice")  # still signs in
