from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.members.conftest import (
    ADDRESS,
    ADDRESSES,
    addresses,
    bearer,
    create_address,
    wechat_login,
)

# A member sees their own addresses in clear (address book, checkout, order detail).
SHOWN = dict(ADDRESS)


def url(address_id: int | str) -> str:
    return f"{ADDRESSES}/{address_id}"


async def test_create_returns_the_address_in_clear_and_first_is_default(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)

    response = await client.post(ADDRESSES, json=ADDRESS, headers=bearer(tokens))

    assert response.status_code == 201
    body = response.json()
    [row] = await addresses(ctx)
    assert body == {
        **SHOWN,
        "id": row.id,
        "is_default": True,
        "is_masked": False,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert row.member_id == tokens["member"]["id"]


async def test_address_is_encrypted_at_rest(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)

    async with ctx.sessionmaker() as s:
        raw = (
            await s.execute(
                text("SELECT * FROM members_address WHERE id = :id"), {"id": created["id"]}
            )
        ).one()
    raw_text = repr(tuple(raw))
    for secret in (ADDRESS["recipient"], ADDRESS["phone"], ADDRESS["detail"], "腾讯大厦", "5678"):
        assert secret not in raw_text
    row = raw._mapping
    assert ctx.pii.decrypt(row["recipient_encrypted"]) == ADDRESS["recipient"]
    assert ctx.pii.decrypt(row["phone_encrypted"]) == ADDRESS["phone"]
    assert ctx.pii.decrypt(row["detail_encrypted"]) == ADDRESS["detail"]


async def test_a_single_address_is_shown_in_clear_to_its_owner(
    client: httpx.AsyncClient,
) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)

    response = await client.get(url(created["id"]), headers=bearer(tokens))

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ADDRESS} == ADDRESS
    assert response.json()["is_masked"] is False


async def test_list_is_in_clear_and_default_first(client: httpx.AsyncClient) -> None:
    tokens = await wechat_login(client)
    home = await create_address(client, tokens, tag="家")
    office = await create_address(client, tokens, tag="公司", recipient="李四")
    parents = await create_address(client, tokens, tag="父母家", is_default=True)

    response = await client.get(ADDRESSES, headers=bearer(tokens))

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [a["id"] for a in body["items"]] == [parents["id"], office["id"], home["id"]]
    assert [a["is_default"] for a in body["items"]] == [True, False, False]
    assert [a["recipient"] for a in body["items"]] == ["张三丰", "李四", "张三丰"]
    assert [a["phone"] for a in body["items"]] == [ADDRESS["phone"]] * 3
    assert not any(a["is_masked"] for a in body["items"])


