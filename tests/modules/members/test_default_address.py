"""members.public.get_default_address_snapshot and get_member_since (used by flash sales)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.members.public import (
    AddressNotFound,
    AddressSnapshot,
    get_default_address_snapshot,
    get_member_since,
)
from tests.modules.members.conftest import ADDRESSES, bearer, create_address, wechat_login


async def test_default_address_snapshot_follows_the_default(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client, "alice")
    member_id = tokens["member"]["id"]
    async with ctx.sessionmaker() as s:
        with pytest.raises(AddressNotFound) as err:
            await get_default_address_snapshot(s, ctx.pii, member_id)
    assert err.value.code == "members.address_not_found"

    home = await create_address(client, tokens, detail="家里的地址1号", tag="家")
    await create_address(client, tokens, detail="公司的地址2号", phone="13700001111")
    async with ctx.sessionmaker() as s:
        first = await get_default_address_snapshot(s, ctx.pii, member_id)
    assert first == AddressSnapshot(
        recipient="张三丰",
        phone="13912345678",
        province="广东省",
        city="深圳市",
        district="南山区",
        region_code="440305",
        detail="家里的地址1号",
        postal_code="518057",
    )

    # Deleting the default leaves no default: the newest live address is used.
    response = await client.delete(f"{ADDRESSES}/{home['id']}", headers=bearer(tokens))
    assert response.status_code == 204, response.text
    async with ctx.sessionmaker() as s:
        fallback = await get_default_address_snapshot(s, ctx.pii, member_id)
        # Another member's book is never read.
        with pytest.raises(AddressNotFound):
            await get_default_address_snapshot(s, ctx.pii, member_id + 1)
    assert (fallback.detail, fallback.phone) == ("公司的地址2号", "13700001111")


async def test_member_since(client: httpx.AsyncClient, ctx: AppContext) -> None:
    before = utcnow()
    tokens = await wechat_login(client, "bob")
    async with ctx.sessionmaker() as s:
        since = await get_member_since(s, tokens["member"]["id"])
        missing = await get_member_since(s, 987654)
    assert since is not None
    assert before - timedelta(seconds=1) <= since <= utcnow()
    assert missing is None
