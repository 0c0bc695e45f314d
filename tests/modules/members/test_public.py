"""The contract other modules code against: identity dependencies and address snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.errors import install_error_handlers
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.members import repository as members_repo
from shoplet.modules.members.public import (
    AddressNotFound,
    AddressSnapshot,
    CurrentMember,
    MemberIdentity,
    OptionalMember,
    default_region_codes,
    get_address_snapshot,
    get_wechat_openid,
)
from tests.conftest import StatementCounter
from tests.modules.members.conftest import (
    ADDRESS,
    ADDRESSES,
    bearer,
    create_address,
    sms_login,
    wechat_login,
)


@pytest.fixture
async def consumer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A route of another module, as it would use the members dependencies."""
    probe = FastAPI()
    probe.state.ctx = app.state.ctx

    @probe.get("/whoami")
    async def whoami(member: CurrentMember) -> dict[str, object]:
        return {"id": member.id, "openid": member.openid}

    @probe.get("/maybe")
    async def maybe(member: OptionalMember) -> dict[str, object]:
        return {"id": member.id if member else None}

    install_error_handlers(probe)
    transport = httpx.ASGITransport(app=probe)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as c:
        yield c


async def test_current_member_is_checked_without_the_database(
    client: httpx.AsyncClient, consumer: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    tokens = await wechat_login(client, "alice")
    sql_counter.reset()

    response = await consumer.get("/whoami", headers=bearer(tokens))

    assert response.status_code == 200
    assert response.json() == {
        "id": tokens["member"]["id"],
        "openid": openid_for("alice", "wx-shoplet-sim"),
    }
    assert sql_counter.count == 0


async def test_current_member_from_sms_login_has_no_openid(
    client: httpx.AsyncClient, app: FastAPI, consumer: httpx.AsyncClient
) -> None:
    tokens = await sms_login(client, app)

    response = await consumer.get("/whoami", headers=bearer(tokens))

    assert response.json() == {"id": tokens["member"]["id"], "openid": None}


async def test_current_member_requires_a_valid_token(
    ctx: AppContext, consumer: httpx.AsyncClient
) -> None:
    expired = ctx.tokens.issue(subject="1", audience="storefront", ttl=timedelta(seconds=-5))
    missing = await consumer.get("/whoami")
    stale = await consumer.get("/whoami", headers={"Authorization": f"Bearer {expired}"})

    for response in (missing, stale):
        assert response.status_code == 401
        assert response.json()["code"] == "auth.unauthorized"


async def test_optional_member(
    client: httpx.AsyncClient, ctx: AppContext, consumer: httpx.AsyncClient
) -> None:
    tokens = await wechat_login(client)
    expired = ctx.tokens.issue(subject="1", audience="storefront", ttl=timedelta(seconds=-5))

    guest = await consumer.get("/maybe")
    member = await consumer.get("/maybe", headers=bearer(tokens))
    bad = await consumer.get("/maybe", headers={"Authorization": f"Bearer {expired}"})

    assert guest.json() == {"id": None}
    assert member.json() == {"id": tokens["member"]["id"]}
    # A stale token is a 401 (refresh!), not a silent downgrade to guest.
    assert bad.status_code == 401
    assert bad.json()["code"] == "auth.unauthorized"


async def test_address_snapshot_is_decrypted(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)

    async with ctx.sessionmaker() as s:
        snap = await get_address_snapshot(
            s, ctx.pii, member_id=tokens["member"]["id"], address_id=created["id"]
        )

    assert snap == AddressSnapshot(
        recipient=ADDRESS["recipient"],
        phone=ADDRESS["phone"],
        province=ADDRESS["province"],
        city=ADDRESS["city"],
        district=ADDRESS["district"],
        region_code=ADDRESS["region_code"],
        detail=ADDRESS["detail"],
        postal_code=ADDRESS["postal_code"],
    )


async def test_address_snapshot_of_others_or_deleted_is_not_found(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await wechat_login(client, "alice")
    bob = await wechat_login(client, "bob")
    alices = await create_address(client, alice)
    deleted = await create_address(client, alice)
    await client.delete(f"{ADDRESSES}/{deleted['id']}", headers=bearer(alice))

    async with ctx.sessionmaker() as s:
        for member_id, address_id in (
            (bob["member"]["id"], alices["id"]),
            (alice["member"]["id"], deleted["id"]),
            (alice["member"]["id"], 424242),
        ):
            with pytest.raises(AddressNotFound) as raised:
                await get_address_snapshot(s, ctx.pii, member_id=member_id, address_id=address_id)
            assert raised.value.status == 404
            assert raised.value.code == "members.address_not_found"


async def test_get_wechat_openid(client: httpx.AsyncClient, app: FastAPI, ctx: AppContext) -> None:
    wechat = await wechat_login(client, "alice")
    phone = await sms_login(client, app)

    async with ctx.sessionmaker() as s:
        assert await get_wechat_openid(s, wechat["member"]["id"]) == openid_for(
            "alice", "wx-shoplet-sim"
        )
        assert await get_wechat_openid(s, phone["member"]["id"]) is None
        assert await get_wechat_openid(s, 987654) is None


def test_member_identity_is_a_frozen_value() -> None:
    identity = MemberIdentity(id=7, openid=None)

    assert identity == MemberIdentity(id=7, openid=None)
    with pytest.raises(AttributeError):
        identity.id = 8  # type: ignore[misc]


async def test_default_region_codes_of_many_members(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """The default address's region code (the first address is the default until another is
    marked), members without a live address left out, whatever the statement size."""
    alice, bob, carol = [await wechat_login(client, n) for n in ("alice", "bob", "carol")]
    places = {
        "110101": ("北京市", "北京市", "东城区"),
        "310101": ("上海市", "上海市", "黄浦区"),
        "320102": ("江苏省", "南京市", "玄武区"),
        "510104": ("四川省", "成都市", "锦江区"),
    }

    def at(code: str) -> dict[str, str]:
        province, city, district = places[code]
        return {"region_code": code, "province": province, "city": city, "district": district}

    await create_address(client, alice)  # 440305, the first: the default
    await create_address(client, alice, **at("110101"))
    await create_address(client, bob, **at("310101"))
    await create_address(client, bob, **at("320102"), is_default=True)
    gone = await create_address(client, carol, **at("510104"))
    response = await client.delete(f"{ADDRESSES}/{gone['id']}", headers=bearer(carol))
    assert response.status_code == 204, response.text
    ids = [int(t["member"]["id"]) for t in (alice, bob, carol)]
    async with ctx.sessionmaker() as session:
        for chunk in (1, 2000):
            codes = await members_repo.default_region_codes(session, [*ids, 999999], chunk=chunk)
            assert codes == {ids[0]: "440305", ids[1]: "320102"}
        assert await default_region_codes(session, []) == {}