async def test_setting_a_default_clears_the_previous_one(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    first = await create_address(client, tokens)
    second = await create_address(client, tokens)
    assert (first["is_default"], second["is_default"]) == (True, False)

    response = await client.patch(
        url(second["id"]), json={"is_default": True}, headers=bearer(tokens)
    )

    assert response.status_code == 200
    assert response.json()["is_default"] is True
    assert [(a.id, a.is_default) for a in await addresses(ctx)] == [
        (first["id"], False),
        (second["id"], True),
    ]

    third = await create_address(client, tokens, is_default=True)

    assert [a.is_default for a in await addresses(ctx)] == [False, False, True]
    assert third["is_default"] is True


async def test_unsetting_the_default_leaves_none_and_next_new_one_becomes_default(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    first = await create_address(client, tokens)

    response = await client.patch(
        url(first["id"]), json={"is_default": False}, headers=bearer(tokens)
    )

    assert response.json()["is_default"] is False
    second = await create_address(client, tokens)
    assert second["is_default"] is True


async def test_patch_changes_fields_and_reencrypts(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)

    response = await client.patch(
        url(created["id"]),
        json={"recipient": "王五", "phone": "13700001111", "postal_code": None, "tag": None},
        headers=bearer(tokens),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["recipient"], body["phone"]) == ("王五", "13700001111")
    assert (body["postal_code"], body["tag"]) == (None, None)
    assert body["detail"] == ADDRESS["detail"]
    [row] = await addresses(ctx)
    assert ctx.pii.decrypt(row.recipient_encrypted) == "王五"
    assert ctx.pii.decrypt(row.phone_encrypted) == "13700001111"
    assert row.updated_at > row.created_at


async def test_delete_is_soft_and_hides_the_address(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    first = await create_address(client, tokens)
    second = await create_address(client, tokens)

    response = await client.delete(url(first["id"]), headers=bearer(tokens))

    assert response.status_code == 204
    gone = await client.get(url(first["id"]), headers=bearer(tokens))
    assert gone.status_code == 404
    assert gone.json()["code"] == "members.address_not_found"
    listed = (await client.get(ADDRESSES, headers=bearer(tokens))).json()["items"]
    assert [a["id"] for a in listed] == [second["id"]]
    deleted, kept = await addresses(ctx)
    assert deleted.deleted_at is not None
    assert deleted.is_default is False
    assert kept.is_default is False
    # With the default gone, the next new address becomes the default.
    third = await create_address(client, tokens)
    assert third["is_default"] is True
    before = await snapshot(ctx)
    again = await client.delete(url(first["id"]), headers=bearer(tokens))
    assert again.status_code == 404
    assert again.json()["code"] == "members.address_not_found"
    assert await snapshot(ctx) == before


async def test_another_members_address_is_not_found(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await wechat_login(client, "alice")
    bob = await wechat_login(client, "bob")
    alices = await create_address(client, alice)
    before = await snapshot(ctx)

    responses = [
        await client.get(url(alices["id"]), headers=bearer(bob)),
        await client.get(url(alices["id"]), params={"reveal": "true"}, headers=bearer(bob)),
        await client.patch(url(alices["id"]), json={"tag": "mine"}, headers=bearer(bob)),
        await client.patch(url(alices["id"]), json={"is_default": True}, headers=bearer(bob)),
        await client.delete(url(alices["id"]), headers=bearer(bob)),
        await client.get(url(999_999), headers=bearer(alice)),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert {r.json()["code"] for r in responses} == {"members.address_not_found"}
    assert await snapshot(ctx) == before
    assert (await client.get(ADDRESSES, headers=bearer(bob))).json()["items"] == []


async def test_at_most_twenty_addresses(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    created = [await create_address(client, tokens, tag=f"t{i}") for i in range(20)]
    before = await snapshot(ctx)

    response = await client.post(ADDRESSES, json=ADDRESS, headers=bearer(tokens))

    assert response.status_code == 409
    assert response.json()["code"] == "members.address_limit"
    assert await snapshot(ctx) == before
    # Deleting one frees a slot.
    await client.delete(url(created[0]["id"]), headers=bearer(tokens))
    assert (await client.post(ADDRESSES, json=ADDRESS, headers=bearer(tokens))).status_code == 201


async def test_concurrent_creates_respect_the_limit_and_one_default(
    client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent writers to one address book need PostgreSQL row locks")
    tokens = await wechat_login(client)

    responses = await asyncio.gather(
        *(client.post(ADDRESSES, json=ADDRESS, headers=bearer(tokens)) for _ in range(25))
    )

    assert sorted(r.status_code for r in responses) == [201] * 20 + [409] * 5
    rows = await addresses(ctx)
    assert len(rows) == 20
    assert sum(a.is_default for a in rows) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"recipient": False},
        {"recipient": ""},
        {"recipient": "名" * 33},
        {"phone": "12345"},
        {"phone": 13912345678},
        {"province": ""},
        {"city": "市" * 33},
        {"region_code": "44030"},
        {"region_code": "44030a"},
        {"region_code": 440305},
        {"detail": "号" * 201},
        {"postal_code": "5180"},
        {"tag": "t" * 17},
        {"is_default": "yes"},
        {"is_default": 1},
        {"member_id": 2},
    ],
)
async def test_bad_new_addresses_are_422_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, changes: dict[str, Any]
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(ADDRESSES, json={**ADDRESS, **changes}, headers=bearer(tokens))

    assert response.status_code == 422, changes
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("missing", ["recipient", "phone", "region_code", "detail"])
async def test_new_address_needs_required_fields(
    client: httpx.AsyncClient, ctx: AppContext, missing: str
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)
    body = {k: v for k, v in ADDRESS.items() if k != missing}

    response = await client.post(ADDRESSES, json=body, headers=bearer(tokens))

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"recipient": None},
        {"detail": None},
        {"is_default": None},
        {"region_code": "1"},
        {"phone": False},
        {"deleted_at": None},
    ],
)
async def test_bad_address_updates_are_422_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, changes: dict[str, Any]
) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)
    before = await snapshot(ctx)

    response = await client.patch(url(created["id"]), json=changes, headers=bearer(tokens))

    assert response.status_code == 422, changes
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("address_id", ["abc", "0", "-1", str(2**63), "1.5"])
async def test_bad_address_ids_are_422(
    client: httpx.AsyncClient, ctx: AppContext, address_id: str
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    for response in (
        await client.get(url(address_id), headers=bearer(tokens)),
        await client.patch(url(address_id), json={"tag": "x"}, headers=bearer(tokens)),
        await client.delete(url(address_id), headers=bearer(tokens)),
    ):
        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_addresses_need_a_token(client: httpx.AsyncClient, ctx: AppContext) -> None:
    before = await snapshot(ctx)

    for response in (
        await client.get(ADDRESSES),
        await client.post(ADDRESSES, json=ADDRESS),
        await client.get(url(1)),
        await client.delete(url(1)),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before


# ---- region checks -------------------------------------------------------------------------

LHASA = {"province": "西藏自治区", "city": "拉萨市", "district": "城关区", "region_code": "540102"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"region_code": "999999"}, "addresses.region_unknown"),
        ({"region_code": "440300"}, "addresses.region_unknown"),  # a city, not a district
        ({"region_code": "440000"}, "addresses.region_unknown"),
        ({"region_code": "810000"}, "addresses.region_unknown"),  # left out of the tree
        ({"region_code": "540102"}, "addresses.region_mismatch"),
        ({"district": "福田区"}, "addresses.region_mismatch"),
        ({"city": "广州市"}, "addresses.region_mismatch"),
        ({"province": "广东"}, "addresses.region_mismatch"),
        ({**LHASA, "city": "日喀则市"}, "addresses.region_mismatch"),
    ],
)
async def test_a_new_address_in_an_unknown_or_mismatched_region_is_refused(
    client: httpx.AsyncClient, ctx: AppContext, changes: dict[str, Any], code: str
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(ADDRESSES, json={**ADDRESS, **changes}, headers=bearer(tokens))

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"region_code": "123456"}, "addresses.region_unknown"),
        ({"region_code": "540102"}, "addresses.region_mismatch"),  # names still say 南山区
        ({"district": "城关区"}, "addresses.region_mismatch"),
        ({**LHASA, "district": "达孜区"}, "addresses.region_mismatch"),
    ],
)
async def test_an_address_update_to_an_unknown_or_mismatched_region_is_refused(
    client: httpx.AsyncClient, ctx: AppContext, changes: dict[str, Any], code: str
) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)
    before = await snapshot(ctx)

    response = await client.patch(url(created["id"]), json=changes, headers=bearer(tokens))

    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "region",
    [
        LHASA,
        {"province": "北京市", "city": "北京市", "district": "朝阳区", "region_code": "110105"},
        {"province": "湖北省", "city": "仙桃市", "district": "仙桃市", "region_code": "429004"},
        {
            "province": "重庆市",
            "city": "重庆市",
            "district": "石柱土家族自治县",
            "region_code": "500240",
        },
    ],
)
async def test_an_address_moves_to_any_leaf_of_the_tree(
    client: httpx.AsyncClient, region: dict[str, str]
) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)

    response = await client.patch(url(created["id"]), json=region, headers=bearer(tokens))

    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in region} == region


async def test_changing_only_other_fields_does_not_recheck_the_region(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    created = await create_address(client, tokens)
    async with ctx.sessionmaker() as s, s.begin():  # an address saved before the checks existed
        await s.execute(
            text("UPDATE members_address SET region_code = '440399' WHERE id = :id"),
            {"id": created["id"]},
        )

    response = await client.patch(url(created["id"]), json={"tag": "家"}, headers=bearer(tokens))

    assert response.status_code == 200
    assert response.json()["region_code"] == "440399"
